package dev.conveyor.transform.image.vips;

/**
 * A libvips operation failed (it returned non-zero or NULL). Carries libvips' own message, e.g.
 * {@code "VipsJpeg: premature end of JPEG image"}: for untrusted input this usually means a
 * corrupt, truncated or unsupported image, not a bug.
 *
 * <p>libvips keeps one process-wide error buffer. When several threads fail at the same moment, a
 * message may carry another thread's text as well, or be empty; the operation name is always this
 * call's.
 */
public final class VipsException extends RuntimeException {
  private final String operation;
  private final String vipsMessage;

  VipsException(String operation, String vipsMessage) {
    super(
        operation
            + " failed"
            + (vipsMessage.isEmpty() ? " (libvips gave no message)" : ": " + vipsMessage));
    this.operation = operation;
    this.vipsMessage = vipsMessage;
  }

  /** The libvips function that failed, e.g. {@code vips_jpegsave_buffer}. */
  public String operation() {
    return operation;
  }

  /** libvips' error text, trimmed; empty when it gave none. */
  public String vipsMessage() {
    return vipsMessage;
  }
}
