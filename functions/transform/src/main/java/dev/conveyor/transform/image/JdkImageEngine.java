package dev.conveyor.transform.image;

import static dev.conveyor.transform.image.ImageFailures.CORRUPT_IMAGE;
import static dev.conveyor.transform.image.ImageFailures.UNSUPPORTED_OPERATION;
import static dev.conveyor.transform.image.ImageFailures.corrupt;
import static dev.conveyor.transform.image.ImageFailures.failure;

import com.luciad.imageio.webp.WebPImageWriterSpi;
import com.luciad.imageio.webp.WebPWriteParam;
import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.ImageFormat;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.spi.ImageWriterSpi;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The pure-JDK engine (ImageIO and Java2D, plus libwebp through an ImageIO plugin for WebP): slower
 * than libvips (≈ 4-5× on a 12 MP JPEG) but always available.
 *
 * <p>For each source: check the byte size; detect the format by magic bytes; read the header with
 * an {@link ImageReader} (no pixels) and the EXIF orientation; check the declared pixel count; plan
 * every rendition ({@link RenditionPlan}: this is where a crop outside the image fails) and check
 * its sizes and whether this engine can do it; only then decode, once for all renditions.
 *
 * <p>The decoded image stays in stored orientation and in the source's own RGB encoding, normalised
 * to {@code TYPE_INT_RGB} / {@code TYPE_INT_ARGB} unless Java2D scales its type natively (8-bit BGR
 * / ABGR, what ImageIO returns for ordinary JPEGs and PNGs, which saves a full-size copy); CMYK,
 * greyscale, paletted and 16-bit sources are converted. Per rendition, the plan is carried out with
 * the costly steps on the fewest pixels:
 *
 * <ol>
 *   <li>the crop is mapped back through the EXIF orientation and cut from the stored image (a view,
 *       no copy);
 *   <li>that region is resized ({@link Resampler}) to the plan's {@code resizeTo}, axes exchanged
 *       when the orientation turns by 90°: resampling commutes with turning and mirroring;
 *   <li>EXIF orientation, rotation, flip and flop are applied as one exact pixel move ({@link
 *       Orientation}) on the resized image;
 *   <li>cover's trim is cut out; the pixels are converted to sRGB with the source's embedded
 *       profile ({@link EmbeddedColourProfile}, on the small image only);
 *   <li>contain pads onto the background colour; alpha is flattened onto it for JPEG ({@link
 *       Canvas});
 *   <li>encoding writes no metadata: no EXIF, no ICC profile (outputs are sRGB), no comments. JPEG
 *       gets optimised Huffman tables and, when asked, the standard progressive scans; PNG is
 *       Adam7-interlaced when progressive; WebP is lossy at the requested quality (alpha kept).
 * </ol>
 *
 * <p>Not supported, failing with {@code unsupported-operation} before anything is decoded: AVIF
 * output (no Java encoder exists) and cover at position {@code attention} when the plan actually
 * cuts the image (no saliency detection); both need the libvips engine.
 */
public final class JdkImageEngine implements ImageEngine {
  private static final ImageWriterSpi WEBP_WRITER = new WebPImageWriterSpi();

  private final ImageLimits limits;

  public JdkImageEngine(ImageLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public JdkImageEngine() {
    this(ImageLimits.DEFAULTS);
  }

  @Override
  public String description() {
    return "JDK " + Runtime.version().feature() + " ImageIO and Java2D, libwebp for WebP";
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
    List<RenditionPlan> plans = new ArrayList<>(requests.size());
    for (RenditionRequest request : requests) {
      plans.add(plan(request, upright));
    }

    Decoded decoded = decode(source, header);
    Orientation exif = Orientation.exif(header.orientation());
    List<EncodedImage> out = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      RenditionRequest request = requests.get(i);
      out.add(encode(render(decoded, exif, plans.get(i), request), request));
    }
    return List.copyOf(out);
  }

  /** The rendition's geometry, once it is known that this engine can carry it out within limits. */
  private RenditionPlan plan(RenditionRequest request, Size upright) {
    if (request.format() == ImageFormat.AVIF) {
      throw failure(
          UNSUPPORTED_OPERATION,
          "AVIF output needs the libvips image engine; the pure-JDK engine in use writes JPEG, PNG"
              + " and WebP.");
    }
    RenditionPlan plan = request.plan(upright);
    if (plan.attention()) {
      throw failure(
          UNSUPPORTED_OPERATION,
          "Cover at position attention needs the libvips image engine (saliency detection); the"
              + " pure-JDK engine in use crops at the centre or a compass point.");
    }
    limits.checkOutput(plan.resizeTo());
    limits.checkOutput(plan.output());
    return plan;
  }

