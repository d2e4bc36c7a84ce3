package dev.conveyor.core.work;

import dev.conveyor.core.job.FailureReason;

/**
 * A failure that no retry can fix (corrupt media, unsupported input, limits exceeded). The job
 * fails at once with this reason; any other exception from a job is treated as transient.
 */
public final class PermanentJobFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final FailureReason reason;

  /**
   * @throws IllegalArgumentException for a code that is not kebab-case (a programming error, caught
   *     where it is made rather than inside the runner)
   */
  public PermanentJobFailure(String code, String message) {
    super(message);
    this.reason = new FailureReason(code, message);
  }

  public PermanentJobFailure(String code, String message, Throwable cause) {
    super(message, cause);
    this.reason = new FailureReason(code, message);
  }

  public FailureReason reason() {
    return reason;
  }
}
