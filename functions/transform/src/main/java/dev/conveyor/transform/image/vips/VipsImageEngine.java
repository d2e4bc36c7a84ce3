package dev.conveyor.transform.image.vips;

import static dev.conveyor.transform.image.ImageFailures.CORRUPT_IMAGE;
import static dev.conveyor.transform.image.ImageFailures.corrupt;

import dev.conveyor.core.image.Rotation;
import dev.conveyor.core.work.PermanentJobFailure;
import dev.conveyor.transform.image.EncodedImage;
import dev.conveyor.transform.image.ImageEngine;
import dev.conveyor.transform.image.ImageHeader;
import dev.conveyor.transform.image.ImageLimits;
import dev.conveyor.transform.image.RenditionPlan;
import dev.conveyor.transform.image.RenditionRequest;
import dev.conveyor.transform.image.Size;
import dev.conveyor.transform.image.SourceFormat;
import dev.conveyor.transform.image.vips.VipsImage.Access;
import dev.conveyor.transform.image.vips.VipsImage.FailOn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The libvips engine, called through FFM: sharp's speed (same library, same steps) from Java.
 *
 * <p>For each source: check the byte size; detect the format by magic bytes; open it header-only
 * (no pixels) for its size and EXIF orientation; check the declared pixel count, then plan every
 * rendition ({@link RenditionPlan}, the geometry every engine shares) and check its sizes; only
 * then decode. Per rendition, as sharp does: a JPEG is decoded already shrunk by 2, 4 or 8 when the
 * output is that much smaller (shrink-on-load; not with an explicit crop, whose coordinates are in
 * full-size pixels), then turned upright, converted to sRGB (through its ICC profile when it has
 * one), cropped, rotated, mirrored, resized to the plan's exact size with Lanczos3, trimmed (cover;
 * {@code attention} by {@code vips_smartcrop}) or padded (contain), flattened onto the background
 * for JPEG, and saved without metadata. The source stays in native memory, decoded lazily:
 * streaming (sequential access) unless a step needs rows out of order.
 *
 * <p>Thread-safe; libvips runs worker threads inside each save ({@code VIPS_CONCURRENCY}, default
 * the CPU count). Callers should use platform threads: a native call pins a virtual thread.
 */
public final class VipsImageEngine implements ImageEngine {
  /** sharp's defaults: zlib level 6 for PNG, effort 4 for AVIF. */
  private static final int PNG_COMPRESSION = 6;

  private static final int AVIF_EFFORT = 4;

  private final ImageLimits limits;
  private final VipsLibrary library;

  /**
   * @throws VipsUnavailableException when libvips cannot be loaded in this JVM
   */
  public VipsImageEngine(ImageLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.library = VipsLibrary.load();
  }

  @Override
  public String description() {
    return "libvips " + library.version() + " (FFM)";
  }

  @Override
  public EncodedImage render(byte[] source, RenditionRequest request) {
    return renderAll(source, List.of(request)).getFirst();
  }

  @Override
  public List<EncodedImage> renderAll(byte[] source, List<RenditionRequest> requests) {
    limits.checkSourceBytes(source.length);
    SourceFormat format = SourceFormat.require(source);
    try (VipsInput input = VipsInput.copyOf(source)) {
      ImageHeader header = header(input, format);
      limits.checkSourcePixels(header);
      Size upright = new Size(header.displayWidth(), header.displayHeight());
      List<RenditionPlan> plans = new ArrayList<>(requests.size());
      for (RenditionRequest request : requests) {
        RenditionPlan plan = request.plan(upright);
        limits.checkOutput(plan.resizeTo());
        limits.checkOutput(plan.output());
        plans.add(plan);
      }
      List<EncodedImage> out = new ArrayList<>(requests.size());
      for (int i = 0; i < requests.size(); i++) {
        out.add(render(input, header, requests.get(i), plans.get(i)));
      }
      return List.copyOf(out);
    }
  }

  @Override
  public ImageHeader probe(byte[] source) {
    SourceFormat format = SourceFormat.require(source);
    try (VipsInput input = VipsInput.copyOf(source)) {
      return header(input, format);
    }
  }

