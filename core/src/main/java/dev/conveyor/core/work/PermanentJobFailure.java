package dev.conveyor.core.work;

import dev.conveyor.core.job.FailureReason;

/**
 * A failure that no retry can fix (corrupt media, unsupported input, limits exceeded). The job
 * fails at once with this reason; any other exception from a job is treated as transient.
 */
public final class PermanentJobFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public PermanentJobFailure(String code, String message) {
    super(message);
    this.code = code;
  }

  public PermanentJobFailure(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public FailureReason reason() {
    return new FailureReason(code, getMessage());
  }
}
