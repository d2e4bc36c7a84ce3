package dev.conveyor.transform.image.vips;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;

/**
 * The libvips shared library, found, loaded and initialised once per JVM.
 *
 * <p>Where it is looked for, in order:
 *
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY};
 *   <li>the file named by the environment variable {@value #PATH_ENVIRONMENT_VARIABLE};
 *   <li>{@code /opt/lib/libvips-cpp.so.8.18.7}, where the conveyor-libvips Lambda layer puts it;
 *   <li>the classpath resource {@code dev/conveyor/libvips/<platform>/libvips-cpp.so.8.18.7} (from
 *       the conveyor-libvips jar). When the classpath is a directory, as {@code /var/task} where
 *       Lambda unpacks a function's jar, the file is loaded where it is. Inside a jar it is first
 *       extracted to a private temporary directory, because {@code dlopen} needs a file (≈ 0.15 s:
 *       inflating 18 MB), and deleted once loaded (the mapping stays valid), so restarts leave
 *       nothing behind in {@code /tmp}.
 * </ol>
 *
 * An explicit setting (1 or 2) that does not name a file is an error, not a reason to look further.
 *
 * <p>{@link #load()} either returns the library or throws {@link VipsUnavailableException} with the
 * reason (no copy for this platform, wrong architecture, {@code dlopen} or {@code vips_init}
 * failed, libvips older than 8.15); the outcome is decided once and repeated to every caller, so a
 * composition root can try libvips and fall back to the JDK engine.
 *
 * <p>Start-up, measured on a 2-core x86 machine: {@code dlopen} ≈ 25 ms, the JVM's first FFM
 * downcall handle ≈ 0.2 s (the linker bootstraps), {@code vips_init} ≈ 30 ms, plus ≈ 0.15 s when
 * the library is extracted from a jar; then linking the binding's other handles ≈ 0.15 s (see
 * {@link #linkAllDowncalls()}). A SnapStart priming hook should call both {@link #load()} and
 * {@link #linkAllDowncalls()}. The JVM should run with {@code --enable-native-access=ALL-UNNAMED};
 * without it, it prints a warning on first use.
 *
 * <p>Threads: libvips is thread-safe once initialised. Calls into it pin a virtual thread to its
 * carrier for their whole duration (seconds, for a large AVIF), so run them on a bounded pool of
 * platform threads, and call {@link #threadShutdown()} on a pool thread before it exits so libvips
 * frees its per-thread buffers.
 */
public final class VipsLibrary {
  /** The library's file name: in the jar, in the Lambda layer and when extracted. */
  public static final String LIBRARY_FILE = "libvips-cpp.so.8.18.7";

  /** System property naming a libvips file to load instead of the bundled one. */
  public static final String PATH_PROPERTY = "conveyor.vips.library";

  /** Environment variable naming a libvips file to load instead of the bundled one. */
  public static final String PATH_ENVIRONMENT_VARIABLE = "VIPS_LIBRARY_PATH";

  /** Where the conveyor-libvips Lambda layer puts the library (layers unpack into /opt). */
  public static final Path LAMBDA_LAYER_PATH = Path.of("/opt/lib", LIBRARY_FILE);

  /** The classpath folder of the conveyor-libvips jar; one subfolder per platform. */
  static final String RESOURCE_FOLDER = "dev/conveyor/libvips/";

  // The binding passes the savers' "keep" option, which replaced "strip" in libvips 8.15.
  private static final int MINIMUM_MAJOR = 8;
  private static final int MINIMUM_MINOR = 15;

  // ELF e_machine values, to name a wrong-architecture library instead of a bare dlopen failure.
  private static final short EM_X86_64 = 62;
  private static final short EM_AARCH64 = 183;

  /** Where the loaded library came from. */
  public enum Source {
    SYSTEM_PROPERTY,
    ENVIRONMENT_VARIABLE,
    LAMBDA_LAYER,
    /** The classpath resource as a plain file (a classes directory, or a jar Lambda unpacked). */
    CLASSPATH_FILE,
    /** The classpath resource inside a jar, extracted to a temporary file. */
    CLASSPATH_EXTRACTED
  }

  private final SymbolLookup symbols;
  private final Source source;
  private final Path path;
  private final String version;
  private final Duration loadTime;

