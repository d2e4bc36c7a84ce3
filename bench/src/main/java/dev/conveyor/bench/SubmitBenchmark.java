package dev.conveyor.bench;

import dev.conveyor.core.json.Json;
import dev.conveyor.local.BenchAccess;
import dev.conveyor.local.LocalStack;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * How many {@code POST /v1/jobs} per second the embedded local stack accepts, and how fast.
 *
 * <p>Starts {@link LocalStack} in this JVM, creates a tenant, uploads one small JPEG (presigned
 * PUT, as a tenant would), then drives {@code POST /v1/jobs} — each a valid {@code image.transform}
 * of that upload with one small rendition — open loop at increasing fixed rates ({@link
 * OpenLoopLoad}). Before that, the same client runs the same stages against a do-nothing loopback
 * server ({@link BaselineServer}): the harness's own ceiling, measured in the same run.
 *
 * <p>Transform workers: by default the standard tier's consumers (the {@code conveyor-transform}
 * event source mapping) are stopped before the first job ({@link BenchAccess#stopConsumers}), so
 * the benchmark measures submission alone: jobs are accepted, recorded and enqueued exactly as
 * usual, and nothing consumes them. {@code --with-workers} keeps them: the workers then transform
 * the submitted jobs on the same CPUs. (Holding the jobs back with an SQS delivery delay instead
 * does not work on the local stack: ElasticMQ's sends slow down as delayed messages pile up.)
 *
 * <p>Loopback only; bounded in count ({@code rate × stage} requests a stage) and in time (a
 * watchdog halts the JVM past the worst case); exits by itself. See docs/benchmarks.md.
 */
public final class SubmitBenchmark {
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  /** The function behind the standard tier's consumers (image jobs). */
  private static final String TRANSFORM_FUNCTION = "conveyor-transform";

  private SubmitBenchmark() {}

  /** Everything one run measured. */
  record Result(
      Machine machine,
      BenchOptions options,
      String loadBefore,
      String loadAfter,
      double stackStartSeconds,
      Map<String, String> overrides,
      BenchAccess.Fixture fixture,
      String jobBody,
      List<StageResult> baseline,
      List<StageResult> conveyor,
      Map<String, Long> jobStates,
      Map<String, String> standardQueue,
      Map<String, String> failureSamples,
      long late,
      String markdown) {
    Result withMarkdown(String text) {
      return new Result(
          machine,
          options,
          loadBefore,
          loadAfter,
          stackStartSeconds,
          overrides,
          fixture,
          jobBody,
          baseline,
          conveyor,
          jobStates,
          standardQueue,
          failureSamples,
          late,
          text);
    }
  }

  public static void main(String[] args) {
    // Function logs (JSON, as on Lambda) go to a file, as with ./conveyor: chosen before any
    // logger exists.
    if (System.getProperty("conveyor.log.file") == null) {
      System.setProperty("conveyor.log.file", "target/submit-benchmark-functions.log");
    }
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "log4j2-local.xml");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int status;
    try {
      BenchOptions options = BenchOptions.parse(args);
      startWatchdog(options, out);
      run(options, out);
      status = 0;
    } catch (IllegalArgumentException e) {
      out.println(e.getMessage());
      status = 2;
    } catch (Exception e) {
      out.println("benchmark FAILED: " + e);
      e.printStackTrace(out);
      status = 1;
    }
    // Emulator threads (Pekko, Jetty, DynamoDB Local) are not all daemons: exit explicitly.
    System.exit(status);
  }

  static Result run(BenchOptions o, PrintStream out) throws Exception {
    Machine machine = Machine.describe();
    String loadBefore = Machine.loadAverage();
    out.printf(
        "Submit benchmark: POST /v1/jobs on the embedded local stack, open loop at %s req/s%n",
        o.rates());
    out.printf(
        "  machine: %d CPUs (%s), %s; %s; load average %s%n",
        machine.processors(),
        machine.cpuModel(),
        gib(machine.memoryBytes()),
        machine.jdk(),
        loadBefore);

    long started = System.nanoTime();
    Map<String, String> overrides = o.env();
    try (LocalStack stack =
        LocalStack.start(new LocalStack.Settings(0, "conveyor", Map.copyOf(overrides)))) {
      double stackStartSeconds = (System.nanoTime() - started) / 1e9;
      out.printf("  local stack up in %.1f s, API %s%n", stackStartSeconds, stack.apiUrl());
      OptionalLong postgres =
          CpuMeter.postgresServer(URI.create(stack.services().jdbcUrl().substring(5)).getPort());
      out.println(
          "  PostgreSQL server process: "
              + (postgres.isPresent()
                  ? "pid " + postgres.getAsLong()
                  : "not found (its CPU counts as other)"));
      try (OpenLoopLoad load =
          new OpenLoopLoad(o.clients(), o.maxInFlight(), o.timeout(), new CpuMeter(postgres))) {
        return measure(
            o, out, machine, loadBefore, stackStartSeconds, Map.copyOf(overrides), stack, load);
      }
    }
  }

  private static Result measure(
      BenchOptions o,
      PrintStream out,
      Machine machine,
      String loadBefore,
      double stackStartSeconds,
      Map<String, String> overrides,
      LocalStack stack,
      OpenLoopLoad load)
      throws Exception {
    if (!o.withWorkers()) {
      BenchAccess.stopConsumers(stack, TRANSFORM_FUNCTION);
      out.println(
          "  transform workers stopped: standard-tier jobs are accepted and enqueued, not"
              + " processed (--with-workers keeps them)");
    } else {
      out.println("  transform workers running (--with-workers): they compete for the CPUs");
    }
    List<BenchAccess.Fixture> fixtures = new ArrayList<>();
    try (ExecutorService setup = Executors.newFixedThreadPool(8)) {
      List<Future<BenchAccess.Fixture>> pending = new ArrayList<>();
      for (int t = 0; t < o.tenants(); t++) {
        String name = "bench-" + t;
        pending.add(
            setup.submit(() ->
                BenchAccess.prepare(
                    stack, name, o.sourceWidth(), o.sourceHeight(), Duration.ofSeconds(60))));
      }
      for (Future<BenchAccess.Fixture> f : pending) {
        fixtures.add(f.get());
      }
    }
    BenchAccess.Fixture fixture = fixtures.getFirst();
    out.printf(
        "  %d tenant(s), each with its API key and one uploaded %d×%d JPEG (%d bytes), received%n",
        fixtures.size(), fixture.width(), fixture.height(), fixture.sourceBytes());

    String jobBody = jobBody(fixture.uploadId(), o.renditionWidth());
    List<HttpRequest> submits = requests(stack.apiUrl(), fixtures, o);
    HttpResponse<String> sanity = sanityCheck(submits.getFirst());
    out.printf(
        "  sanity request: %d, Location %s%n",
        sanity.statusCode(), sanity.headers().firstValue("location").orElse("?"));

    List<StageResult> baseline = List.of();
    if (o.baseline()) {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("content-type", sanity.headers().firstValue("content-type").orElseThrow());
      headers.put("location", sanity.headers().firstValue("location").orElseThrow());
      try (BaselineServer server =
          new BaselineServer(16, headers, sanity.body().getBytes(StandardCharsets.UTF_8))) {
        out.println("Baseline (anchor): the same client against a do-nothing JDK HttpServer");
        baseline = stages(load, "baseline", requests(server.url(), fixtures, o), () -> {}, o, out);
      }
    }
    out.println("Conveyor: POST /v1/jobs through the local gateway and the submit function");
    List<StageResult> conveyor = stages(load, "conveyor", submits, jobsSettled(stack), o, out);

    Map<String, Long> jobStates = jobStates(stack);
    Map<String, String> queue = standardQueue(stack);
    String loadAfter = Machine.loadAverage();
    Result result =
        new Result(
            machine,
            o,
            loadBefore,
            loadAfter,
            stackStartSeconds,
            overrides,
            fixture,
            jobBody,
            baseline,
            conveyor,
            jobStates,
            queue,
            load.failureSamples(),
            load.late(),
            "");
    String markdown = MarkdownReport.render(result, Instant.now());
    out.println();
    out.println(markdown);
    if (o.out().isPresent()) {
      Files.createDirectories(o.out().get().toAbsolutePath().getParent());
      Files.writeString(o.out().get(), markdown);
      out.println("(report written to " + o.out().get() + ")");
    }
    return result.withMarkdown(markdown);
  }

  /**
   * Waits until the system under test has worked off what earlier stages left behind (requests the
   * client gave up on may still be queued server-side), so that no stage inherits another's
   * backlog.
   */
  @FunctionalInterface
  interface Settle {
    void await() throws Exception;
  }

  /** The warm-up (unreported), then each rate in turn until the system collapses. */
  private static List<StageResult> stages(
      OpenLoopLoad load,
      String name,
      List<HttpRequest> requests,
      Settle settle,
      BenchOptions o,
      PrintStream out)
      throws Exception {
    if (!o.warmup().isZero()) {
      StageResult warm = load.run(name + " warm-up", requests, o.rates().getFirst(), o.warmup());
      out.println("  " + progress(warm) + "  (warm-up, not reported)");
      settle(settle, out);
    }
    List<StageResult> results = new ArrayList<>();
    for (int rate : o.rates()) {
      StageResult r = load.run(name, requests, rate, o.stage());
      results.add(r);
      out.println("  " + progress(r));
      if (r.achievedRate() < o.stopBelow() * rate) {
        out.printf(
            "  stopping: %.0f%% of the target reached, below %.0f%% (higher rates would only add"
                + " backlog)%n",
            100 * r.achievedRate() / rate, 100 * o.stopBelow());
        break;
      }
      settle(settle, out);
    }
    return results;
  }

  private static void settle(Settle settle, PrintStream out) throws Exception {
    long started = System.nanoTime();
    Thread.sleep(1000);
    settle.await();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (seconds > 2) {
      out.printf("  (waited %.1f s for the backlog to clear)%n", seconds);
    }
  }

  /** Until the number of jobs stops growing for half a second (at most a minute). */
  private static Settle jobsSettled(LocalStack stack) {
    return () -> {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      long last = -1;
      while (System.nanoTime() < deadline) {
        long count = jobStates(stack).values().stream().mapToLong(Long::longValue).sum();
        if (count == last) {
          return;
        }
        last = count;
        Thread.sleep(500);
      }
    };
  }

  private static String progress(StageResult r) {
    return String.format(
        "%s %5d req/s: %7.1f accepted/s, p50 %s p99 %s max %s ms, errors %s, CPU jvm %.2f pg %.2f"
            + " other %.2f",
        CLOCK.format(r.started()),
        r.targetRate(),
        r.achievedRate(),
        MarkdownReport.ms(r.millis(50)),
        MarkdownReport.ms(r.millis(99)),
        MarkdownReport.ms(r.maxMillis()),
        r.errorSummary(),
        r.cpu().jvmCores(),
        r.cpu().childCores(),
        r.cpu().otherCores());
  }

  static String jobBody(UUID uploadId, int renditionWidth) {
    return Json.write(
        Map.of(
            "type",
            "image.transform",
            "source",
            Map.of("uploadId", uploadId.toString()),
            "renditions",
            List.of(
                Map.of(
                    "name", "thumb", "width", renditionWidth, "format", "jpeg", "quality", 80))));
  }

  /** One request per tenant, each a job on that tenant's upload; used round-robin. */
  private static List<HttpRequest> requests(
      URI base, List<BenchAccess.Fixture> fixtures, BenchOptions o) {
    return fixtures.stream()
        .map(f ->
            submitRequest(base, f.apiKey(), jobBody(f.uploadId(), o.renditionWidth()), o.timeout()))
        .toList();
  }

  /** One immutable request, sent again and again (its body publisher can be replayed). */
  private static HttpRequest submitRequest(URI base, String apiKey, String body, Duration timeout) {
    return HttpRequest.newBuilder(base.resolve("/v1/jobs"))
        .header("authorization", "Bearer " + apiKey)
        .header("content-type", "application/json")
        .timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpResponse<String> sanityCheck(HttpRequest submit)
      throws IOException, InterruptedException {
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> response = client.send(submit, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 202 || response.headers().firstValue("location").isEmpty()) {
        throw new IllegalStateException(
            "the sanity request was not accepted: "
                + response.statusCode()
                + " "
                + response.body());
      }
      return response;
    }
  }

  private static Map<String, String> standardQueue(LocalStack stack) {
    String url = stack.env().get("QUEUE_URL_STANDARD");
    Map<String, String> attributes = new LinkedHashMap<>();
    stack
        .infrastructure()
        .aws()
        .sqs()
        .getQueueAttributes(r ->
            r.queueUrl(url)
                .attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
        .attributes()
        .forEach((k, v) -> attributes.put(k.toString(), v));
    return attributes;
  }

  /** Every job by state (the benchmark's tenants are the only ones), straight from PostgreSQL. */
  private static Map<String, Long> jobStates(LocalStack stack) throws SQLException {
    Map<String, Long> states = new LinkedHashMap<>();
    try (Connection c = stack.infrastructure().dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("select state, count(*) from jobs group by state order by state")) {
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          states.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    return states;
  }

  /** Halts the JVM if the run outlives its worst case: the benchmark always ends by itself. */
  private static void startWatchdog(BenchOptions o, PrintStream out) {
    // A stage, its drain, and its settling (at most a minute), with room to spare.
    long perStage = o.stage().toSeconds() + o.timeout().toSeconds() + 75;
    long bound = 180 + 2 * (o.warmup().toSeconds() + perStage * (o.rates().size() + 1));
    Thread.ofPlatform()
        .daemon()
        .name("bench-watchdog")
        .start(() -> {
          try {
            Thread.sleep(Duration.ofSeconds(bound));
            out.println("benchmark FAILED: still running after " + bound + " s; halting");
            Runtime.getRuntime().halt(3);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  static String gib(long bytes) {
    return String.format("%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  }

  static Optional<StageResult> saturation(List<StageResult> stages) {
    return stages.stream()
        .filter(StageResult::sustained)
        .max((a, b) -> Integer.compare(a.targetRate(), b.targetRate()));
  }
}
