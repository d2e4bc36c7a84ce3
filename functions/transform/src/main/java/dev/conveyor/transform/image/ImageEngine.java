package dev.conveyor.transform.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a source image into encoded renditions. Implementations (libvips through FFM, {@link
 * dev.conveyor.transform.image.vips.VipsImageEngine}, and the pure-JDK {@link JdkImageEngine};
 * chosen by {@link ImageEngines}) share the contract, which {@code ImageEngineContract} tests for
 * each:
 *
 * <ul>
 *   <li>the format is recognised by magic bytes ({@link SourceFormat#detect});
 *   <li>{@link ImageLimits} are checked before any pixel is decoded: source bytes, then the pixel
 *       count the header declares, then every rendition's plan (crop inside the image) and sizes;
 *   <li>EXIF orientation is applied, so outputs are upright; everything in a {@link
 *       RenditionRequest} refers to the upright image;
 *   <li>the geometry is {@link RenditionPlan}'s, so engines agree on every output size to the
 *       pixel;
 *   <li>colours are converted to sRGB (through the source's ICC profile if it has one), and outputs
 *       carry no metadata (no EXIF, no ICC profile, no comments);
 *   <li>alpha is flattened onto the rendition's background for formats without it (JPEG).
 * </ul>
 *
 * <p>Failures that no retry can fix are {@link dev.conveyor.core.work.PermanentJobFailure}s with a
 * code from {@link ImageFailures}; what an engine cannot do (AVIF and attention cropping without
 * libvips) is {@code unsupported-operation}. Implementations are thread-safe.
 */
public interface ImageEngine {

  /** What this engine is, for logs and benchmark reports, e.g. {@code libvips 8.18.7 (FFM)}. */
  default String description() {
    return getClass().getSimpleName();
  }

  /** Renders one output. */
  EncodedImage render(byte[] source, RenditionRequest request);

  /**
   * Renders several outputs of one source, in request order. The default renders them one by one;
   * engines override it to decode the source once and to check every request's limits before any
   * decoding, so that a rendition that is bound to fail costs nothing.
   */
  default List<EncodedImage> renderAll(byte[] source, List<RenditionRequest> requests) {
    List<EncodedImage> out = new ArrayList<>(requests.size());
    for (RenditionRequest request : requests) {
      out.add(render(source, request));
    }
    return List.copyOf(out);
  }

  /**
   * Reads only the header: the format (by magic bytes), the stored width and height and the EXIF
   * orientation. Decodes no pixels, so it is cheap and safe on untrusted input of any declared
   * size. Applies no {@link ImageLimits}.
   *
   * @throws dev.conveyor.core.work.PermanentJobFailure {@code unsupported-format} or {@code
   *     corrupt-image}
   */
  ImageHeader probe(byte[] source);
}