  private VipsLibrary(
      SymbolLookup symbols, Source source, Path path, String version, Duration loadTime) {
    this.symbols = symbols;
    this.source = source;
    this.path = path;
    this.version = version;
    this.loadTime = loadTime;
  }

  /**
   * The initialised library; the first call finds, loads and initialises it, later calls return the
   * same instance at once.
   *
   * @throws VipsUnavailableException when libvips cannot be used in this JVM (the same reason on
   *     every call)
   */
  public static VipsLibrary load() {
    Outcome outcome = Once.OUTCOME;
    if (outcome.library() != null) {
      return outcome.library();
    }
    // A fresh exception per caller (with this caller's stack), caused by the original one.
    VipsUnavailableException failure = outcome.failure();
    throw new VipsUnavailableException(failure.getMessage(), failure);
  }

  /** The libvips version, e.g. {@code 8.18.7}. */
  public String version() {
    return version;
  }

  /** How the library was found. */
  public Source source() {
    return source;
  }

  /**
   * The file that was loaded. For {@link Source#CLASSPATH_EXTRACTED} it was a temporary copy, now
   * deleted.
   */
  public Path path() {
    return path;
  }

  /** Wall time of locating (and extracting), {@code dlopen} and {@code vips_init}. */
  public Duration loadTime() {
    return loadTime;
  }

  /**
   * Creates the method handle of every downcall the binding uses now, instead of on each one's
   * first use. Linking is the bulk of FFM's start-up cost, so call this from a SnapStart
   * before-checkpoint hook (or at init) to take it out of the first request.
   *
   * @return how long linking took (next to nothing once all are linked)
   */
  public Duration linkAllDowncalls() {
    long start = System.nanoTime();
    Vips.linkAll();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Sets how many worker threads libvips runs inside each operation ({@code vips_concurrency_set};
   * at start libvips takes {@code VIPS_CONCURRENCY} from the process environment, else the CPU
   * count). Process-wide.
   *
   * @param threads at least 1
   */
  public void concurrency(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("libvips needs at least one thread: " + threads);
    }
    Vips.concurrencySet(threads);
  }

  /**
   * Frees libvips' buffers for the calling thread ({@code vips_thread_shutdown}). Call it on a
   * worker thread that has used libvips, just before that thread exits; calling it on a thread that
   * will use libvips again is harmless but wasteful.
   */
  public void threadShutdown() {
    Vips.threadShutdown();
  }

  /** The address of an exported symbol. */
  MemorySegment symbol(String name) {
    return symbols
        .find(name)
        .orElseThrow(
            () -> new VipsUnavailableException("libvips at " + path + " does not export " + name));
  }

  @Override
  public String toString() {
    return "libvips " + version + " (" + source + ", " + path + ")";
  }

  // ---- loading ----

  /** Exactly one of the two is set. */
  private record Outcome(VipsLibrary library, VipsUnavailableException failure) {}

  /** Lazy holder: the JVM runs {@link #loadOnce()} exactly once, on first use, thread-safely. */
  private static final class Once {
    static final Outcome OUTCOME = loadOnce();
  }

  private static Outcome loadOnce() {
    try {
      return new Outcome(loadAndInit(), null);
    } catch (VipsUnavailableException e) {
      return new Outcome(null, e);
    } catch (RuntimeException e) {
      return new Outcome(null, new VipsUnavailableException("libvips failed to load: " + e, e));
    }
  }

  private static VipsLibrary loadAndInit() {
    long start = System.nanoTime();
    String platform = platform(System.getProperty("os.name"), System.getProperty("os.arch"));
    Candidate candidate =
        locate(
            System.getProperty(PATH_PROPERTY),
            System.getenv(PATH_ENVIRONMENT_VARIABLE),
            LAMBDA_LAYER_PATH,
            platform,
            VipsLibrary.class.getClassLoader());
    try {
      checkArchitecture(candidate, System.getProperty("os.arch"));
      SymbolLookup symbols;
      try {
        // Arena.global(): the library stays loaded for the JVM's lifetime.
        symbols = SymbolLookup.libraryLookup(candidate.path(), Arena.global());
      } catch (IllegalArgumentException e) {
        throw new VipsUnavailableException(
            "dlopen failed for libvips at "
                + candidate.path()
                + " ("
                + candidate.description()
                + "); the bundled build needs Linux with glibc >= 2.28, libstdc++ and libgcc_s: "
                + e.getMessage(),
            e);
      }
      String version = initialise(symbols, candidate);
      return new VipsLibrary(
          symbols,
          candidate.source(),
          candidate.path(),
          version,
          Duration.ofNanos(System.nanoTime() - start));
    } finally {
      if (candidate.extracted()) {
        deleteExtracted(candidate.path());
      }
    }
  }

