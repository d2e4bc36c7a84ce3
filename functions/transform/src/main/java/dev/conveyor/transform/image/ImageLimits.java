package dev.conveyor.transform.image;

import static dev.conveyor.transform.image.ImageFailures.OUTPUT_TOO_LARGE;
import static dev.conveyor.transform.image.ImageFailures.SOURCE_PIXELS_TOO_MANY;
import static dev.conveyor.transform.image.ImageFailures.SOURCE_TOO_LARGE;
import static dev.conveyor.transform.image.ImageFailures.failure;

/**
 * Bounds checked <em>before</em> any pixel is decoded, so that an image bomb (a small file whose
 * header declares a huge canvas) fails fast instead of exhausting the function's memory. Every
 * engine applies the same checks, in this order: source bytes, then the declared pixel count, then
 * each rendition's output size.
 *
 * <p>Defaults ({@link #DEFAULTS}):
 *
 * <ul>
 *   <li>{@code maxSourceBytes} 50 MiB: far above any phone or camera JPEG, and the whole object is
 *       held in memory while decoding.
 *   <li>{@code maxSourcePixels} 50 × 2<sup>20</sup> = 52,428,800 ("50 megapixels"). imgproxy's
 *       default is 16.8 MP, but phone cameras now save 48–50 MP photos: a "50 MP" sensor writes
 *       8160 × 6144 = 50.1 million pixels, just above a decimal 50,000,000, hence the binary
 *       megapixel. Decoded to 4 bytes per pixel that is ≈ 210 MB of heap (plus ≈ 25% for the first
 *       halving step), which fits a 1–2 GB function with room for the encoded outputs.
 *   <li>{@code maxOutputDimension} 8192 px per side, the same bound the job spec enforces on
 *       requested sizes; it also catches renditions that keep an extreme source's size (e.g. a
 *       width-only request on a 300 × 40000 strip, or a request larger than the source).
 * </ul>
 */
public record ImageLimits(long maxSourceBytes, long maxSourcePixels, int maxOutputDimension) {
  public static final long DEFAULT_MAX_SOURCE_BYTES = 50L * 1024 * 1024;
  public static final long DEFAULT_MAX_SOURCE_PIXELS = 50L * 1024 * 1024;
  public static final int DEFAULT_MAX_OUTPUT_DIMENSION = 8192;

  public static final ImageLimits DEFAULTS =
      new ImageLimits(
          DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_PIXELS, DEFAULT_MAX_OUTPUT_DIMENSION);

  /** {@link #DEFAULTS}, for callers that override some limits (e.g. from environment variables). */
  public static ImageLimits defaults() {
    return DEFAULTS;
  }

  public ImageLimits {
    if (maxSourceBytes < 1 || maxSourcePixels < 1 || maxOutputDimension < 1) {
      throw new IllegalArgumentException("image limits must be positive");
    }
  }

  /**
   * @throws dev.conveyor.core.work.PermanentJobFailure {@code source-too-large}
   */
  public void checkSourceBytes(long bytes) {
    if (bytes > maxSourceBytes) {
      throw failure(
          SOURCE_TOO_LARGE,
          "The source has " + bytes + " bytes; the limit is " + maxSourceBytes + ".");
    }
  }

  /**
   * @throws dev.conveyor.core.work.PermanentJobFailure {@code source-pixels-too-many}
   */
  public void checkSourcePixels(ImageHeader header) {
    if (header.pixels() > maxSourcePixels) {
      throw failure(
          SOURCE_PIXELS_TOO_MANY,
          "The source declares "
              + header.width()
              + "x"
              + header.height()
              + " = "
              + header.pixels()
              + " pixels; the limit is "
              + maxSourcePixels
              + ".");
    }
  }

  /**
   * @throws dev.conveyor.core.work.PermanentJobFailure {@code output-too-large}
   */
  public void checkOutput(Size output) {
    if (output.width() > maxOutputDimension || output.height() > maxOutputDimension) {
      throw failure(
          OUTPUT_TOO_LARGE,
          "A rendition would be "
              + output
              + "; outputs are at most "
              + maxOutputDimension
              + " pixels on a side. Ask for a smaller width or height.");
    }
  }
}
