package dev.conveyor.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-loop load generator, in the manner of wrk2: request {@code i} of a stage at {@code R}
 * requests per second is due at {@code start + i/R}, and is sent then whatever happened to the
 * requests before it; its latency runs from that intended start, not from when it was actually
 * sent, so a slow response delays nothing and hides nothing (no coordinated omission). Responses
 * come back asynchronously ({@link HttpClient#sendAsync}) on a few shared clients.
 *
 * <p>Bounded: at most {@code maxInFlight} requests are outstanding; a request that falls due while
 * the cap is reached is not sent and counts as dropped (reported, never skipped silently). Each
 * request times out after {@code timeout}; after its window a stage drains for at most {@code
 * timeout} plus five seconds.
 */
final class OpenLoopLoad implements AutoCloseable {
  private final HttpClient[] clients;
  private final Semaphore inFlight;
  private final Duration timeout;
  private final CpuMeter cpu;
  private final LongAdder late = new LongAdder();
  private final ConcurrentMap<String, String> failureSamples = new ConcurrentHashMap<>();
  private long sequence;

  OpenLoopLoad(int clients, int maxInFlight, Duration timeout, CpuMeter cpu) {
    this.cpu = cpu;
    this.clients = new HttpClient[clients];
    for (int i = 0; i < clients; i++) {
      this.clients[i] =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(timeout)
              .build();
    }
    this.inFlight = new Semaphore(maxInFlight);
    this.timeout = timeout;
  }

  /** What one stage is collecting while its requests are out. */
  private static final class Stage {
    final long windowEnd;
    final Recorder latency = new Recorder(3);
    final LongAdder acceptedInWindow = new LongAdder();
    final LongAdder acceptedTotal = new LongAdder();
    final ConcurrentMap<String, LongAdder> failures = new ConcurrentHashMap<>();
    final AtomicLong pending = new AtomicLong();
    volatile boolean closed;

    Stage(long windowEnd) {
      this.windowEnd = windowEnd;
    }
  }

  /**
   * Sends {@code requests} (round-robin) at {@code rate} per second for {@code duration}, then
   * waits for the stage's responses.
   */
  StageResult run(String label, List<HttpRequest> requests, int rate, Duration duration) {
    double periodNanos = 1e9 / rate;
    long due = (long) Math.floor(rate * (duration.toNanos() / 1e9));
    long start = System.nanoTime() + 10_000_000;
    Instant startedAt = Instant.now().plusMillis(10);
    Stage stage = new Stage(start + duration.toNanos());
    Histogram sendLag = new Histogram(3);
    long dropped = 0;

    CpuMeter.Snapshot before = cpu.snapshot();
    long gcBefore = Machine.gcMillis();
    for (long i = 0; i < due; i++) {
      long intended = start + Math.round(i * periodNanos);
      long now = System.nanoTime();
      while (now < intended) {
        LockSupport.parkNanos(intended - now);
        now = System.nanoTime();
      }
      sendLag.recordValue((now - intended) / 1000);
      if (!inFlight.tryAcquire()) {
        dropped++;
        continue;
      }
      send(stage, requests.get((int) (i % requests.size())), intended);
    }
    for (long now = System.nanoTime(); now < stage.windowEnd; now = System.nanoTime()) {
      LockSupport.parkNanos(stage.windowEnd - now);
    }
    CpuMeter.Usage usage = cpu.between(before, cpu.snapshot());
    long gcMillis = Machine.gcMillis() - gcBefore;

    long drainDeadline = System.nanoTime() + timeout.toNanos() + 5_000_000_000L;
    while (stage.pending.get() > 0 && System.nanoTime() < drainDeadline) {
      LockSupport.parkNanos(5_000_000);
    }
    stage.closed = true;
    long unfinished = stage.pending.get();
    Map<String, Long> failures = new TreeMap<>();
    stage.failures.forEach((k, v) -> failures.put(k, v.sum()));
    return new StageResult(
        label,
        startedAt,
        rate,
        duration.toNanos() / 1e9,
        due,
        due - dropped,
        dropped,
        stage.acceptedInWindow.sum(),
        stage.acceptedTotal.sum(),
        new TreeMap<>(failures),
        unfinished,
        stage.latency.getIntervalHistogram(),
        sendLag,
        usage,
        gcMillis);
  }

  private void send(Stage stage, HttpRequest request, long intended) {
    stage.pending.incrementAndGet();
    HttpClient client = clients[(int) (sequence++ % clients.length)];
    try {
      client
          .sendAsync(request, this::body)
          .whenComplete((response, error) ->
              complete(stage, intended, response == null ? -1 : response.statusCode(), error));
    } catch (RuntimeException e) {
      complete(stage, intended, -1, e);
    }
  }

  /** Discards a 202's body; keeps one body per other status, to show what went wrong. */
  private HttpResponse.BodySubscriber<Void> body(HttpResponse.ResponseInfo info) {
    if (info.statusCode() == 202) {
      return HttpResponse.BodySubscribers.discarding();
    }
    return HttpResponse.BodySubscribers.mapping(
        HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
        text -> {
          failureSamples.putIfAbsent(Integer.toString(info.statusCode()), abbreviate(text));
          return null;
        });
  }

  private void complete(Stage stage, long intended, int status, Throwable error) {
    long done = System.nanoTime();
    try {
      if (stage.closed) {
        late.increment();
        return;
      }
      stage.latency.recordValue(Math.max(0, (done - intended) / 1000));
      if (error == null && status == 202) {
        stage.acceptedTotal.increment();
        if (done <= stage.windowEnd) {
          stage.acceptedInWindow.increment();
        }
      } else {
        String outcome = error == null ? Integer.toString(status) : describe(error);
        if (error != null) {
          failureSamples.putIfAbsent(outcome, abbreviate(String.valueOf(unwrap(error))));
        }
        stage.failures.computeIfAbsent(outcome, k -> new LongAdder()).increment();
      }
    } finally {
      stage.pending.decrementAndGet();
      inFlight.release();
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static String describe(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof HttpTimeoutException) {
      return "timeout";
    }
    if (e instanceof ConnectException) {
      return "connect-failed";
    }
    if (e instanceof IOException) {
      return "io-error";
    }
    return e.getClass().getSimpleName();
  }

  private static String abbreviate(String text) {
    String oneLine = text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
  }

  /** Responses that arrived after their stage had been reported (they are in no stage). */
  long late() {
    return late.sum();
  }

  /** One example per failure kind (status code or exception), for the report. */
  Map<String, String> failureSamples() {
    return new TreeMap<>(failureSamples);
  }

  @Override
  public void close() {
    for (HttpClient client : clients) {
      client.shutdownNow();
    }
  }
}
