package dev.conveyor.local;

import dev.conveyor.bench.BenchArgs;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * Webhook delivery latency on the embedded local stack: from a job's completion (its {@code
 * finished_at}) to the moment the tenant's receiver has the signed {@code job.succeeded} request,
 * first on an idle stack, then while a flood of other jobs keeps the workers busy. The webhook
 * rides the critical tier, with its own queue and consumers, so a flood elsewhere must not delay
 * it: target flooded p99 ≤ 1.2× idle p99.
 *
 * <p>A probe is a small image job submitted through the API and at once cancelled ({@code DELETE
 * /v1/jobs/{id}}): the cancellation ends the job in the request, so the probe never waits in a
 * worker queue, and its {@code job.cancelled} webhook takes the same path as every other (outbox,
 * critical queue, webhook function). If a worker claimed the job first (possible only on the idle
 * stack), the probe ends as {@code job.succeeded} instead, which measures the same path. Probes run
 * one at a time, the next {@code --gap-ms} after the previous one's webhook arrived.
 *
 * <p>The flood is {@code --flood} image jobs (2000×1500 JPEGs to 1200 px) submitted from 8 threads
 * before the flooded probes, so the standard tier's workers are busy throughout them (the report
 * gives the queue before and after). The background tier (video) has no consumer in the local stack
 * yet, so flooding it would load nothing.
 *
 * <p>{@code bench/run-webhook-latency.sh [--probes=200] [--flood=500] [--gap-ms=50]}. Loopback
 * only; bounded: every wait has a deadline, and the run stops by itself.
 */
public final class WebhookLatencyBenchmark {
  private WebhookLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchArgs options = BenchArgs.parse(args, "probes", "flood", "gap-ms", "out");
    int probes = options.intValue("probes", 200);
    int flood = options.intValue("flood", 500);
    long gapMillis = options.longValue("gap-ms", 50);
    Path out = Path.of(options.get("out", "bench/target/webhook-latency.md"));
    PrintStream console = System.out;

