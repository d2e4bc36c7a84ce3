package dev.conveyor.transform.image.vips;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A handle on one libvips image ({@code VipsImage*}), the low-level building block of a libvips
 * {@code ImageEngine}.
 *
 * <p>libvips images are immutable pipelines: each operation returns a <em>new</em> {@code
 * VipsImage} and leaves this one as it was; nothing is decoded or computed until a saver ({@code
 * *saveBuffer}) pulls the pixels through the whole chain. Method names are those of the libvips
 * operations (see the libvips API reference for details); options not listed are libvips' defaults.
 *
 * <pre>{@code
 * try (VipsInput input = VipsInput.copyOf(jpegBytes);
 *     VipsImage header = VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.ERROR)) {
 *   int shrink = ...; // from header.width()/height() and the target size
 *   try (VipsImage decoded = VipsImage.jpegloadBuffer(input, shrink, Access.RANDOM, FailOn.ERROR);
 *       VipsImage upright = decoded.autorot();
 *       VipsImage srgb = upright.toSrgb();
 *       VipsImage sized = srgb.resizeTo(800, 600)) {
 *     byte[] jpeg = sized.jpegsaveBuffer(80, false);
 *   }
 * }
 * }</pre>
 *
 * <p><b>Lifetime.</b> Close every image (try-with-resources). Closing drops this handle's reference
 * ({@code g_object_unref}); libvips keeps whatever a later image still needs, so images may be
 * closed in any order. The {@link VipsInput} stays allocated until its last image is closed.
 *
 * <p><b>Access.</b> {@link Access#SEQUENTIAL} lets libvips stream a decode top to bottom in little
 * memory, but then nothing downstream may read rows out of order: {@link #rot} (any angle), a
 * vertical {@link #flip} and {@link #autorot} of orientations 3–8 can fail in the saver with {@code
 * "out of order read at line N"} (whether they do depends on the image size and on what follows, so
 * don't rely on it). Open with {@link Access#RANDOM} when the pipeline reorients, or {@link
 * #copyMemory()} before reorienting. RANDOM decodes the whole image on first use, into memory (into
 * a temporary file above libvips' disc threshold, 100 MB by default).
 *
 * <p><b>Errors.</b> libvips failures throw {@link VipsException} with libvips' message; for
 * untrusted input that usually means a corrupt, truncated or unsupported image. Since decoding is
 * lazy, a broken image may load fine and fail only in the saver. A missing or unusable library
 * throws {@link VipsUnavailableException} from the first call.
 *
 * <p><b>Threads.</b> libvips is thread-safe once initialised, and an image may be read from several
 * threads, but a {@code VipsImage} handle must not be closed while another thread uses it. Each
 * call blocks its thread in native code (libvips runs its own worker threads inside a save); on a
 * virtual thread the call pins the carrier, so use a bounded pool of platform threads (see {@link
 * VipsLibrary}).
 */
public final class VipsImage implements AutoCloseable {

  /** How the pixels of a loaded image will be read ({@code VipsAccess}). */
  public enum Access {
    /** Any order; the decoder may need the whole image in memory. */
    RANDOM(0),
    /** Top to bottom only, with a small look-behind buffer: less memory, streaming decode. */
    SEQUENTIAL(1);

    final int value;

    Access(int value) {
      this.value = value;
    }
  }

  /** Which decoder problems make a load fail ({@code VipsFailOn}). */
  public enum FailOn {
    /** Never: decode what can be decoded, fill the rest (libvips' default). */
    NONE(0),
    /** Only a truncated image. */
    TRUNCATED(1),
    /** Serious errors and truncation. */
    ERROR(2),
    /** Anything, even warnings (sharp's default). */
    WARNING(3);

    final int value;

    FailOn(int value) {
      this.value = value;
    }
  }

  /** How {@link #smartcrop} chooses what to keep ({@code VipsInteresting}). */
  public enum Interesting {
    /** The centre of the image. */
    CENTRE(1),
    /** The region with the most entropy. */
    ENTROPY(2),
    /** Skin tones, saturated colours and edges: libvips' "attention" strategy. */
    ATTENTION(3);

    final int value;

    Interesting(int value) {
      this.value = value;
    }
  }

  /** Clockwise rotation for {@link #rot} ({@code VipsAngle}). */
  public enum Angle {
    D90(1),
    D180(2),
    D270(3);

    final int value;

    Angle(int value) {
      this.value = value;
    }
  }

  /** Mirror axis for {@link #flip} ({@code VipsDirection}). */
  public enum Direction {
    /** Left-right mirror (sharp's {@code flop}). */
    HORIZONTAL(0),
    /** Top-bottom mirror (sharp's {@code flip}). */
    VERTICAL(1);

    final int value;

    Direction(int value) {
      this.value = value;
    }
  }

  /** The colour space of the pixels ({@code VipsInterpretation}, libvips 8.18). */
  public enum Interpretation {
    MULTIBAND(0),
    B_W(1),
    HISTOGRAM(10),
    XYZ(12),
    LAB(13),
    CMYK(15),
    LABQ(16),
    RGB(17),
    CMC(18),
    LCH(19),
    LABS(21),
    SRGB(22),
    YXY(23),
    FOURIER(24),
    RGB16(25),
    GREY16(26),
    MATRIX(27),
    SCRGB(28),
    HSV(29),
    OKLAB(30),
    OKLCH(31),
    /** A value this binding does not know (a newer libvips). */
    UNKNOWN(-1);

    final int value;

    Interpretation(int value) {
      this.value = value;
    }

    static Interpretation of(int value) {
      for (Interpretation interpretation : values()) {
        if (interpretation.value == value) {
          return interpretation;
        }
      }
      return UNKNOWN;
    }
  }

  /** The numeric type of each band ({@code VipsBandFormat}). */
  public enum BandFormat {
    UCHAR,
    CHAR,
    USHORT,
    SHORT,
    UINT,
    INT,
    FLOAT,
    COMPLEX,
    DOUBLE,
    DPCOMPLEX;

    static BandFormat of(int value) {
      BandFormat[] all = values();
      if (value < 0 || value >= all.length) {
        throw new IllegalStateException("unknown VipsBandFormat " + value);
      }
      return all[value];
    }
  }

  private final MemorySegment pointer;
  private final VipsInput input;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Wraps a new reference; {@code input} must already be retained for this image. */
  private VipsImage(MemorySegment pointer, VipsInput input) {
    this.pointer = pointer;
    this.input = input;
  }

  // ---- loading ----

  /**
   * Opens {@code input} in whatever format libvips recognises by its bytes ({@code
   * vips_image_new_from_buffer}). Reads the header only: width, height, bands, orientation, alpha,
   * {@link #loader()} are available at once and cheap even for an image bomb; pixels are decoded
   * when a saver needs them.
   *
   * @throws VipsException if the bytes are not an image libvips can read, e.g. {@code "VipsForeign
   *     Load: buffer is not in a known format"}
   */
  public static VipsImage newFromBuffer(VipsInput input, Access access, FailOn failOn) {
    MemorySegment bytes = input.segmentForNewImage();
    return open(input, () -> Vips.newFromBuffer(bytes, access.value, failOn.value));
  }

  /**
   * Opens a JPEG, decoding it at 1/{@code shrink} of its size ({@code vips_jpegload_buffer} with
   * {@code shrink}): libjpeg skips the discarded detail, the fastest way to a much smaller image.
   * The result is the source's width and height divided by {@code shrink}, rounded down.
   *
   * <p>sharp's choice, for a fit whose ratio is source size / target size: the largest of 8, 4, 2
   * not above the ratio, halved when the ratio's integer part equals it (so rounding cannot leave
   * the decode smaller than the target); then {@link #resizeTo} the exact size.
   *
   * @param shrink 1, 2, 4 or 8
   */
  public static VipsImage jpegloadBuffer(
      VipsInput input, int shrink, Access access, FailOn failOn) {
    if (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8) {
      throw new IllegalArgumentException("JPEG shrink-on-load is 1, 2, 4 or 8: " + shrink);
    }
    MemorySegment bytes = input.segmentForNewImage();
    return open(input, () -> Vips.jpegloadBuffer(bytes, shrink, access.value, failOn.value));
  }

  private static VipsImage open(VipsInput input, Supplier<MemorySegment> load) {
    input.retain();
    try {
      return new VipsImage(load.get(), input);
    } catch (RuntimeException | Error e) {
      input.release();
      throw e;
    }
  }

  // ---- header ----

  public int width() {
    return Vips.width(pointer());
  }

  public int height() {
    return Vips.height(pointer());
  }

  /** Number of bands (channels), alpha included: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK. */
  public int bands() {
    return Vips.bands(pointer());
  }

  /** Whether the last band is alpha (by libvips' rules on bands and interpretation). */
  public boolean hasAlpha() {
    return Vips.hasAlpha(pointer());
  }

  /** The EXIF orientation 1..8; 1 when the image carries none (or after {@link #autorot()}). */
  public int orientation() {
    return Vips.orientation(pointer());
  }

  public Interpretation interpretation() {
    return Interpretation.of(Vips.interpretation(pointer()));
  }

  public BandFormat bandFormat() {
    return BandFormat.of(Vips.format(pointer()));
  }

  /** Whether an ICC profile is attached ({@code icc-profile-data}). */
  public boolean hasIccProfile() {
    return Vips.hasIccProfile(pointer());
  }

  /**
   * The libvips loader that read the source, e.g. {@code jpegload_buffer}, {@code pngload_buffer},
   * {@code webpload_buffer}, {@code heifload_buffer}; derived images keep their source's.
   */
  public Optional<String> loader() {
    return Optional.ofNullable(Vips.loader(pointer()));
  }

  // ---- operations ----

  /**
   * Rotates and mirrors the image upright according to its EXIF orientation ({@code vips_autorot})
   * and removes the orientation tag, so {@link #orientation()} of the result is 1. For orientations
   * 5–8 width and height swap.
   */
  public VipsImage autorot() {
    return derive(Vips::autorot);
  }

  /** The rectangle at ({@code left}, {@code top}) of the given size ({@code vips_extract_area}). */
  public VipsImage extractArea(int left, int top, int width, int height) {
    return derive(in -> Vips.extractArea(in, left, top, width, height));
  }

  /**
   * A {@code width}×{@code height} crop chosen by {@code interesting} ({@code vips_smartcrop}).
   * Does not scale: resize first so the image covers the box.
   */
  public VipsImage smartcrop(int width, int height, Interesting interesting) {
    return derive(in -> Vips.smartcrop(in, width, height, interesting.value));
  }

  /**
   * Scales by {@code hscale} horizontally and {@code vscale} vertically ({@code vips_resize},
   * Lanczos3 as in sharp). The new size is each dimension times its scale, rounded to nearest.
   */
  public VipsImage resize(double hscale, double vscale) {
    if (!(hscale > 0) || !(vscale > 0) || Double.isInfinite(hscale) || Double.isInfinite(vscale)) {
      throw new IllegalArgumentException("scales must be positive: " + hscale + ", " + vscale);
    }
    return derive(in -> Vips.resize(in, hscale, vscale));
  }

  /** Scales to exactly {@code width}×{@code height} (see {@link #resize}). */
  public VipsImage resizeTo(int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("size must be positive: " + width + "x" + height);
    }
    return resize((double) width / width(), (double) height / height());
  }

  /** Rotates clockwise by a multiple of 90° ({@code vips_rot}). */
  public VipsImage rot(Angle angle) {
    return derive(in -> Vips.rot(in, angle.value));
  }

  /** Mirrors the image ({@code vips_flip}). */
  public VipsImage flip(Direction direction) {
    return derive(in -> Vips.flip(in, direction.value));
  }

  /**
   * Places the image at ({@code x}, {@code y}) on a {@code width}×{@code height} canvas filled with
   * {@code background} ({@code vips_embed} with extend {@code BACKGROUND}): the padding of a
   * "contain" fit.
   *
   * @param background one value per band (e.g. {@code 255, 255, 255} for white RGB, {@code 0, 0, 0,
   *     0} for transparent RGBA), or a single value for all bands
   */
  public VipsImage embed(int x, int y, int width, int height, double... background) {
    double[] values = checkBackground(background);
    return derive(in -> Vips.embed(in, x, y, width, height, values));
  }

  /**
   * Composites the image over {@code background} and drops the alpha band ({@code vips_flatten}),
   * e.g. before saving as JPEG. An image without alpha comes back unchanged.
   *
   * @param background one value per colour band (alpha excluded), e.g. {@code 255, 255, 255}
   */
  public VipsImage flatten(double... background) {
    double[] values = checkBackground(background);
    return derive(in -> Vips.flatten(in, values));
  }

  /**
   * Converts to 8-bit sRGB through the attached ICC profile ({@code vips_icc_transform} to the
   * built-in sRGB profile, {@code embedded}, perceptual intent). Fails if there is no profile.
   */
  public VipsImage iccTransformToSrgb() {
    return derive(Vips::iccTransformToSrgb);
  }

  /** Converts to {@code space} by formula ({@code vips_colourspace}); no ICC profile involved. */
  public VipsImage colourspace(Interpretation space) {
    if (space == Interpretation.UNKNOWN) {
      throw new IllegalArgumentException("not a colour space: " + space);
    }
    return derive(in -> Vips.colourspace(in, space.value));
  }

  /**
   * The image in 8-bit sRGB, as web formats expect: through its ICC profile when it has one (e.g.
   * Adobe RGB, Display P3, a CMYK profile), otherwise by {@link #colourspace} (CMYK without a
   * profile, 16-bit RGB). Greyscale without a profile stays grey, at 8 bits. Alpha is kept.
   */
  public VipsImage toSrgb() {
    if (hasIccProfile()) {
      return iccTransformToSrgb();
    }
    return switch (interpretation()) {
      case B_W, GREY16 -> colourspace(Interpretation.B_W);
      default -> colourspace(Interpretation.SRGB);
    };
  }

  /**
   * A decoded copy in memory ({@code vips_image_copy_memory}): decodes the whole pipeline now, so
   * that later operations may read in any order even when the source was opened {@link
   * Access#SEQUENTIAL}. Costs width × height × bands bytes.
   */
  public VipsImage copyMemory() {
    return derive(Vips::copyMemory);
  }

  // ---- savers: each runs the whole pipeline and returns the encoded file ----

  /**
   * JPEG ({@code vips_jpegsave_buffer}) with Huffman tables optimised ({@code optimize_coding}) and
   * no metadata ({@code keep} NONE: no EXIF, XMP, IPTC or ICC profile). Save sRGB (or grey),
   * flattened: JPEG has no alpha.
   *
   * @param quality 1..100 ({@code Q}; sharp's default is 80)
   * @param interlace progressive JPEG
   */
  public byte[] jpegsaveBuffer(int quality, boolean interlace) {
    checkRange("quality", quality, 1, 100);
    return Vips.jpegsaveBuffer(pointer(), quality, interlace);
  }

  /**
   * PNG ({@code vips_pngsave_buffer}), no metadata ({@code keep} NONE). Keeps alpha.
   *
   * @param compression zlib level 0..9 (sharp's default is 6)
   * @param interlace Adam7 interlacing
   */
  public byte[] pngsaveBuffer(int compression, boolean interlace) {
    checkRange("compression", compression, 0, 9);
    return Vips.pngsaveBuffer(pointer(), compression, interlace);
  }

  /**
   * Lossy WebP ({@code vips_webpsave_buffer}), no metadata ({@code keep} NONE). Keeps alpha.
   *
   * @param quality 1..100 ({@code Q}; sharp's default is 80)
   */
  public byte[] webpsaveBuffer(int quality) {
    checkRange("quality", quality, 1, 100);
    return Vips.webpsaveBuffer(pointer(), quality);
  }

  /**
   * AVIF ({@code vips_heifsave_buffer} with compression AV1), 8-bit, 4:4:4 chroma, no metadata
   * ({@code keep} NONE), as sharp's defaults. Keeps alpha. Slow: effort 4 costs about 2 s of CPU
   * per 12 MP; effort 0 about a twentieth of that.
   *
   * @param quality 1..100 ({@code Q}; sharp's default is 50)
   * @param effort 0 (fastest) .. 9 (smallest file); sharp's default is 4
   */
  public byte[] avifsaveBuffer(int quality, int effort) {
    checkRange("quality", quality, 1, 100);
    checkRange("effort", effort, 0, 9);
    return Vips.avifsaveBuffer(pointer(), quality, effort);
  }

  // ---- lifetime ----

  /** Drops this handle's reference ({@code g_object_unref}). Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        Vips.unref(pointer);
      } finally {
        input.release();
      }
    }
  }

  @Override
  public String toString() {
    if (closed.get()) {
      return "VipsImage[closed]";
    }
    return "VipsImage[" + width() + "x" + height() + "x" + bands() + "]";
  }

  private MemorySegment pointer() {
    if (closed.get()) {
      throw new IllegalStateException("VipsImage is closed");
    }
    return pointer;
  }

  /** Runs an operation on this image and wraps its output, which shares this image's input. */
  private VipsImage derive(UnaryOperator<MemorySegment> operation) {
    MemorySegment in = pointer();
    input.retain();
    try {
      return new VipsImage(operation.apply(in), input);
    } catch (RuntimeException | Error e) {
      input.release();
      throw e;
    }
  }

  private static double[] checkBackground(double[] background) {
    if (background.length == 0) {
      throw new IllegalArgumentException("background needs at least one value");
    }
    return background.clone();
  }

  private static void checkRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + value);
    }
  }
}
