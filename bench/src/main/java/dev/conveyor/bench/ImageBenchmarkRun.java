package dev.conveyor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The image engine benchmark: one source (a 4000×3000 photographic JPEG, generated), one rendition
 * (800 px wide; JPEG q80, WebP q80, AVIF q50 effort 4), three engines: node's sharp, Conveyor's
 * libvips engine and its JDK engine, each single-threaded ({@code VIPS_CONCURRENCY=1}, {@code
 * UV_THREADPOOL_SIZE=1}, {@code sharp.concurrency(1)}) in a fresh process per engine and format.
 * Prints a Markdown table with each engine's median against sharp's and writes it to {@code --out}.
 *
 * <p>Targets: libvips engine ≤ 1.1× sharp for every format; JDK engine ≤ 4× sharp.
 *
 * <p>Options: {@code --runs=21 --warmup=10 --formats=jpeg,webp,avif --engines=sharp,vips,jdk
 * --workdir=bench/target/image-bench --out=bench/target/image-benchmark.md --timeout-seconds=600}.
 * The workdir must hold {@code node_modules/sharp} ({@code bench/run-image-benchmark.sh} installs
 * it).
 */
public final class ImageBenchmarkRun {
  private static final int WIDTH = 4000;
  private static final int HEIGHT = 3000;

  private ImageBenchmarkRun() {}

