package dev.conveyor.transform.image;

import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.Fit;
import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.image.Position;
import dev.conveyor.core.image.Rendition;
import dev.conveyor.core.image.Rotation;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one output should be, as an engine sees it: a job's {@link Rendition} without its name. The
 * geometry (sizes, crops, padding) is computed once, engine-independently, by {@link #plan}; an
 * engine only carries the plan out, so every engine produces exactly the same dimensions.
 *
 * @param quality 1-100; used by lossy formats (JPEG, WebP, AVIF), ignored by PNG
 * @param background 0xRRGGBB: contain's padding and the colour alpha is flattened onto for JPEG
 */
public record RenditionRequest(
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
  public RenditionRequest {
    Objects.requireNonNull(width, "width");
    Objects.requireNonNull(height, "height");
    Objects.requireNonNull(fit, "fit");
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(crop, "crop");
    Objects.requireNonNull(rotate, "rotate");
    Objects.requireNonNull(format, "format");
    if (width.isPresent() && width.getAsInt() < 1 || height.isPresent() && height.getAsInt() < 1) {
      throw new IllegalArgumentException("width and height must be positive");
    }
    if (fit.needsBothSides() && (width.isEmpty() || height.isEmpty())) {
      throw new IllegalArgumentException(fit.wireName() + " needs both width and height");
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("quality is 1-100: " + quality);
    }
  }

  /** A plain resize inside the box: no crop, rotation or enlargement. */
  public RenditionRequest(OptionalInt width, OptionalInt height, ImageFormat format, int quality) {
    this(
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
        Rendition.WHITE);
  }

  public static RenditionRequest of(Rendition r) {
    return new RenditionRequest(
        r.width(),
        r.height(),
        r.fit(),
        r.position(),
        r.withoutEnlargement(),
        r.crop(),
        r.rotate(),
        r.flip(),
        r.flop(),
        r.format(),
        r.quality(),
        r.progressive(),
        r.background());
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

  /** This request with another fit (and the position cover crops at, or contain pads around). */
  public RenditionRequest withFit(Fit newFit, Position newPosition) {
    return new RenditionRequest(
        width,
        height,
        newFit,
        newPosition,
        withoutEnlargement,
        crop,
        rotate,
        flip,
        flop,
        format,
        quality,
        progressive,
        background);
  }

  /** This request with the other steps before the resize: crop, rotation, flip and flop. */
  public RenditionRequest withSteps(
      Optional<CropArea> newCrop, Rotation newRotate, boolean newFlip, boolean newFlop) {
    return new RenditionRequest(
        width,
        height,
        fit,
        position,
        withoutEnlargement,
        newCrop,
        newRotate,
        newFlip,
        newFlop,
        format,
        quality,
        progressive,
        background);
  }

  /** This request, allowed to enlarge (or not). */
  public RenditionRequest withEnlargement(boolean allowed) {
    return new RenditionRequest(
        width,
        height,
        fit,
        position,
        !allowed,
        crop,
        rotate,
        flip,
        flop,
        format,
        quality,
        progressive,
        background);
  }

  /** This request with another output format and quality. */
  public RenditionRequest withFormat(
      ImageFormat newFormat, int newQuality, boolean newProgressive) {
    return new RenditionRequest(
        width,
        height,
        fit,
        position,
        withoutEnlargement,
        crop,
        rotate,
        flip,
        flop,
        newFormat,
        newQuality,
        newProgressive,
        background);
  }

  /**
   * The steps for a source whose upright (EXIF-oriented) size is {@code upright}.
   *
   * @throws dev.conveyor.core.work.PermanentJobFailure {@code invalid-crop} when the crop does not
   *     lie inside the image
   */
  public RenditionPlan plan(Size upright) {
    return RenditionPlan.of(upright, this);
  }

  /**
   * The output size for an upright source of {@code source} pixels: {@code plan(source).output()}.
   */
  public Size fit(Size source) {
    return plan(source).output();
  }
}
