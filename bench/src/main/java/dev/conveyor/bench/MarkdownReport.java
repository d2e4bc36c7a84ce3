package dev.conveyor.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The run as markdown: command, machine, both tables, saturation points, where the CPU went. */
final class MarkdownReport {
  private MarkdownReport() {}

  static String render(SubmitBenchmark.Result r, Instant at) {
    BenchOptions o = r.options();
    Machine m = r.machine();
    StringBuilder s = new StringBuilder();
    s.append("## Submit benchmark: `POST /v1/jobs` on the embedded local stack\n\n");
    s.append("Run ").append(at.truncatedTo(ChronoUnit.SECONDS)).append(", command:\n\n");
    s.append("```bash\n").append(o.command()).append("\n```\n\n");
    String revision = System.getProperty("bench.revision");
    if (revision != null && !revision.isBlank()) {
      s.append("- Code: `").append(revision).append("`\n");
    }
    s.append("- Machine: ")
        .append(m.processors())
        .append(" CPUs (")
        .append(m.cpuModel())
        .append("), ")
        .append(SubmitBenchmark.gib(m.memoryBytes()))
        .append(" RAM, ")
        .append(m.os())
        .append("; load average (1/5/15 min) ")
        .append(r.loadBefore())
        .append(" before the run, ")
        .append(r.loadAfter())
        .append(" after\n");
    s.append("- JDK: ")
        .append(m.jdk())
        .append("; GC ")
        .append(m.gc())
        .append("; max heap ")
        .append(SubmitBenchmark.gib(m.maxHeapBytes()))
        .append("\n");
    s.append("- JVM flags: `").append(String.join(" ", m.jvmFlags())).append("`\n");
    s.append(
            String.format(
                Locale.ROOT,
                "- Load: open loop, %s s per stage after a %s s warm-up at %d req/s (not"
                    + " reported); %d HttpClient(s), HTTP/1.1, at most %d requests in flight,"
                    + " %s s timeout\n",
                seconds(o.stage()),
                seconds(o.warmup()),
                o.rates().getFirst(),
                o.clients(),
                o.maxInFlight(),
                seconds(o.timeout())))
        .append("- Request: `")
        .append(r.jobBody().replace(r.fixture().uploadId().toString(), "<upload>"))
        .append("` (")
        .append(
            o.tenants() == 1
                ? "one tenant, with one "
                : o.tenants() + " tenants in turn, each with its API key and one ")
        .append(r.fixture().width())
        .append("×")
        .append(r.fixture().height())
        .append(" JPEG upload of ")
        .append(r.fixture().sourceBytes())
        .append(" bytes)")
        .append(
            String.format(
                Locale.ROOT,
                "; at the highest rate, %.0f req/s per tenant\n",
                (double) o.rates().stream().mapToInt(Integer::intValue).max().orElse(0)
                    / o.tenants()));
    s.append("- Function settings: ")
        .append(
            r.overrides().isEmpty()
                ? "the defaults, per-tenant rate limits included (no `--env` overrides)"
                : "defaults but `" + new TreeMap<>(r.overrides()) + "` (`--env`)")
        .append("\n");
    s.append("- Transform workers: ")
        .append(
            o.withWorkers()
                ? "running (`--with-workers`): they consume the jobs on the same CPUs"
                : "stopped (the standard tier's event source mapping is closed before the first"
                    + " job: jobs are accepted and enqueued, nothing consumes them)")
        .append("\n");
    s.append(String.format(Locale.ROOT, "- Local stack start: %.1f s\n\n", r.stackStartSeconds()));

    if (!r.baseline().isEmpty()) {
      s.append("### Anchor: the same client against a do-nothing JDK HttpServer (same run)\n\n");
      table(s, r.baseline());
      s.append("\n").append(saturationLine("Harness ceiling", r.baseline(), o)).append("\n\n");
    }
    s.append("### Conveyor: `POST /v1/jobs` → gateway → submit function → PostgreSQL + SQS\n\n");
    table(s, r.conveyor());
    s.append("\n").append(saturationLine("Saturation point", r.conveyor(), o)).append("\n\n");

    s.append("Latencies are in milliseconds from each request's intended start (open loop);")
        .append(" `202/s` counts `202 Accepted` that arrived within the stage; errors are")
        .append(" other statuses, exceptions, and requests dropped at the in-flight cap. CPU is in")
        .append(" cores (of ")
        .append(m.processors())
        .append("): this JVM (load generator + local stack) / PostgreSQL processes / everything")
        .append(
            " else on the machine. ✓ = at least 95% of the target accepted and p99 < 50 ms.\n\n");

    s.append("Busiest threads of this JVM per stage (cores; digits folded to `#`):\n\n");
    for (StageResult st : r.conveyor()) {
      s.append(String.format(Locale.ROOT, "- %d req/s: ", st.targetRate()))
          .append(
              st.cpu().topThreadGroups().stream()
                  .filter(e -> e.getValue() >= 0.01)
                  .limit(8)
                  .map(e -> String.format(Locale.ROOT, "`%s` %.2f", e.getKey(), e.getValue()))
                  .collect(Collectors.joining(", ")))
          .append(
              String.format(
                  Locale.ROOT,
                  "; GC %d ms; scheduler lag p99 %s ms\n",
                  st.gcMillis(),
                  ms(st.sendLagMicros().getValueAtPercentile(99) / 1000.0)));
    }
    s.append("\nAfter the run: the tenant's jobs by state ")
        .append(r.jobStates())
        .append("; standard queue ")
        .append(r.standardQueue())
        .append(".");
    if (r.late() > 0) {
      s.append(" Responses that arrived after their stage was reported: ")
          .append(r.late())
          .append(".");
    }
    s.append("\n");
    if (!r.failureSamples().isEmpty()) {
      s.append("\nOne example of each failure:\n\n");
      r.failureSamples()
          .forEach((k, v) -> s.append("- `").append(k).append("`: ").append(v).append("\n"));
    }
    return s.toString();
  }

