package dev.conveyor.core.image;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One output of an image job. The steps, in this order: EXIF auto-orientation (always), the
 * optional {@code crop}, {@code rotate}, {@code flip} (upside down) and {@code flop} (mirror), then
 * the resize to {@code width}/{@code height} by {@code fit}, then encoding. Metadata is never
 * copied to the output; colours are converted to sRGB (using the source's ICC profile when it has
 * one).
 *
 * @param withoutEnlargement never scale up (the default): a box larger than the image leaves it at
 *     its size (cover and fill then produce less than the box; contain pads to it)
 * @param position where cover crops and contain places the image
 * @param background the colour contain pads with and alpha is flattened onto for JPEG, as 0xRRGGBB
 * @param quality 1-100 for lossy formats (JPEG, WebP, AVIF); PNG ignores it
 * @param progressive progressive JPEG, interlaced PNG; others ignore it
 */
public record Rendition(
    String name,
    OptionalInt width,
    OptionalInt height,
    Fit fit,
    Position position,
    boolean withoutEnlargement,
    Optional<CropArea> crop,
    Rotation rotate,
    boolean flip,
    boolean flop,
    ImageFormat format,
    int quality,
    boolean progressive,
    int background) {
  public static final int WHITE = 0xFFFFFF;

  public Rendition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(width, "width");
    Objects.requireNonNull(height, "height");
    Objects.requireNonNull(fit, "fit");
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(crop, "crop");
    Objects.requireNonNull(rotate, "rotate");
    Objects.requireNonNull(format, "format");
  }

  /** A plain resize: fit inside the box, no enlargement, no crop or rotation, white background. */
  public Rendition(
      String name, OptionalInt width, OptionalInt height, ImageFormat format, int quality) {
    this(
        name,
        width,
        height,
        Fit.INSIDE,
        Position.CENTRE,
        true,
        Optional.empty(),
        Rotation.NONE,
        false,
        false,
        format,
        quality,
        false,
        WHITE);
  }
}
