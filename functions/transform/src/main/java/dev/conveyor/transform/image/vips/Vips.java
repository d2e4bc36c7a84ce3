package dev.conveyor.transform.image.vips;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The raw downcalls into libvips: pointers in, pointers out. {@link VipsImage} is the safe API on
 * top; nothing else should call this class.
 *
 * <p>Every libvips operation is variadic: fixed parameters, then name/value option pairs, then a
 * NULL terminator. FFM needs one downcall handle per exact option list, with {@code
 * Linker.Option.firstVariadicArg(n)} at the first option name (n = number of fixed parameters).
 * Option values follow C's variadic promotions: ints, enums, flags and gboolean as {@code
 * JAVA_INT}, doubles as {@code JAVA_DOUBLE}, pointers as {@code ADDRESS}. Each handle is linked on
 * first use (linking is FFM's main start-up cost) and kept for the JVM's lifetime; {@code
 * invokeExact} is called with exactly the handle's types.
 *
 * <p>Errors: operations return non-zero (or NULL) and leave a message in libvips' error buffer,
 * which {@code vips_error_buffer_copy} copies and clears; the copy is freed with {@code g_free}.
 * Output buffers of the savers are freed with {@code g_free} too ({@code vips_free} is not
 * exported); images and other objects with {@code g_object_unref}.
 */
final class Vips {
  private Vips() {}

  // C enum values passed as option values (libvips 8.18 headers).
  private static final int TRUE = 1;
  private static final int EXTEND_BACKGROUND = 5; // VipsExtend
  private static final int INTENT_PERCEPTUAL = 0; // VipsIntent
  private static final int KEEP_NONE = 0; // VipsForeignKeep: no metadata at all
  private static final int HEIF_COMPRESSION_AV1 = 4; // VipsForeignHeifCompression
  private static final int SUBSAMPLE_OFF = 2; // VipsForeignSubsample: 4:4:4 chroma

  /** NUL-terminated option names and other constant strings, allocated once. */
  private static final class Names {
    static final MemorySegment EMPTY = text("");
    static final MemorySegment ACCESS = text("access");
    static final MemorySegment FAIL_ON = text("fail_on");
    static final MemorySegment SHRINK = text("shrink");
    static final MemorySegment INTERESTING = text("interesting");
    static final MemorySegment VSCALE = text("vscale");
    static final MemorySegment EXTEND = text("extend");
    static final MemorySegment BACKGROUND = text("background");
    static final MemorySegment EMBEDDED = text("embedded");
    static final MemorySegment INTENT = text("intent");
    static final MemorySegment DEPTH = text("depth");
    static final MemorySegment SRGB_PROFILE = text("srgb"); // libvips' built-in sRGB profile
    static final MemorySegment Q = text("Q");
    static final MemorySegment OPTIMIZE_CODING = text("optimize_coding");
    static final MemorySegment INTERLACE = text("interlace");
    static final MemorySegment KEEP = text("keep");
    static final MemorySegment COMPRESSION = text("compression");
    static final MemorySegment EFFORT = text("effort");
    static final MemorySegment SUBSAMPLE_MODE = text("subsample_mode");
    static final MemorySegment BITDEPTH = text("bitdepth");
    static final MemorySegment META_LOADER = text("vips-loader");
    static final MemorySegment META_ICC_PROFILE = text("icc-profile-data");

    private static MemorySegment text(String value) {
      return Arena.global().allocateFrom(value);
    }
  }

  // ---- downcall handles ----

  /** A downcall handle linked on first use. */
  private static final class Downcall {
    private final String name;
    private final FunctionDescriptor descriptor;
    private final Linker.Option[] options;
    private volatile MethodHandle handle;

    Downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
      this.name = name;
      this.descriptor = descriptor;
      this.options = options;
      ALL.add(this);
    }

    MethodHandle handle() {
      MethodHandle linked = handle;
      if (linked == null) {
        synchronized (this) {
          linked = handle;
          if (linked == null) {
            MemorySegment symbol = VipsLibrary.load().symbol(name);
            linked = Linker.nativeLinker().downcallHandle(symbol, descriptor, options);
            handle = linked;
          }
        }
      }
      return linked;
    }
  }

  private static final List<Downcall> ALL = new ArrayList<>();

  /** A variadic operation: {@code int name(fixed..., name, value, ..., NULL)}. */
  private static Downcall operation(String name, int fixed, MemoryLayout... parameters) {
    return new Downcall(
        name, FunctionDescriptor.of(JAVA_INT, parameters), Linker.Option.firstVariadicArg(fixed));
  }

  private static final Downcall G_FREE = new Downcall("g_free", FunctionDescriptor.ofVoid(ADDRESS));
  private static final Downcall G_OBJECT_UNREF =
      new Downcall("g_object_unref", FunctionDescriptor.ofVoid(ADDRESS));
  private static final Downcall ERROR_BUFFER_COPY =
      new Downcall("vips_error_buffer_copy", FunctionDescriptor.of(ADDRESS));
  private static final Downcall THREAD_SHUTDOWN =
      new Downcall("vips_thread_shutdown", FunctionDescriptor.ofVoid());
  private static final Downcall CONCURRENCY_SET =
      new Downcall("vips_concurrency_set", FunctionDescriptor.ofVoid(JAVA_INT));
  private static final Downcall ARRAY_DOUBLE_NEW =
      new Downcall("vips_array_double_new", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
  private static final Downcall AREA_UNREF =
      new Downcall("vips_area_unref", FunctionDescriptor.ofVoid(ADDRESS));

  private static final Downcall GET_WIDTH = intGetter("vips_image_get_width");
  private static final Downcall GET_HEIGHT = intGetter("vips_image_get_height");
  private static final Downcall GET_BANDS = intGetter("vips_image_get_bands");
  private static final Downcall GET_FORMAT = intGetter("vips_image_get_format");
  private static final Downcall GET_INTERPRETATION = intGetter("vips_image_get_interpretation");
  private static final Downcall GET_ORIENTATION = intGetter("vips_image_get_orientation");
  private static final Downcall HASALPHA = intGetter("vips_image_hasalpha");
  // GType is a gsize: 64 bits on the platforms we run on.
  private static final Downcall GET_TYPEOF =
      new Downcall("vips_image_get_typeof", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
  private static final Downcall GET_STRING =
      new Downcall(
          "vips_image_get_string", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
  private static final Downcall COPY_MEMORY =
      new Downcall("vips_image_copy_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));

  // VipsImage *vips_image_new_from_buffer(const void *buf, size_t len, const char *option_string,
  //     "access", int, "fail_on", int, NULL)
  private static final Downcall NEW_FROM_BUFFER =
      new Downcall(
          "vips_image_new_from_buffer",
          FunctionDescriptor.of(
              ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS),
          Linker.Option.firstVariadicArg(3));
  // int vips_jpegload_buffer(void *buf, size_t len, VipsImage **out,
  //     "shrink", int, "access", int, "fail_on", int, NULL)
  private static final Downcall JPEGLOAD_BUFFER =
      operation(
          "vips_jpegload_buffer",
          3,
          ADDRESS,
          JAVA_LONG,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS);
  // int vips_autorot(VipsImage *in, VipsImage **out, NULL)
  private static final Downcall AUTOROT = operation("vips_autorot", 2, ADDRESS, ADDRESS, ADDRESS);
  // int vips_extract_area(in, out, int left, int top, int width, int height, NULL)
  private static final Downcall EXTRACT_AREA =
      operation(
          "vips_extract_area",
          6,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          JAVA_INT,
          JAVA_INT,
          JAVA_INT,
          ADDRESS);
  // int vips_smartcrop(in, out, int width, int height, "interesting", int, NULL)
  private static final Downcall SMARTCROP =
      operation(
          "vips_smartcrop", 4, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
  // int vips_resize(in, out, double scale, "vscale", double, NULL)
  private static final Downcall RESIZE =
      operation("vips_resize", 3, ADDRESS, ADDRESS, JAVA_DOUBLE, ADDRESS, JAVA_DOUBLE, ADDRESS);
  // int vips_rot(in, out, VipsAngle angle, NULL)
  private static final Downcall ROT = operation("vips_rot", 3, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
  // int vips_flip(in, out, VipsDirection direction, NULL)
  private static final Downcall FLIP =
      operation("vips_flip", 3, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
  // int vips_embed(in, out, int x, int y, int width, int height,
  //     "extend", VipsExtend, "background", VipsArrayDouble *, NULL)
  private static final Downcall EMBED =
      operation(
          "vips_embed",
          6,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          JAVA_INT,
          JAVA_INT,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          ADDRESS,
          ADDRESS);
  // int vips_flatten(in, out, "background", VipsArrayDouble *, NULL)
  private static final Downcall FLATTEN =
      operation("vips_flatten", 2, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  // int vips_icc_transform(in, out, const char *output_profile,
  //     "embedded", gboolean, "intent", VipsIntent, "depth", int, NULL)
  private static final Downcall ICC_TRANSFORM =
      operation(
          "vips_icc_transform",
          3,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS);
  // int vips_colourspace(in, out, VipsInterpretation space, NULL)
  private static final Downcall COLOURSPACE =
      operation("vips_colourspace", 3, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
  // int vips_jpegsave_buffer(in, void **buf, size_t *len,
  //     "Q", int, "optimize_coding", gboolean, "interlace", gboolean, "keep", flags, NULL)
  private static final Downcall JPEGSAVE_BUFFER =
      operation(
          "vips_jpegsave_buffer",
          3,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS);
  // int vips_pngsave_buffer(in, buf, len, "compression", int, "interlace", gboolean,
  //     "keep", flags, NULL)
  private static final Downcall PNGSAVE_BUFFER =
      operation(
          "vips_pngsave_buffer",
          3,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS);
  // int vips_webpsave_buffer(in, buf, len, "Q", int, "keep", flags, NULL)
  private static final Downcall WEBPSAVE_BUFFER =
      operation(
          "vips_webpsave_buffer",
          3,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS);
  // int vips_heifsave_buffer(in, buf, len, "Q", int, "compression", enum, "effort", int,
  //     "subsample_mode", enum, "bitdepth", int, "keep", flags, NULL)
  private static final Downcall HEIFSAVE_BUFFER =
      operation(
          "vips_heifsave_buffer",
          3,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS);

  private static Downcall intGetter(String name) {
    return new Downcall(name, FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  /** Links every handle now (see {@link VipsLibrary#linkAllDowncalls()}). */
  static void linkAll() {
    for (Downcall downcall : ALL) {
      downcall.handle();
    }
  }

  // ---- memory and errors ----

  static void unref(MemorySegment object) {
    callVoid(() -> {
      G_OBJECT_UNREF.handle().invokeExact(object);
    });
  }

  static void concurrencySet(int threads) {
    callVoid(() -> {
      CONCURRENCY_SET.handle().invokeExact(threads);
    });
  }

  static void threadShutdown() {
    callVoid(() -> {
      THREAD_SHUTDOWN.handle().invokeExact();
    });
  }

  private static void gFree(MemorySegment pointer) {
    callVoid(() -> {
      G_FREE.handle().invokeExact(pointer);
    });
  }

  /** Takes (copies and clears) libvips' error buffer as a VipsException for {@code operation}. */
  private static VipsException failure(String operation) {
    MemorySegment copy = call(() -> (MemorySegment) ERROR_BUFFER_COPY.handle().invokeExact());
    return new VipsException(operation, takeString(copy, Vips::gFree));
  }

  /**
   * The error buffer of a library that is not initialised yet, for {@code vips_init} failures:
   * links its own two handles, since {@link Downcall} goes through a loaded {@link VipsLibrary}.
   */
  static String lastError(SymbolLookup symbols) {
    Linker linker = Linker.nativeLinker();
    MethodHandle copy =
        linker.downcallHandle(
            symbols.find("vips_error_buffer_copy").orElseThrow(), FunctionDescriptor.of(ADDRESS));
    MethodHandle free =
        linker.downcallHandle(
            symbols.find("g_free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    MemorySegment message = call(() -> (MemorySegment) copy.invokeExact());
    String text =
        takeString(
            message,
            pointer ->
                callVoid(() -> {
                  free.invokeExact(pointer);
                }));
    return text.isEmpty() ? "(libvips gave no message)" : text;
  }

  private static String takeString(MemorySegment pointer, Consumer<MemorySegment> free) {
    if (pointer.equals(MemorySegment.NULL)) {
      return "";
    }
    try {
      return pointer.reinterpret(Long.MAX_VALUE).getString(0).strip();
    } finally {
      free.accept(pointer);
    }
  }

  // ---- header ----

  static int width(MemorySegment image) {
    return getInt(GET_WIDTH, image);
  }

  static int height(MemorySegment image) {
    return getInt(GET_HEIGHT, image);
  }

  static int bands(MemorySegment image) {
    return getInt(GET_BANDS, image);
  }

  static int format(MemorySegment image) {
    return getInt(GET_FORMAT, image);
  }

  static int interpretation(MemorySegment image) {
    return getInt(GET_INTERPRETATION, image);
  }

  /** The EXIF orientation, 1..8; 1 when the image has none. */
  static int orientation(MemorySegment image) {
    return getInt(GET_ORIENTATION, image);
  }

  static boolean hasAlpha(MemorySegment image) {
    return getInt(HASALPHA, image) != 0;
  }

  static boolean hasIccProfile(MemorySegment image) {
    return hasField(image, Names.META_ICC_PROFILE);
  }

  /** The {@code vips-loader} field (e.g. {@code jpegload_buffer}), or null if absent. */
  static String loader(MemorySegment image) {
    if (!hasField(image, Names.META_LOADER)) {
      return null; // asking for a missing field would leave a message in the error buffer
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int status = call(() -> (int) GET_STRING.handle().invokeExact(image, Names.META_LOADER, out));
      if (status != 0) {
        throw failure("vips_image_get_string");
      }
      // The string belongs to the image: copy it, don't free it.
      return out.get(ADDRESS, 0).reinterpret(Long.MAX_VALUE).getString(0);
    }
  }

  private static boolean hasField(MemorySegment image, MemorySegment name) {
    return call(() -> (long) GET_TYPEOF.handle().invokeExact(image, name)) != 0;
  }

  private static int getInt(Downcall getter, MemorySegment image) {
    return call(() -> (int) getter.handle().invokeExact(image));
  }

  // ---- loading ----

  /** Opens any format libvips recognises; reads the header only, pixels on demand. */
  static MemorySegment newFromBuffer(MemorySegment buffer, int access, int failOn) {
    MemorySegment image =
        call(() ->
            (MemorySegment)
                NEW_FROM_BUFFER
                    .handle()
                    .invokeExact(
                        buffer,
                        buffer.byteSize(),
                        Names.EMPTY,
                        Names.ACCESS,
                        access,
                        Names.FAIL_ON,
                        failOn,
                        MemorySegment.NULL));
    if (image.equals(MemorySegment.NULL)) {
      throw failure("vips_image_new_from_buffer");
    }
    return image;
  }

  static MemorySegment jpegloadBuffer(MemorySegment buffer, int shrink, int access, int failOn) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int status =
          call(() ->
              (int)
                  JPEGLOAD_BUFFER
                      .handle()
                      .invokeExact(
                          buffer,
                          buffer.byteSize(),
                          out,
                          Names.SHRINK,
                          shrink,
                          Names.ACCESS,
                          access,
                          Names.FAIL_ON,
                          failOn,
                          MemorySegment.NULL));
      return imageOrFailure(status, out, "vips_jpegload_buffer");
    }
  }

  static MemorySegment copyMemory(MemorySegment image) {
    MemorySegment copy = call(() -> (MemorySegment) COPY_MEMORY.handle().invokeExact(image));
    if (copy.equals(MemorySegment.NULL)) {
      throw failure("vips_image_copy_memory");
    }
    return copy;
  }

  // ---- operations: each returns a new reference the caller must unref ----

  static MemorySegment autorot(MemorySegment in) {
    return image(
        "vips_autorot", out -> (int) AUTOROT.handle().invokeExact(in, out, MemorySegment.NULL));
  }

  static MemorySegment extractArea(MemorySegment in, int left, int top, int width, int height) {
    return image(
        "vips_extract_area",
        out ->
            (int)
                EXTRACT_AREA
                    .handle()
                    .invokeExact(in, out, left, top, width, height, MemorySegment.NULL));
  }

  static MemorySegment smartcrop(MemorySegment in, int width, int height, int interesting) {
    return image(
        "vips_smartcrop",
        out ->
            (int)
                SMARTCROP
                    .handle()
                    .invokeExact(
                        in,
                        out,
                        width,
                        height,
                        Names.INTERESTING,
                        interesting,
                        MemorySegment.NULL));
  }

  static MemorySegment resize(MemorySegment in, double scale, double vscale) {
    return image(
        "vips_resize",
        out ->
            (int)
                RESIZE
                    .handle()
                    .invokeExact(in, out, scale, Names.VSCALE, vscale, MemorySegment.NULL));
  }

  static MemorySegment rot(MemorySegment in, int angle) {
    return image(
        "vips_rot", out -> (int) ROT.handle().invokeExact(in, out, angle, MemorySegment.NULL));
  }

  static MemorySegment flip(MemorySegment in, int direction) {
    return image(
        "vips_flip",
        out -> (int) FLIP.handle().invokeExact(in, out, direction, MemorySegment.NULL));
  }

  static MemorySegment embed(
      MemorySegment in, int x, int y, int width, int height, double[] background) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      MemorySegment array = arrayDouble(arena, background);
      try {
        int status =
            call(() ->
                (int)
                    EMBED
                        .handle()
                        .invokeExact(
                            in,
                            out,
                            x,
                            y,
                            width,
                            height,
                            Names.EXTEND,
                            EXTEND_BACKGROUND,
                            Names.BACKGROUND,
                            array,
                            MemorySegment.NULL));
        return imageOrFailure(status, out, "vips_embed");
      } finally {
        areaUnref(array);
      }
    }
  }

  static MemorySegment flatten(MemorySegment in, double[] background) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      MemorySegment array = arrayDouble(arena, background);
      try {
        int status =
            call(() ->
                (int)
                    FLATTEN
                        .handle()
                        .invokeExact(in, out, Names.BACKGROUND, array, MemorySegment.NULL));
        return imageOrFailure(status, out, "vips_flatten");
      } finally {
        areaUnref(array);
      }
    }
  }

  /** To 8-bit sRGB through the image's embedded ICC profile, perceptual intent. */
  static MemorySegment iccTransformToSrgb(MemorySegment in) {
    return image(
        "vips_icc_transform",
        out ->
            (int)
                ICC_TRANSFORM
                    .handle()
                    .invokeExact(
                        in,
                        out,
                        Names.SRGB_PROFILE,
                        Names.EMBEDDED,
                        TRUE,
                        Names.INTENT,
                        INTENT_PERCEPTUAL,
                        Names.DEPTH,
                        8,
                        MemorySegment.NULL));
  }

  static MemorySegment colourspace(MemorySegment in, int interpretation) {
    return image(
        "vips_colourspace",
        out -> (int) COLOURSPACE.handle().invokeExact(in, out, interpretation, MemorySegment.NULL));
  }

  // ---- savers: encode into a g_malloc'ed buffer, copied to the heap and freed here ----

  static byte[] jpegsaveBuffer(MemorySegment in, int quality, boolean interlace) {
    return encoded(
        "vips_jpegsave_buffer",
        (buffer, length) ->
            (int)
                JPEGSAVE_BUFFER
                    .handle()
                    .invokeExact(
                        in,
                        buffer,
                        length,
                        Names.Q,
                        quality,
                        Names.OPTIMIZE_CODING,
                        TRUE,
                        Names.INTERLACE,
                        flag(interlace),
                        Names.KEEP,
                        KEEP_NONE,
                        MemorySegment.NULL));
  }

  static byte[] pngsaveBuffer(MemorySegment in, int compression, boolean interlace) {
    return encoded(
        "vips_pngsave_buffer",
        (buffer, length) ->
            (int)
                PNGSAVE_BUFFER
                    .handle()
                    .invokeExact(
                        in,
                        buffer,
                        length,
                        Names.COMPRESSION,
                        compression,
                        Names.INTERLACE,
                        flag(interlace),
                        Names.KEEP,
                        KEEP_NONE,
                        MemorySegment.NULL));
  }

  static byte[] webpsaveBuffer(MemorySegment in, int quality) {
    return encoded(
        "vips_webpsave_buffer",
        (buffer, length) ->
            (int)
                WEBPSAVE_BUFFER
                    .handle()
                    .invokeExact(
                        in,
                        buffer,
                        length,
                        Names.Q,
                        quality,
                        Names.KEEP,
                        KEEP_NONE,
                        MemorySegment.NULL));
  }

  /** AVIF: HEIF with AV1 compression, 4:4:4 chroma, 8 bits (sharp's defaults). */
  static byte[] avifsaveBuffer(MemorySegment in, int quality, int effort) {
    return encoded(
        "vips_heifsave_buffer",
        (buffer, length) ->
            (int)
                HEIFSAVE_BUFFER
                    .handle()
                    .invokeExact(
                        in,
                        buffer,
                        length,
                        Names.Q,
                        quality,
                        Names.COMPRESSION,
                        HEIF_COMPRESSION_AV1,
                        Names.EFFORT,
                        effort,
                        Names.SUBSAMPLE_MODE,
                        SUBSAMPLE_OFF,
                        Names.BITDEPTH,
                        8,
                        Names.KEEP,
                        KEEP_NONE,
                        MemorySegment.NULL));
  }

  // ---- helpers ----

  private static int flag(boolean value) {
    return value ? TRUE : 0;
  }

  /** A libvips operation that writes one new image to {@code VipsImage **out}. */
  @FunctionalInterface
  private interface ImageOperation {
    int invoke(MemorySegment out) throws Throwable;
  }

  /** A libvips saver that writes a {@code g_malloc}'ed buffer and its length. */
  @FunctionalInterface
  private interface BufferSaver {
    int invoke(MemorySegment buffer, MemorySegment length) throws Throwable;
  }

  /** Runs {@code operation} and returns the new image reference it made. */
  private static MemorySegment image(String name, ImageOperation operation) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int status = call(() -> operation.invoke(out));
      return imageOrFailure(status, out, name);
    }
  }

  /** Runs {@code saver} and returns the encoded bytes, copied to the heap (the buffer is freed). */
  private static byte[] encoded(String name, BufferSaver saver) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(ADDRESS);
      MemorySegment length = arena.allocate(JAVA_LONG);
      int status = call(() -> saver.invoke(buffer, length));
      return bytesOrFailure(status, buffer, length, name);
    }
  }

  private static MemorySegment imageOrFailure(int status, MemorySegment out, String operation) {
    if (status != 0) {
      throw failure(operation);
    }
    return out.get(ADDRESS, 0);
  }

  private static byte[] bytesOrFailure(
      int status, MemorySegment buffer, MemorySegment length, String operation) {
    if (status != 0) {
      throw failure(operation);
    }
    MemorySegment data = buffer.get(ADDRESS, 0);
    try {
      return data.reinterpret(length.get(JAVA_LONG, 0)).toArray(JAVA_BYTE);
    } finally {
      gFree(data);
    }
  }

  /** A VipsArrayDouble (libvips copies the values); release it with {@link #areaUnref}. */
  private static MemorySegment arrayDouble(Arena arena, double[] values) {
    MemorySegment data = arena.allocateFrom(JAVA_DOUBLE, values);
    MemorySegment array =
        call(() -> (MemorySegment) ARRAY_DOUBLE_NEW.handle().invokeExact(data, values.length));
    if (array.equals(MemorySegment.NULL)) {
      throw failure("vips_array_double_new");
    }
    return array;
  }

  private static void areaUnref(MemorySegment area) {
    callVoid(() -> {
      AREA_UNREF.handle().invokeExact(area);
    });
  }

  /** A downcall: {@code invokeExact} declares Throwable, but downcalls throw no checked ones. */
  @FunctionalInterface
  private interface NativeCall<T> {
    T invoke() throws Throwable;
  }

  @FunctionalInterface
  private interface VoidNativeCall {
    void invoke() throws Throwable;
  }

  private static <T> T call(NativeCall<T> downcall) {
    try {
      return downcall.invoke();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("unexpected checked exception from a downcall", e);
    }
  }

  // Not an overload of call(), and given block lambdas: as the body of an expression lambda,
  // invokeExact is typed to return Object and fails with WrongMethodTypeException on a void handle.
  private static void callVoid(VoidNativeCall downcall) {
    try {
      downcall.invoke();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("unexpected checked exception from a downcall", e);
    }
  }
}
