package dev.conveyor.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.work.PermanentJobFailure;
import dev.conveyor.transform.image.EncodedImage;
import dev.conveyor.transform.image.ImageEngine;
import dev.conveyor.transform.image.ImageEngines;
import dev.conveyor.transform.image.ImageLimits;
import dev.conveyor.transform.image.RenditionRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * One Conveyor engine, one format: the benchmark's source JPEG to an 800 px wide rendition on the
 * calling thread, {@code runs} times after {@code warmup} untimed runs (the JIT and libvips' first
 * calls are not what a warm worker pays). Prints one JSON line, the same fields as {@code
 * bench/image/sharp-bench.mjs}. Run in a fresh JVM per measurement by {@link ImageBenchmarkRun}, so
 * the resident-memory high-water mark belongs to this engine and format alone.
 *
 * <pre>
 * ImageEngineBenchmark &lt;source.jpg&gt; &lt;jdk|vips&gt; &lt;jpeg|webp|avif&gt; &lt;runs&gt; &lt;warmup&gt;
 * </pre>
 */
public final class ImageEngineBenchmark {
  private ImageEngineBenchmark() {}

  public static void main(String[] args) throws IOException {
    byte[] source = Files.readAllBytes(Path.of(args[0]));
    String engineName = args[1];
    ImageFormat format = ImageFormat.fromWireName(args[2]).orElseThrow();
    int runs = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    ImageEngine engine = ImageEngines.create(engineName, ImageLimits.DEFAULTS);
    // sharp's defaults: quality 80 for JPEG and WebP, 50 for AVIF.
    RenditionRequest request =
        RenditionRequest.width(800, format, format == ImageFormat.AVIF ? 50 : 80);

    long rssBefore = ProcStatus.kib("VmRSS");
    EncodedImage last = null;
    try {
      for (int i = 0; i < warmup; i++) {
        last = engine.render(source, request);
      }
    } catch (PermanentJobFailure e) {
      // E.g. AVIF on the JDK engine: reported as such, not as a crash.
      System.out.println(
          Json.MAPPER.writeValueAsString(
              Json.MAPPER
                  .createObjectNode()
                  .put("engine", engine.description())
                  .put("format", format.wireName())
                  .put("unsupported", e.reason().code() + ": " + e.getMessage())));
      return;
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    double[] millis = new double[runs];
    long allocated = 0;
    for (int i = 0; i < runs; i++) {
      long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
      long start = System.nanoTime();
      last = engine.render(source, request);
      millis[i] = (System.nanoTime() - start) / 1e6;
      allocated += threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
    }
    Arrays.sort(millis);
    if (args.length > 5 && last != null) {
      Files.write(Path.of(args[5]), last.bytes());
    }
    ObjectNode line =
        Json.MAPPER
            .createObjectNode()
            .put("engine", engine.description())
            .put("format", format.wireName())
            .put("runs", runs)
            .put("medianMillis", millis[runs / 2])
            .put("minMillis", millis[0])
            .put("outputBytes", last == null ? 0 : last.bytes().length)
            .put("outputWidth", last == null ? 0 : last.width())
            .put("outputHeight", last == null ? 0 : last.height())
            .put("peakRssGrowthKiB", ProcStatus.kib("VmHWM") - rssBefore)
            .put("javaHeapAllocatedKiBPerRun", allocated / runs / 1024);
    System.out.println(Json.MAPPER.writeValueAsString(line));
  }

  /** Fields of {@code /proc/self/status}, in KiB. */
  static final class ProcStatus {
    private ProcStatus() {}

    static long kib(String field) throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(
              line.substring(field.length() + 1).trim().split("\\s+")[0].toLowerCase(Locale.ROOT));
        }
      }
      throw new IOException("no " + field + " in /proc/self/status");
    }
  }
}