    // One tenant submits the whole flood at once: lift its write limit so the flood is the load.
    Map<String, String> overrides =
        Map.of(
            "RATE_LIMIT_WRITES_PER_SECOND", "100000",
            "RATE_LIMIT_WRITES_BURST", "100000");
    try (LocalStack stack = LocalStack.start(new LocalStack.Settings(0, "conveyor", overrides));
        WebhookReceiver receiver = new WebhookReceiver().start()) {
      BenchAccess.Fixture probe =
          BenchAccess.prepare(
              stack,
              "latency-probe",
              320,
              240,
              Duration.ofSeconds(60),
              Optional.of(receiver.url()));
      receiver.trust(probe.webhookSecret().orElseThrow());
      BenchAccess.Fixture load =
          BenchAccess.prepare(stack, "latency-flood", 2000, 1500, Duration.ofSeconds(60));
      ApiClient probeApi = new ApiClient(stack.apiUrl(), probe.apiKey());
      ApiClient floodApi = new ApiClient(stack.apiUrl(), load.apiKey());

      console.println("warm-up: 10 probes (not reported)");
      measure(stack, probeApi, receiver, probe, 10, gapMillis);
      console.printf("idle: %d probes%n", probes);
      Histogram idle = measure(stack, probeApi, receiver, probe, probes, gapMillis);

      console.printf("flood: %d image jobs on the standard tier%n", flood);
      String floodJob = job(load.uploadId(), 1200);
      try (ExecutorService submitters = Executors.newFixedThreadPool(8)) {
        List<Future<ApiClient.Response>> submitted = new ArrayList<>();
        for (int i = 0; i < flood; i++) {
          submitted.add(submitters.submit(() -> floodApi.post("/v1/jobs", floodJob)));
        }
        for (Future<ApiClient.Response> accepted : submitted) {
          if (accepted.get().status() != 202) {
            throw new IllegalStateException("a flood job was answered " + accepted.get().status());
          }
        }
      }
      long queuedBefore = queued(stack);
      console.printf("flooded: %d probes, %d image jobs queued%n", probes, queuedBefore);
      Histogram flooded = measure(stack, probeApi, receiver, probe, probes, gapMillis);
      long queuedAfter = queued(stack);

      String report = report(idle, flooded, probes, flood, gapMillis, queuedBefore, queuedAfter);
      console.println(report);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, report);
      console.println("(report written to " + out.toAbsolutePath() + ")");
    }
  }

  /** Submits {@code count} probe jobs one after another; completion-to-receipt in µs. */
  private static Histogram measure(
      LocalStack stack,
      ApiClient api,
      WebhookReceiver receiver,
      BenchAccess.Fixture probe,
      int count,
      long gapMillis)
      throws InterruptedException {
    Histogram latencies = new Histogram(3_600_000_000L, 3);
    String body = job(probe.uploadId(), 64);
    for (int i = 0; i < count; i++) {
      ApiClient.Response accepted = api.post("/v1/jobs", body);
      if (accepted.status() != 202) {
        throw new IllegalStateException("a probe job was answered " + accepted.status());
      }
      JobId id = JobId.parse(accepted.json().path("id").asText()).orElseThrow();
      int cancelled = api.delete("/v1/jobs/" + id).status();
      if (cancelled != 200 && cancelled != 409) {
        throw new IllegalStateException("cancelling a probe job was answered " + cancelled);
      }
      WebhookReceiver.Received webhook = awaitWebhook(receiver, id, Duration.ofMinutes(5));
      Job job = stack.infrastructure().jobStore().find(id).orElseThrow();
      if (job.state() != JobState.CANCELLED && job.state() != JobState.SUCCEEDED
          || job.finishedAt() == null) {
        throw new IllegalStateException("probe job " + id + " ended " + job.state());
      }
      long micros = Duration.between(job.finishedAt(), webhook.receivedAt()).toNanos() / 1_000;
      latencies.recordValue(Math.max(0, micros));
      Thread.sleep(gapMillis);
    }
    return latencies;
  }

  private static WebhookReceiver.Received awaitWebhook(
      WebhookReceiver receiver, JobId job, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Optional<WebhookReceiver.Received> next =
          receiver.next(Duration.between(Instant.now(), deadline));
      if (next.isPresent() && next.get().verified() && next.get().body().contains(job.toString())) {
        return next.get();
      }
    }
    throw new IllegalStateException("no verified webhook for job " + job + " within " + timeout);
  }

  /** Jobs waiting for a worker, all tenants. */
  private static long queued(LocalStack stack) throws SQLException {
    try (Connection connection = stack.infrastructure().dataSource().getConnection();
        PreparedStatement count =
            connection.prepareStatement("select count(*) from jobs where state = 'queued'");
        ResultSet rows = count.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static String job(UUID uploadId, int width) {
    return "{\"type\":\"image.transform\",\"source\":{\"uploadId\":\""
        + uploadId
        + "\"},\"renditions\":[{\"name\":\"r\",\"width\":"
        + width
        + ",\"format\":\"jpeg\"}]}";
  }

  private static String report(
      Histogram idle,
      Histogram flooded,
      int probes,
      int flood,
      long gapMillis,
      long queuedBefore,
      long queuedAfter) {
    double idleP99 = idle.getValueAtPercentile(99) / 1000.0;
    double floodedP99 = flooded.getValueAtPercentile(99) / 1000.0;
    double ratio = floodedP99 / idleP99;
    StringBuilder s = new StringBuilder();
    s.append("## Webhook delivery latency: job completion → signed request at the receiver\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "%d probes per phase (submit, cancel, wait for the webhook), one at a time, %d ms"
                    + " apart; flood: %d image jobs (2000×1500 → 1200 px) on the standard tier,"
                    + " %d of them still queued when the flooded probes began, %d when they"
                    + " ended.%n%n",
                probes,
                gapMillis,
                flood,
                queuedBefore,
                queuedAfter))
        .append("| phase | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
    row(s, "idle", idle);
    row(s, "flooded", flooded);
    s.append(
        String.format(
            Locale.ROOT,
            "%nflooded p99 / idle p99 = %.2f (target ≤ 1.2: %s)%n",
            ratio,
            ratio <= 1.2 ? "met" : "not met"));
    return s.toString();
  }

  private static void row(StringBuilder s, String phase, Histogram h) {
    s.append(
        String.format(
            Locale.ROOT,
            "| %s | %.1f | %.1f | %.1f | %.1f |%n",
            phase,
            h.getValueAtPercentile(50) / 1000.0,
            h.getValueAtPercentile(90) / 1000.0,
            h.getValueAtPercentile(99) / 1000.0,
            h.getMaxValue() / 1000.0));
  }
}
