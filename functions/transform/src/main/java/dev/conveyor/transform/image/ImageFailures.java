package dev.conveyor.transform.image;

import dev.conveyor.core.work.PermanentJobFailure;

/**
 * The machine-readable reasons an image job fails for good. The codes are part of the API (they
 * reach clients in job results and webhooks); the messages are for people and may change.
 */
public final class ImageFailures {
  /** The source object exceeds {@link ImageLimits#maxSourceBytes()}. */
  public static final String SOURCE_TOO_LARGE = "source-too-large";

  /** The header declares more pixels than {@link ImageLimits#maxSourcePixels()}. */
  public static final String SOURCE_PIXELS_TOO_MANY = "source-pixels-too-many";

  /**
   * The bytes are not an image format we accept (judged by magic bytes, never by name or content
   * type).
   */
  public static final String UNSUPPORTED_FORMAT = "unsupported-format";

  /** The header or the image data cannot be decoded (including truncated files). */
  public static final String CORRUPT_IMAGE = "corrupt-image";

  /** A rendition would exceed {@link ImageLimits#maxOutputDimension()} on a side. */
  public static final String OUTPUT_TOO_LARGE = "output-too-large";

  /** A rendition's crop does not lie inside the (upright) source image. */
  public static final String INVALID_CROP = "invalid-crop";

  /**
   * The engine in use cannot do what a rendition asks (e.g. AVIF or attention cropping without
   * libvips).
   */
  public static final String UNSUPPORTED_OPERATION = "unsupported-operation";

  /** The job's source upload does not exist (never uploaded, or expired). */
  public static final String SOURCE_MISSING = "source-missing";

  /** The stored job spec no longer parses (it was validated at submit; this is a safety net). */
  public static final String INVALID_SPEC = "invalid-spec";

  private ImageFailures() {}

  /**
   * {@code corrupt-image}: the {@code part} (header, pixels) of a {@code format} source could not
   * be decoded; a failure that already is permanent is returned as it is.
   */
  public static PermanentJobFailure corrupt(SourceFormat format, String part, Exception cause) {
    if (cause instanceof PermanentJobFailure failure) {
      return failure;
    }
    return failure(
        CORRUPT_IMAGE,
        "The " + format + " " + part + " cannot be decoded: " + cause.getMessage() + ".",
        cause);
  }

  static PermanentJobFailure failure(String code, String message) {
    return new PermanentJobFailure(code, message);
  }

  static PermanentJobFailure failure(String code, String message, Throwable cause) {
    return new PermanentJobFailure(code, message, cause);
  }
}
