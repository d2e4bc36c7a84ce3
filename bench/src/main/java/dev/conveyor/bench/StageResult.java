package dev.conveyor.bench;

import java.time.Instant;
import java.util.SortedMap;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * One stage at a fixed arrival rate.
 *
 * @param started when the stage's window began (wall clock, to match profiles against)
 * @param seconds how long the stage issued requests (its window)
 * @param due requests scheduled in the window: {@code rate × seconds}
 * @param sent requests actually sent ({@code due - dropped})
 * @param dropped requests not sent because {@code maxInFlight} requests were already in flight
 * @param acceptedInWindow {@code 202}s that arrived within the window: the achieved rate
 * @param acceptedTotal every {@code 202} of the stage, including those that arrived after the
 *     window, while the stage drained
 * @param failures every other outcome of a sent request, by status code or exception
 * @param unfinished requests still in flight when the drain gave up (counted as errors)
 * @param latencyMicros response time of every sent request that completed, whatever its outcome,
 *     measured from its intended start time (not from when it was actually sent)
 * @param sendLagMicros how late the scheduler sent each request after its intended start (the
 *     harness's own lag, included in the latencies above)
 * @param cpu where the machine's CPU went during the window
 * @param gcMillis this JVM's garbage-collection time during the window
 */
record StageResult(
    String label,
    Instant started,
    int targetRate,
    double seconds,
    long due,
    long sent,
    long dropped,
    long acceptedInWindow,
    long acceptedTotal,
    SortedMap<String, Long> failures,
    long unfinished,
    Histogram latencyMicros,
    Histogram sendLagMicros,
    CpuMeter.Usage cpu,
    long gcMillis) {

  /** The saturation criterion's thresholds. */
  static final double MIN_ACHIEVED_FRACTION = 0.95;

  static final double MAX_P99_MILLIS = 50.0;

  double achievedRate() {
    return acceptedInWindow / seconds;
  }

  long errors() {
    return failures.values().stream().mapToLong(Long::longValue).sum() + dropped + unfinished;
  }

  /** Milliseconds at a percentile, NaN if nothing completed. */
  double millis(double percentile) {
    return latencyMicros.getTotalCount() == 0
        ? Double.NaN
        : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  double maxMillis() {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
  }

  /** Achieved ≥ 95% of the target and p99 under 50 ms. */
  boolean sustained() {
    return achievedRate() >= MIN_ACHIEVED_FRACTION * targetRate && millis(99.0) < MAX_P99_MILLIS;
  }

  String errorSummary() {
    StringBuilder s = new StringBuilder();
    s.append(
        failures.entrySet().stream()
            .map(e -> e.getKey() + "×" + e.getValue())
            .collect(Collectors.joining(", ")));
    if (dropped > 0) {
      s.append(s.isEmpty() ? "" : ", ").append("dropped×").append(dropped);
    }
    if (unfinished > 0) {
      s.append(s.isEmpty() ? "" : ", ").append("unfinished×").append(unfinished);
    }
    return s.isEmpty() ? "0" : s.toString();
  }
}
