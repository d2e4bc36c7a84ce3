package dev.conveyor.core.webhook;

/**
 * A webhook that did not verify: not from Conveyor, altered on the way, or replayed late. Answer it
 * with a 4xx status and do not act on it.
 */
public final class WebhookVerificationException extends Exception {
  /** Why it did not verify. */
  public enum Reason {
    /** {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} is absent. */
    MISSING_HEADER,
    /** {@code webhook-timestamp} is not whole Unix seconds. */
    MALFORMED_TIMESTAMP,
    /** {@code webhook-timestamp} is further from this receiver's clock than the tolerance. */
    TIMESTAMP_OUTSIDE_TOLERANCE,
    /** No {@code v1} signature matches any of the secrets. */
    NO_MATCHING_SIGNATURE
  }

  private final Reason reason;

  public WebhookVerificationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
