package dev.conveyor.transform.image;

import static dev.conveyor.transform.image.ImageFailures.INVALID_CROP;
import static dev.conveyor.transform.image.ImageFailures.failure;

import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.Fit;
import dev.conveyor.core.image.Position;
import dev.conveyor.core.image.Rotation;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The geometry of one rendition, computed before any pixel is decoded and shared by every engine:
 * on the upright source, cut {@link #crop}; rotate by {@link #rotate}; flip (upside down) and flop
 * (mirror); scale to exactly {@link #resizeTo} (both axes, so fill can stretch); then either cut
 * the {@link #trim} rectangle out of the resized image (cover) or place the resized image at {@link
 * #padAt} on a canvas of the background colour (contain). {@link #output} is the final size.
 *
 * @param trim for cover: the part of the resized image that is kept; empty when nothing is cut, or
 *     when the position is {@link Position#ATTENTION} (see {@link #attention})
 * @param attention cover at the most interesting region: the engine chooses where {@link #output}
 *     is cut from the resized image
 * @param padAt for contain: where the resized image's top-left corner lands on the output canvas
 */
public record RenditionPlan(
    Optional<CropArea> crop,
    Rotation rotate,
    boolean flip,
    boolean flop,
    Size resizeTo,
    Optional<CropArea> trim,
    boolean attention,
    Optional<Offset> padAt,
    Size output) {

  /** A top-left corner, in pixels. */
  public record Offset(int left, int top) {}

  /** The size after crop and rotation: what the resize starts from. */
  public static RenditionPlan of(Size upright, RenditionRequest request) {
    Size cropped = upright;
    if (request.crop().isPresent()) {
      CropArea crop = request.crop().get();
      if ((long) crop.left() + crop.width() > upright.width()
          || (long) crop.top() + crop.height() > upright.height()) {
        throw failure(
            INVALID_CROP,
            "The crop "
                + crop.width()
                + "x"
                + crop.height()
                + " at ("
                + crop.left()
                + ", "
                + crop.top()
                + ") does not lie inside the image, which is "
                + upright
                + " upright.");
      }
      cropped = new Size(crop.width(), crop.height());
    }
    Size turned = request.rotate().swapsSides() ? cropped.transposed() : cropped;
    Geometry geometry = geometry(turned, request);
    return new RenditionPlan(
        request.crop(),
        request.rotate(),
        request.flip(),
        request.flop(),
        geometry.resizeTo,
        geometry.trim,
        geometry.attention,
        geometry.padAt,
        geometry.output);
  }

  private record Geometry(
      Size resizeTo,
      Optional<CropArea> trim,
      boolean attention,
      Optional<Offset> padAt,
      Size output) {
    static Geometry resizeOnly(Size size) {
      return new Geometry(size, Optional.empty(), false, Optional.empty(), size);
    }
  }

  private static Geometry geometry(Size source, RenditionRequest request) {
    OptionalInt width = request.width();
    OptionalInt height = request.height();
    if (width.isEmpty() && height.isEmpty()) {
      return Geometry.resizeOnly(source);
    }
    double scaleW = width.isPresent() ? (double) width.getAsInt() / source.width() : Double.NaN;
    double scaleH = height.isPresent() ? (double) height.getAsInt() / source.height() : Double.NaN;
    boolean capped = request.withoutEnlargement();
    Fit fit = width.isPresent() && height.isPresent() ? request.fit() : Fit.INSIDE;
    return switch (fit) {
      case INSIDE -> Geometry.resizeOnly(proportional(source, width, height, false, capped));
      case OUTSIDE -> Geometry.resizeOnly(proportional(source, width, height, true, capped));
      case FILL -> {
        Size size =
            new Size(
                capped && scaleW > 1 ? source.width() : width.getAsInt(),
                capped && scaleH > 1 ? source.height() : height.getAsInt());
        yield Geometry.resizeOnly(size);
      }
      case COVER -> {
        Size resized = proportional(source, width, height, true, capped);
        Size box =
            new Size(
                Math.min(width.getAsInt(), resized.width()),
                Math.min(height.getAsInt(), resized.height()));
        if (box.equals(resized)) {
          yield Geometry.resizeOnly(resized);
        }
        if (request.position() == Position.ATTENTION) {
          yield new Geometry(resized, Optional.empty(), true, Optional.empty(), box);
        }
        CropArea trim =
            new CropArea(
                request.position().offsetX(resized.width(), box.width()),
                request.position().offsetY(resized.height(), box.height()),
                box.width(),
                box.height());
        yield new Geometry(resized, Optional.of(trim), false, Optional.empty(), box);
      }
      case CONTAIN -> {
        Size resized = proportional(source, width, height, false, capped);
        Size box = new Size(width.getAsInt(), height.getAsInt());
        if (box.equals(resized)) {
          yield Geometry.resizeOnly(resized);
        }
        Offset at =
            new Offset(
                request.position().offsetX(box.width(), resized.width()),
                request.position().offsetY(box.height(), resized.height()));
        yield new Geometry(resized, Optional.empty(), false, Optional.of(at), box);
      }
    };
  }

  /**
   * The source scaled by one factor: the largest inside the given sides ({@code covering} false) or
   * the smallest covering them (true). The side that decides the scale gets exactly the requested
   * value; the other is rounded to the nearest pixel (at least 1).
   */
  private static Size proportional(
      Size source, OptionalInt width, OptionalInt height, boolean covering, boolean capped) {
    double scaleW = width.isPresent() ? (double) width.getAsInt() / source.width() : Double.NaN;
    double scaleH = height.isPresent() ? (double) height.getAsInt() / source.height() : Double.NaN;
    boolean byWidth;
    if (width.isEmpty()) {
      byWidth = false;
    } else if (height.isEmpty()) {
      byWidth = true;
    } else {
      byWidth = covering ? scaleW >= scaleH : scaleW <= scaleH;
    }
    double scale = byWidth ? scaleW : scaleH;
    if (capped && scale >= 1.0) {
      return source;
    }
    if (byWidth) {
      return new Size(width.getAsInt(), Math.max(1, (int) Math.round(source.height() * scale)));
    }
    return new Size(Math.max(1, (int) Math.round(source.width() * scale)), height.getAsInt());
  }
}
