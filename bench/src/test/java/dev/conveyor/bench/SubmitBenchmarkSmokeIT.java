package dev.conveyor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmark from rotting: one second at a low rate, baseline and Conveyor, through the
 * real harness on the real local stack. It measures nothing worth reading; the benchmark itself is
 * {@link SubmitBenchmark#main}, run by bench/run-submit-benchmark.sh.
 */
class SubmitBenchmarkSmokeIT {

  @Test
  void aOneSecondLowRateRunAcceptsEveryJobAndReports() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    BenchOptions options =
        BenchOptions.parse(
            "--rates=10",
            "--stage-seconds=1",
            "--warmup-seconds=0",
            "--timeout-seconds=10",
            // One request per tenant: the per-tenant rate limiter sees no concurrent requests.
            "--tenants=10");

    SubmitBenchmark.Result result =
        SubmitBenchmark.run(options, new PrintStream(console, true, StandardCharsets.UTF_8));

    assertThat(result.baseline()).hasSize(1);
    assertThat(result.conveyor()).hasSize(1);
    StageResult stage = result.conveyor().getFirst();
    assertThat(stage.due()).isEqualTo(10);
    assertThat(stage.errors()).as(console.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(stage.acceptedTotal()).isEqualTo(10);
    assertThat(stage.latencyMicros().getTotalCount()).isEqualTo(10);
    // Workers stopped: every job (10 + the sanity request) is still queued.
    assertThat(result.jobStates()).containsExactly(Map.entry("queued", 11L));
    assertThat(result.markdown())
        .contains("| target req/s |")
        .contains("| 10 | 10 |")
        .contains("Saturation point");
  }
}