  private static void table(StringBuilder s, List<StageResult> stages) {
    s.append(
        "| target req/s | sent | 202/s | errors | p50 | p90 | p99 | p99.9 | max | CPU jvm / pg /"
            + " other | ok |\n");
    s.append("|---:|---:|---:|---|---:|---:|---:|---:|---:|---|:-:|\n");
    for (StageResult r : stages) {
      s.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %.1f | %s | %s | %s | %s | %s | %s | %s | %s |\n",
              r.targetRate(),
              r.sent(),
              r.achievedRate(),
              r.errorSummary(),
              ms(r.millis(50)),
              ms(r.millis(90)),
              ms(r.millis(99)),
              ms(r.millis(99.9)),
              ms(r.maxMillis()),
              r.cpu().known()
                  ? String.format(
                      Locale.ROOT,
                      "%.2f / %.2f / %.2f",
                      r.cpu().jvmCores(),
                      r.cpu().childCores(),
                      r.cpu().otherCores())
                  : "n/a",
              r.sustained() ? "✓" : "✗"));
    }
  }

  private static String saturationLine(String what, List<StageResult> stages, BenchOptions o) {
    Optional<StageResult> best = SubmitBenchmark.saturation(stages);
    StringBuilder s = new StringBuilder("**").append(what).append(": ");
    if (best.isEmpty()) {
      s.append("none** — no stage reached 95% of its target with p99 < 50 ms.");
      return s.toString();
    }
    StageResult b = best.get();
    s.append(b.targetRate())
        .append(" req/s** (")
        .append(String.format(Locale.ROOT, "%.0f", b.achievedRate()))
        .append(" accepted/s, p99 ")
        .append(ms(b.millis(99)))
        .append(" ms)");
    List<Integer> failedBelow =
        stages.stream()
            .filter(st -> st.targetRate() < b.targetRate() && !st.sustained())
            .map(StageResult::targetRate)
            .toList();
    if (!failedBelow.isEmpty()) {
      s.append("; note: lower stage(s) ").append(failedBelow).append(" missed the criterion");
    }
    if (b.targetRate() == stages.getLast().targetRate() && stages.size() == o.rates().size()) {
      s.append("; the highest rate tried, so the real ceiling is higher");
    }
    return s.append(".").toString();
  }

  static String ms(double millis) {
    if (Double.isNaN(millis)) {
      return "–";
    }
    return millis >= 100
        ? String.format(Locale.ROOT, "%.0f", millis)
        : millis >= 10
            ? String.format(Locale.ROOT, "%.1f", millis)
            : String.format(Locale.ROOT, "%.2f", millis);
  }

  private static String seconds(Duration d) {
    double s = d.toMillis() / 1000.0;
    return s == Math.rint(s) ? Long.toString((long) s) : String.format(Locale.ROOT, "%.1f", s);
  }
}