  public static void main(String[] args) throws Exception {
    BenchArgs options =
        BenchArgs.parse(
            args,
            "runs",
            "warmup",
            "formats",
            "engines",
            "workdir",
            "out",
            "timeout-seconds",
            "sharp-script");
    int runs = options.intValue("runs", 21);
    int warmup = options.intValue("warmup", 10);
    List<String> formats = List.of(options.get("formats", "jpeg,webp,avif").split(","));
    List<String> engines = List.of(options.get("engines", "sharp,vips,jdk").split(","));
    Path workdir = Path.of(options.get("workdir", "bench/target/image-bench"));
    Path out = Path.of(options.get("out", "bench/target/image-benchmark.md"));
    long timeoutSeconds = options.longValue("timeout-seconds", 600);
    Path script = Path.of(options.get("sharp-script", "bench/image/sharp-bench.mjs"));

    Files.createDirectories(workdir);
    Path source = workdir.resolve("source-4000x3000.jpg");
    if (!Files.exists(source)) {
      Files.write(source, SyntheticPhoto.jpeg(WIDTH, HEIGHT, 42));
    }

    StringBuilder report = new StringBuilder();
    report
        .append("## Image engines: ")
        .append(WIDTH)
        .append("×")
        .append(HEIGHT)
        .append(" photographic JPEG (")
        .append(Files.size(source) / 1024)
        .append(" KiB) → 800 px wide, single-threaded\n\n")
        .append("Run ")
        .append(Instant.now())
        .append(": median of ")
        .append(runs)
        .append(" runs after ")
        .append(warmup)
        .append(" untimed, each engine and format in a fresh process; ")
        .append(machine())
        .append("; load average before ")
        .append(Machine.loadAverage())
        .append("\n\n")
        .append("| format | engine | median ms | min ms | × sharp | target | output bytes |")
        .append(" peak RSS growth MiB | Java heap allocated MiB per run | PSNR vs libvips dB |\n")
        .append("|---|---|---:|---:|---:|:-:|---:|---:|---:|---:|\n");
    for (String format : formats) {
      Double sharpMedian = null;
      for (String engine : engines) {
        List<String> command =
            engine.equals("sharp")
                ? List.of(
                    "node", script.toString(), source.toString(), format, "" + runs, "" + warmup)
                : javaCommand(
                    source, engine, format, runs, warmup, output(workdir, engine, format));
        Result result = run(command, workdir, timeoutSeconds);
        if (result.failure != null) {
          report.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | — | — | — | — | — | — | — | — |%n",
                  format,
                  engine + ": " + result.failure));
          continue;
        }
        JsonNode line = result.line;
        if (line.has("unsupported")) {
          report.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | not supported | — | — | — | — | — | — | — |%n",
                  format,
                  line.path("engine").asText()));
          continue;
        }
        double median = line.path("medianMillis").asDouble();
        if (engine.equals("sharp")) {
          sharpMedian = median;
        }
        double ratio = sharpMedian == null ? Double.NaN : median / sharpMedian;
        // Without a sharp row in this run there is nothing to compare with.
        String target =
            Double.isNaN(ratio)
                ? "—"
                : switch (engine) {
                  case "vips" -> ratio <= 1.1 ? "✓ ≤ 1.1×" : "✗ > 1.1×";
                  case "jdk" -> ratio <= 4.0 ? "✓ ≤ 4×" : "✗ > 4×";
                  default -> "";
                };
        report.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.1f | %.1f | %s | %s | %d | %.1f | %s | %s |%n",
                format,
                line.path("engine").asText(),
                median,
                line.path("minMillis").asDouble(),
                Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f", ratio),
                target,
                line.path("outputBytes").asLong(),
                line.path("peakRssGrowthKiB").asLong() / 1024.0,
                line.has("javaHeapAllocatedKiBPerRun")
                    ? String.format(
                        Locale.ROOT,
                        "%.1f",
                        line.path("javaHeapAllocatedKiBPerRun").asLong() / 1024.0)
                    : "—",
                psnrAgainstVips(workdir, engine, format)));
      }
    }
    report.append(
        "\nPeak RSS growth: the process's resident high-water mark after the runs minus its"
            + " resident size before the first transform (libraries loaded, source in memory);"
            + " for the JVM engines it includes heap the garbage collector chose to grow into"
            + " (-Xmx1g), so the Java heap allocated per run is the better measure of their"
            + " appetite. PSNR: the JDK engine's output against the libvips engine's, over RGB"
            + " (the same geometry, so the same size; AVIF cannot be decoded here).\n");
    PrintStream stdout = System.out;
    stdout.print(report);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
    stdout.println("\n(report written to " + out.toAbsolutePath() + ")");
  }

  private static String machine() {
    Machine machine = Machine.describe();
    return machine.processors()
        + " CPUs ("
        + machine.cpuModel()
        + "), "
        + machine.os()
        + ", "
        + machine.jdk();
  }

  /** Where a Java engine's last output is kept, to compare the engines' pixels. */
  private static Path output(Path workdir, String engine, String format) {
    return workdir.resolve("out-" + engine + "." + format).toAbsolutePath();
  }

  /** PSNR of the JDK engine's output against the libvips engine's, when both exist and decode. */
  private static String psnrAgainstVips(Path workdir, String engine, String format) {
    Path vips = output(workdir, "vips", format);
    Path mine = output(workdir, engine, format);
    if (engine.equals("vips") || !Files.exists(vips) || !Files.exists(mine)) {
      return "—";
    }
    try {
      java.awt.image.BufferedImage a = javax.imageio.ImageIO.read(vips.toFile());
      java.awt.image.BufferedImage b = javax.imageio.ImageIO.read(mine.toFile());
      if (a == null || b == null) {
        return "—";
      }
      return String.format(Locale.ROOT, "%.1f", Psnr.of(a, b));
    } catch (IOException e) {
      return "—";
    }
  }

  private static List<String> javaCommand(
      Path source, String engine, String format, int runs, int warmup, Path output) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xms1g");
    command.add("-Xmx1g");
    command.add("-Dlog4j2.configurationFile=log4j2-local.xml");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ImageEngineBenchmark.class.getName());
    command.addAll(
        List.of(source.toString(), engine, format, "" + runs, "" + warmup, output.toString()));
    return command;
  }

  private record Result(JsonNode line, String failure) {}

  private static Result run(List<String> command, Path workdir, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("VIPS_CONCURRENCY", "1");
    builder.environment().put("UV_THREADPOOL_SIZE", "1");
    builder
        .environment()
        .put("NODE_PATH", workdir.resolve("node_modules").toAbsolutePath().toString());
    Process process = builder.start();
    byte[] output;
    try (var in = process.getInputStream()) {
      output = in.readAllBytes();
    }
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Result(null, "timed out");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    for (String line : text.lines().toList().reversed()) {
      if (line.startsWith("{")
          && (line.contains("\"medianMillis\"") || line.contains("\"unsupported\""))) {
        return new Result(Json.parseTrusted(line), null);
      }
    }
    String last = text.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("no output");
    return new Result(null, "failed (exit " + process.exitValue() + "): " + abbreviate(last));
  }

  private static String abbreviate(String text) {
    String oneLine = text.replace('|', '/');
    return oneLine.length() > 160 ? oneLine.substring(0, 157) + "…" : oneLine;
  }
}