  /** Carries out one plan on the decoded source; see the class comment for the order. */
  private static BufferedImage render(
      Decoded decoded, Orientation exif, RenditionPlan plan, RenditionRequest request) {
    BufferedImage stored = decoded.pixels();
    BufferedImage region = stored;
    if (plan.crop().isPresent()) {
      Rectangle r =
          exif.inputRegion(plan.crop().get(), new Size(stored.getWidth(), stored.getHeight()));
      region = stored.getSubimage(r.x, r.y, r.width, r.height);
    }
    Orientation turn = exif.then(Orientation.of(plan.rotate()));
    if (plan.flip()) {
      turn = turn.then(Orientation.MIRROR_VERTICALLY);
    }
    if (plan.flop()) {
      turn = turn.then(Orientation.MIRROR_HORIZONTALLY);
    }
    boolean alpha = stored.getColorModel().hasAlpha();
    BufferedImage image = Resampler.resize(region, turn.turn(plan.resizeTo()), alpha);
    image = turn.apply(image);
    if (plan.trim().isPresent()) {
      image = copy(image, plan.trim().get());
    }
    if (decoded.profile().isPresent()) {
      image = decoded.profile().get().toSrgb(image);
    }
    ImageFormat format = request.format();
    if (plan.padAt().isPresent()) {
      RenditionPlan.Offset at = plan.padAt().get();
      image =
          Canvas.place(
              image,
              plan.output(),
              at.left(),
              at.top(),
              request.background(),
              format.supportsAlpha());
    } else if (alpha && !format.supportsAlpha()) {
      image = Canvas.flatten(image, request.background());
    }
    if (image.getWidth() != plan.output().width() || image.getHeight() != plan.output().height()) {
      throw new IllegalStateException(
          "rendered " + image.getWidth() + "x" + image.getHeight() + ", planned " + plan.output());
    }
    return image;
  }

  /** A copy of one rectangle of a {@code TYPE_INT_RGB} / {@code TYPE_INT_ARGB} image. */
  private static BufferedImage copy(BufferedImage image, CropArea area) {
    BufferedImage out = new BufferedImage(area.width(), area.height(), image.getType());
    out.getRaster()
        .setDataElements(
            0,
            0,
            area.width(),
            area.height(),
            image
                .getRaster()
                .getDataElements(area.left(), area.top(), area.width(), area.height(), null));
    return out;
  }

  @Override
  public ImageHeader probe(byte[] source) {
    SourceFormat format = SourceFormat.require(source);
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

  /** The decoded pixels, in the source's own RGB encoding, and that encoding's profile if any. */
  private record Decoded(BufferedImage pixels, Optional<EmbeddedColourProfile> profile) {}

  /** Decodes all pixels; a truncated or damaged file is {@code corrupt-image}. */
  private static Decoded decode(byte[] source, ImageHeader header) {
    Optional<EmbeddedColourProfile> profile = EmbeddedColourProfile.read(source, header.format());
    byte[] encoded =
        header.format() == SourceFormat.JPEG
            ? EmbeddedColourProfile.withoutJpegProfile(source)
            : source;
    ImageReader reader = reader(header.format());
    List<String> warnings = new ArrayList<>();
    BufferedImage image;
    try {
      reader.setInput(new ByteArrayImageInputStream(encoded), true, true);
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
    return new Decoded(normalise(image), profile);
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
          Resampler.convert(
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
      int progressive =
          request.progressive() ? ImageWriteParam.MODE_DEFAULT : ImageWriteParam.MODE_DISABLED;
      switch (format) {
        case JPEG -> {
          param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
          param.setCompressionQuality(request.quality() / 100f);
          param.setProgressiveMode(progressive); // MODE_DEFAULT: libjpeg's standard scan script
          if (param instanceof JPEGImageWriteParam jpeg) {
            jpeg.setOptimizeHuffmanTables(true); // smaller files, like libvips' optimize_coding
          }
        }
        case PNG -> param.setProgressiveMode(progressive); // MODE_DEFAULT: Adam7 interlacing
        case WEBP -> {
          param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
          param.setCompressionType(param.getCompressionTypes()[WebPWriteParam.LOSSY_COMPRESSION]);
          param.setCompressionQuality(request.quality() / 100f);
        }
        case AVIF -> throw new IllegalStateException("AVIF is refused before decoding");
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

  /**
   * The JDK's writer for JPEG and PNG; libwebp's for WebP, made directly: ImageIO's registry finds
   * plugins only through the context class loader of the first thread that used ImageIO, which in a
   * function runtime need not be the one that loaded the function's jar.
   */
  private static ImageWriter writer(ImageFormat format) {
    if (format == ImageFormat.WEBP) {
      try {
        return WEBP_WRITER.createWriterInstance();
      } catch (IOException e) {
        throw new UncheckedIOException("the WebP writer cannot be created", e);
      }
    }
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByMIMEType(format.contentType());
    if (!writers.hasNext()) {
      throw new IllegalStateException("no ImageIO writer for " + format);
    }
    return writers.next();
  }
}
