package dev.conveyor.transform.image;

import static dev.conveyor.transform.image.ImageFailures.CORRUPT_IMAGE;
import static dev.conveyor.transform.image.ImageFailures.UNSUPPORTED_FORMAT;
import static dev.conveyor.transform.image.ImageFailures.failure;

import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.work.PermanentJobFailure;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The pure-JDK engine (ImageIO and Java2D): slower than libvips (≈ 4-5× on a 12 MP JPEG) but with
 * no native code, so it is always available.
 *
 * <p>For each source: check the byte size; detect the format by magic bytes; read the header with
 * an {@link ImageReader} (no pixels) and the EXIF orientation; check the declared pixel count and
 * every rendition's output size; only then decode, once for all renditions. The decoded image is
 * normalised to {@code TYPE_INT_RGB} / {@code TYPE_INT_ARGB} unless Java2D scales its type natively
 * (8-bit BGR / ABGR, what ImageIO returns for ordinary JPEGs and PNGs, which saves a full-size
 * copy); CMYK, greyscale, paletted and 16-bit sources are converted. Then, per rendition: scale
 * down in stored orientation to the target size (axes swapped for 90° turns), turn upright
 * (resampling commutes with rotation and mirroring, and turning the small result is cheaper than
 * turning the source), flatten alpha onto white for JPEG, and encode without metadata.
 */
public final class JdkImageEngine implements ImageEngine {
  private final ImageLimits limits;

  public JdkImageEngine(ImageLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public JdkImageEngine() {
    this(ImageLimits.DEFAULTS);
  }

  @Override
  public EncodedImage render(byte[] source, RenditionRequest request) {
    return renderAll(source, List.of(request)).get(0);
  }

  @Override
  public List<EncodedImage> renderAll(byte[] source, List<RenditionRequest> requests) {
    limits.checkSourceBytes(source.length);
    ImageHeader header = probe(source);
    limits.checkSourcePixels(header);
    Size upright = new Size(header.displayWidth(), header.displayHeight());
    List<Size> targets = new ArrayList<>(requests.size());
    for (RenditionRequest request : requests) {
      Size target = request.fit(upright);
      limits.checkOutput(target);
      targets.add(target);
    }

    BufferedImage decoded = decode(source, header);
    boolean alpha = decoded.getColorModel().hasAlpha();
    List<EncodedImage> out = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      RenditionRequest request = requests.get(i);
      Size target = targets.get(i);
      Size stored = ExifOrientation.swapsAxes(header.orientation()) ? target.transposed() : target;
      BufferedImage image = Downscaler.downscale(decoded, stored, alpha);
      image = ExifOrientation.apply(image, header.orientation());
      if (alpha && request.format() == ImageFormat.JPEG) {
        image = Downscaler.flattenOnWhite(image);
      }
      out.add(encode(image, request));
    }
    return List.copyOf(out);
  }

  @Override
  public ImageHeader probe(byte[] source) {
    SourceFormat format =
        SourceFormat.detect(source)
            .orElseThrow(() ->
                failure(
                    UNSUPPORTED_FORMAT,
                    "The source is not a JPEG or PNG image (it looks like "
                        + SourceFormat.describe(source)
                        + ")."));
    ImageReader reader = reader(format);
    try {
      reader.setInput(new ByteArrayImageInputStream(source), true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      if (width < 1 || height < 1) {
        throw failure(CORRUPT_IMAGE, "The image header declares no pixels.");
      }
      return new ImageHeader(format, width, height, ExifOrientation.read(source, format));
    } catch (IOException | RuntimeException e) {
      throw corrupt(format, "header", e);
    } finally {
      reader.dispose();
    }
  }

  /** Decodes all pixels; a truncated or damaged file is {@code corrupt-image}. */
  private static BufferedImage decode(byte[] source, ImageHeader header) {
    ImageReader reader = reader(header.format());
    List<String> warnings = new ArrayList<>();
    BufferedImage image;
    try {
      reader.setInput(new ByteArrayImageInputStream(source), true, true);
      reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
      image = reader.read(0, reader.getDefaultReadParam());
    } catch (IOException | RuntimeException e) {
      throw corrupt(header.format(), "image data", e);
    } finally {
      reader.dispose();
    }
    // libjpeg does not fail on a truncated file: it warns and fills the rest with grey.
    for (String warning : warnings) {
      if (isTruncation(warning)) {
        throw failure(
            CORRUPT_IMAGE, "The " + header.format() + " image is truncated (" + warning + ").");
      }
    }
    if (image.getWidth() != header.width() || image.getHeight() != header.height()) {
      throw failure(CORRUPT_IMAGE, "The decoded image does not match its header.");
    }
    return normalise(image);
  }

  private static boolean isTruncation(String warning) {
    return warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end");
  }

  /**
   * Leaves the types Java2D scales directly (the first halving step writes INT pixels anyway);
   * converts everything else to {@code TYPE_INT_RGB} or {@code TYPE_INT_ARGB}.
   */
  private static BufferedImage normalise(BufferedImage image) {
    return switch (image.getType()) {
      case BufferedImage.TYPE_INT_RGB,
          BufferedImage.TYPE_INT_ARGB,
          BufferedImage.TYPE_3BYTE_BGR,
          BufferedImage.TYPE_4BYTE_ABGR ->
          image;
      default ->
          Downscaler.convert(
              image,
              image.getColorModel().hasAlpha()
                  ? BufferedImage.TYPE_INT_ARGB
                  : BufferedImage.TYPE_INT_RGB);
    };
  }

  private static EncodedImage encode(BufferedImage image, RenditionRequest request) {
    ImageFormat format = request.format();
    ImageWriter writer = writer(format);
    try {
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (format == ImageFormat.JPEG) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(request.quality() / 100f);
        param.setProgressiveMode(ImageWriteParam.MODE_DISABLED);
        if (param instanceof JPEGImageWriteParam jpeg) {
          jpeg.setOptimizeHuffmanTables(true); // smaller files, like libvips' optimize_coding
        }
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        // No stream or image metadata: the writer emits only what the format requires.
        writer.write(null, new IIOImage(image, null, null), param);
      }
      return new EncodedImage(
          bytes.toByteArray(), image.getWidth(), image.getHeight(), format.contentType());
    } catch (IOException e) {
      throw new UncheckedIOException("encoding " + format + " failed", e);
    } finally {
      writer.dispose();
    }
  }

  private static ImageReader reader(SourceFormat format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
    if (!readers.hasNext()) {
      throw new IllegalStateException("no ImageIO reader for " + format);
    }
    return readers.next();
  }

  private static ImageWriter writer(ImageFormat format) {
    String name = format == ImageFormat.JPEG ? "jpeg" : "png";
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(name);
    if (!writers.hasNext()) {
      throw new IllegalStateException("no ImageIO writer for " + format);
    }
    return writers.next();
  }

  private static PermanentJobFailure corrupt(SourceFormat format, String part, Exception e) {
    if (e instanceof PermanentJobFailure failure) {
      return failure;
    }
    return failure(
        CORRUPT_IMAGE,
        "The " + format + " " + part + " cannot be decoded: " + e.getMessage() + ".",
        e);
  }
}