  private static ImageHeader header(VipsInput input, SourceFormat format) {
    try (VipsImage image = VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.TRUNCATED)) {
      if (image.width() < 1 || image.height() < 1) {
        throw new PermanentJobFailure(CORRUPT_IMAGE, "The image header declares no pixels.");
      }
      return new ImageHeader(format, image.width(), image.height(), image.orientation());
    } catch (VipsException e) {
      throw corrupt(format, "header", e);
    }
  }

  private EncodedImage render(
      VipsInput input, ImageHeader header, RenditionRequest request, RenditionPlan plan) {
    Deque<VipsImage> chain = new ArrayDeque<>();
    try {
      boolean reorders =
          header.orientation() != 1
              || plan.rotate() != Rotation.NONE
              || plan.flip()
              || plan.crop().isPresent()
              || plan.attention();
      Access access = reorders ? Access.RANDOM : Access.SEQUENTIAL;
      int shrink = shrinkOnLoad(header, plan);
      VipsImage image =
          keep(
              chain,
              shrink > 1
                  ? VipsImage.jpegloadBuffer(input, shrink, access, FailOn.TRUNCATED)
                  : VipsImage.newFromBuffer(input, access, FailOn.TRUNCATED));
      if (header.orientation() != 1) {
        image = step(chain, image, VipsImage::autorot);
      }
      if (image.hasIccProfile()
          || image.interpretation() != VipsImage.Interpretation.SRGB
              && image.interpretation() != VipsImage.Interpretation.B_W) {
        image = step(chain, image, VipsImage::toSrgb);
      }
      if (plan.crop().isPresent()) {
        var crop = plan.crop().get();
        image =
            step(
                chain,
                image,
                in -> in.extractArea(crop.left(), crop.top(), crop.width(), crop.height()));
      }
      switch (plan.rotate()) {
        case CLOCKWISE_90 -> image = step(chain, image, in -> in.rot(VipsImage.Angle.D90));
        case CLOCKWISE_180 -> image = step(chain, image, in -> in.rot(VipsImage.Angle.D180));
        case CLOCKWISE_270 -> image = step(chain, image, in -> in.rot(VipsImage.Angle.D270));
        case NONE -> {}
      }
      if (plan.flip()) {
        image = step(chain, image, in -> in.flip(VipsImage.Direction.VERTICAL));
      }
      if (plan.flop()) {
        image = step(chain, image, in -> in.flip(VipsImage.Direction.HORIZONTAL));
      }
      Size resizeTo = plan.resizeTo();
      if (image.width() != resizeTo.width() || image.height() != resizeTo.height()) {
        image = step(chain, image, in -> in.resizeTo(resizeTo.width(), resizeTo.height()));
      }
      Size output = plan.output();
      if (plan.attention()) {
        image =
            step(
                chain,
                image,
                in ->
                    in.smartcrop(output.width(), output.height(), VipsImage.Interesting.ATTENTION));
      } else if (plan.trim().isPresent()) {
        var trim = plan.trim().get();
        image =
            step(
                chain,
                image,
                in -> in.extractArea(trim.left(), trim.top(), trim.width(), trim.height()));
      } else if (plan.padAt().isPresent()) {
        var at = plan.padAt().get();
        double[] background = background(request.background(), image.bands());
        image =
            step(
                chain,
                image,
                in -> in.embed(at.left(), at.top(), output.width(), output.height(), background));
      }
      if (image.hasAlpha() && !request.format().supportsAlpha()) {
        double[] background = background(request.background(), image.bands() - 1);
        image = step(chain, image, in -> in.flatten(background));
      }
      if (image.width() != output.width() || image.height() != output.height()) {
        throw new IllegalStateException(
            "libvips produced " + image.width() + "x" + image.height() + ", planned " + output);
      }
      byte[] bytes = save(image, request);
      return new EncodedImage(
          bytes, output.width(), output.height(), request.format().contentType());
    } catch (VipsException e) {
      throw corrupt(header.format(), "pixels", e);
    } finally {
      chain.forEach(VipsImage::close);
    }
  }

  private static byte[] save(VipsImage image, RenditionRequest request) {
    return switch (request.format()) {
      case JPEG -> image.jpegsaveBuffer(request.quality(), request.progressive());
      case PNG -> image.pngsaveBuffer(PNG_COMPRESSION, request.progressive());
      case WEBP -> image.webpsaveBuffer(request.quality());
      case AVIF -> image.avifsaveBuffer(request.quality(), AVIF_EFFORT);
    };
  }

  /**
   * sharp's shrink-on-load for JPEG: decode at 1/8, 1/4 or 1/2 when the output is at least that
   * much smaller on both axes, leaving the exact size to the Lanczos resize. The ratio is the same
   * before and after turning the image (a 90° turn swaps both sides), so it is taken from the
   * planned resize of the upright image.
   */
  private static int shrinkOnLoad(ImageHeader header, RenditionPlan plan) {
    if (header.format() != SourceFormat.JPEG || plan.crop().isPresent()) {
      return 1;
    }
    boolean orientationSwaps = header.displayWidth() != header.width();
    boolean swapped = plan.rotate().swapsSides() != orientationSwaps;
    Size resizeTo = swapped ? plan.resizeTo().transposed() : plan.resizeTo();
    double ratio =
        Math.min(
            (double) header.width() / resizeTo.width(),
            (double) header.height() / resizeTo.height());
    int shrink = ratio >= 8 ? 8 : ratio >= 4 ? 4 : ratio >= 2 ? 2 : 1;
    // The decode rounds down: at a ratio of exactly the factor it could fall short of the target.
    if (shrink > 1 && Math.floor(ratio) == shrink) {
      shrink /= 2;
    }
    return shrink;
  }

  /** The background for an image of {@code bands} bands: grey or RGB, and opaque alpha. */
  private static double[] background(int rgb, int bands) {
    double r = (rgb >> 16) & 0xFF;
    double g = (rgb >> 8) & 0xFF;
    double b = rgb & 0xFF;
    double grey = Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
    return switch (bands) {
      case 1 -> new double[] {grey};
      case 2 -> new double[] {grey, 255};
      case 3 -> new double[] {r, g, b};
      default -> new double[] {r, g, b, 255};
    };
  }

  private static VipsImage keep(Deque<VipsImage> chain, VipsImage image) {
    chain.push(image);
    return image;
  }

  private static VipsImage step(
      Deque<VipsImage> chain, VipsImage current, UnaryOperator<VipsImage> operation) {
    return keep(chain, operation.apply(current));
  }
}
