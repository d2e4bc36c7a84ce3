package dev.conveyor.transform.image;

import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.image.Rendition;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What one output should be: a bounding width and/or height (either may be absent), a format and a
 * quality. The image keeps its aspect ratio and is never enlarged; see {@link #fit}.
 *
 * @param quality 1-100; used by lossy formats (JPEG), ignored by lossless ones (PNG)
 */
public record RenditionRequest(
    OptionalInt width, OptionalInt height, ImageFormat format, int quality) {
  public RenditionRequest {
    Objects.requireNonNull(width, "width");
    Objects.requireNonNull(height, "height");
    Objects.requireNonNull(format, "format");
    if (width.isPresent() && width.getAsInt() < 1 || height.isPresent() && height.getAsInt() < 1) {
      throw new IllegalArgumentException("width and height must be positive");
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("quality is 1-100: " + quality);
    }
  }

  public static RenditionRequest of(Rendition rendition) {
    return new RenditionRequest(
        rendition.width(), rendition.height(), rendition.format(), rendition.quality());
  }

  public static RenditionRequest width(int width, ImageFormat format, int quality) {
    return new RenditionRequest(OptionalInt.of(width), OptionalInt.empty(), format, quality);
  }

  public static RenditionRequest height(int height, ImageFormat format, int quality) {
    return new RenditionRequest(OptionalInt.empty(), OptionalInt.of(height), format, quality);
  }

  public static RenditionRequest box(int width, int height, ImageFormat format, int quality) {
    return new RenditionRequest(OptionalInt.of(width), OptionalInt.of(height), format, quality);
  }

  /**
   * The output size for a source displayed at {@code source}: the largest size inside the box (only
   * the given sides bound it) with the source's aspect ratio, but never larger than the source. The
   * side that limits the scale gets exactly the requested value; the other is rounded to the
   * nearest pixel (at least 1). With neither side given, the source size.
   */
  public Size fit(Size source) {
    double scaleW = width.isPresent() ? (double) width.getAsInt() / source.width() : 1.0;
    double scaleH = height.isPresent() ? (double) height.getAsInt() / source.height() : 1.0;
    double scale = Math.min(scaleW, scaleH);
    if (scale >= 1.0) {
      return source;
    }
    if (scaleW <= scaleH) {
      int h = (int) Math.round(source.height() * scaleW);
      return new Size(width.getAsInt(), clamp(h, height));
    }
    int w = (int) Math.round(source.width() * scaleH);
    return new Size(clamp(w, width), height.getAsInt());
  }

  private static int clamp(int value, OptionalInt bound) {
    return Math.max(1, Math.min(value, bound.orElse(Integer.MAX_VALUE)));
  }
}