  /**
   * {@code vips_init}, the version check and the cache setting, with handles of their own: {@link
   * Vips} links through a loaded {@code VipsLibrary}, which does not exist yet.
   */
  private static String initialise(SymbolLookup symbols, Candidate candidate) {
    Linker linker = Linker.nativeLinker();
    MethodHandle init =
        handle(linker, symbols, "vips_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    MethodHandle versionPart =
        handle(linker, symbols, "vips_version", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    MethodHandle versionString =
        handle(linker, symbols, "vips_version_string", FunctionDescriptor.of(ADDRESS));
    MethodHandle cacheSetMax =
        handle(linker, symbols, "vips_cache_set_max", FunctionDescriptor.ofVoid(JAVA_INT));
    try {
      int major = (int) versionPart.invokeExact(0);
      int minor = (int) versionPart.invokeExact(1);
      String version =
          ((MemorySegment) versionString.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
      if (major < MINIMUM_MAJOR || (major == MINIMUM_MAJOR && minor < MINIMUM_MINOR)) {
        throw new VipsUnavailableException(
            "libvips at "
                + candidate.path()
                + " ("
                + candidate.description()
                + ") is "
                + version
                + "; this binding needs "
                + MINIMUM_MAJOR
                + "."
                + MINIMUM_MINOR
                + " or later");
      }
      // argv0 names the program in libvips' messages and seeds its guess of an install prefix (for
      // loadable modules and translations, which sharp's self-contained build does not have).
      int status;
      try (Arena arena = Arena.ofConfined()) {
        status = (int) init.invokeExact(arena.allocateFrom("conveyor"));
      }
      if (status != 0) {
        throw new VipsUnavailableException(
            "vips_init failed for libvips at " + candidate.path() + ": " + Vips.lastError(symbols));
      }
      // No operation cache. Each source image is processed once, so the cache never hits; it would
      // only hold up to 100 finished operations, their outputs and, through them, references to
      // input images whose native bytes VipsInput frees when the last Java handle closes. Off, a
      // closed VipsImage really releases everything it used.
      cacheSetMax.invokeExact(0);
      return version;
    } catch (VipsUnavailableException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new VipsUnavailableException("libvips failed to initialise: " + e, e);
    }
  }

  private static MethodHandle handle(
      Linker linker, SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
    MemorySegment address =
        symbols
            .find(name)
            .orElseThrow(() -> new VipsUnavailableException("the library does not export " + name));
    return linker.downcallHandle(address, descriptor);
  }

  /** A library file to load and how it was found. */
  record Candidate(Source source, Path path, String description, boolean extracted) {}

  /**
   * Finds the library to load: explicit settings, then the Lambda layer, then the classpath
   * (extracting the file from a jar). Package-private so tests can drive each branch without
   * loading a second libvips.
   *
   * @param property the value of {@value #PATH_PROPERTY}, or null
   * @param environment the value of {@value #PATH_ENVIRONMENT_VARIABLE}, or null
   * @param platform e.g. {@code linux-x64}, see {@link #platform}
   */
  static Candidate locate(
      String property,
      String environment,
      Path lambdaLayerPath,
      String platform,
      ClassLoader classLoader) {
    if (property != null && !property.isBlank()) {
      return explicit(Source.SYSTEM_PROPERTY, "system property " + PATH_PROPERTY, property);
    }
    if (environment != null && !environment.isBlank()) {
      return explicit(
          Source.ENVIRONMENT_VARIABLE,
          "environment variable " + PATH_ENVIRONMENT_VARIABLE,
          environment);
    }
    if (Files.isRegularFile(lambdaLayerPath)) {
      return new Candidate(Source.LAMBDA_LAYER, lambdaLayerPath, "Lambda layer", false);
    }
    return fromClasspath(platform, classLoader);
  }

  private static Candidate explicit(Source source, String setting, String value) {
    Path path = Path.of(value);
    if (!Files.isRegularFile(path)) {
      throw new VipsUnavailableException(
          setting + " names " + value + ", which is not a file; fix or unset it");
    }
    return new Candidate(source, path, setting, false);
  }

  private static Candidate fromClasspath(String platform, ClassLoader classLoader) {
    String resource = RESOURCE_FOLDER + platform + "/" + LIBRARY_FILE;
    URL url = classLoader.getResource(resource);
    if (url == null) {
      throw new VipsUnavailableException(
          "no libvips for platform "
              + platform
              + ": the classpath has no "
              + resource
              + " (conveyor-libvips carries one platform per build: linux-x64, or linux-arm64 with"
              + " -Dlibvips.platform=linux-arm64), "
              + LAMBDA_LAYER_PATH
              + " does not exist, and neither "
              + PATH_PROPERTY
              + " nor "
              + PATH_ENVIRONMENT_VARIABLE
              + " is set");
    }
    if ("file".equals(url.getProtocol())) {
      try {
        return new Candidate(
            Source.CLASSPATH_FILE, Path.of(url.toURI()), "classpath file " + resource, false);
      } catch (URISyntaxException | IllegalArgumentException unusualUrl) {
        // fall through: extracting a copy works for any URL
      }
    }
    try (InputStream in = url.openStream()) {
      // A directory only this user can write to: nobody can swap the file before dlopen reads it.
      Path directory = createPrivateTempDirectory();
      Path file = directory.resolve(LIBRARY_FILE);
      Files.copy(in, file);
      return new Candidate(
          Source.CLASSPATH_EXTRACTED, file, "extracted from classpath " + resource, true);
    } catch (IOException e) {
      throw new VipsUnavailableException(
          "could not extract " + resource + " to a temporary directory: " + e, e);
    }
  }

  private static Path createPrivateTempDirectory() throws IOException {
    try {
      return Files.createTempDirectory(
          "conveyor-libvips-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException notPosix) {
      return Files.createTempDirectory("conveyor-libvips-");
    }
  }

  private static void deleteExtracted(Path file) {
    try {
      Files.deleteIfExists(file);
      Files.deleteIfExists(file.getParent());
    } catch (IOException e) {
      // Only a leftover temp file; the library is loaded (or its failure reported) either way.
    }
  }

  /**
   * The platform folder for an {@code os.name}/{@code os.arch} pair: {@code linux-x64}, {@code
   * linux-arm64}, or a descriptive name for which no folder exists, e.g. {@code mac_os_x-aarch64}.
   */
  static String platform(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String osPart = os.startsWith("linux") ? "linux" : os.replace(' ', '_');
    String archPart =
        switch (osArch) {
          case "amd64", "x86_64" -> "x64";
          case "aarch64", "arm64" -> "arm64";
          default -> osArch;
        };
    return osPart + "-" + archPart;
  }

  /** Rejects an ELF file built for another CPU than this JVM's, naming both. */
  static void checkArchitecture(Candidate candidate, String osArch) {
    short expected =
        switch (osArch) {
          case "amd64", "x86_64" -> EM_X86_64;
          case "aarch64", "arm64" -> EM_AARCH64;
          default -> 0;
        };
    ByteBuffer header = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel channel = FileChannel.open(candidate.path(), StandardOpenOption.READ)) {
      while (header.hasRemaining() && channel.read(header) >= 0) {
        // read the 20-byte ELF identification and e_type/e_machine
      }
    } catch (IOException e) {
      throw new VipsUnavailableException(
          "cannot read libvips at " + candidate.path() + " (" + candidate.description() + "): " + e,
          e);
    }
    if (header.position() < 20 || header.getInt(0) != 0x464C457F) { // "\177ELF", little-endian
      throw new VipsUnavailableException(
          "libvips at "
              + candidate.path()
              + " ("
              + candidate.description()
              + ") is not an ELF shared library");
    }
    short machine = header.getShort(18);
    if (expected != 0 && machine != expected) {
      throw new VipsUnavailableException(
          "libvips at "
              + candidate.path()
              + " ("
              + candidate.description()
              + ") is built for "
              + machineName(machine)
              + ", but this JVM runs on "
              + osArch);
    }
  }

  private static String machineName(short machine) {
    return switch (machine) {
      case EM_X86_64 -> "x86-64";
      case EM_AARCH64 -> "aarch64";
      default -> "ELF machine " + machine;
    };
  }
}
