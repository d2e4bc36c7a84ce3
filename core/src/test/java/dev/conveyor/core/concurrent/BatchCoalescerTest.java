package dev.conveyor.core.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BatchCoalescerTest {
  private final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void stopCallers() {
    callers.shutdownNow();
  }

  @Test
  void aLoneCallerMakesOneCallWithItsOwnItem() {
    BatchCoalescer<String> coalescer = new BatchCoalescer<>(10, recordingSuccess());

    coalescer.submit("a");
    coalescer.submit("b");

    assertThat(calls).containsExactly(List.of("a"), List.of("b"));
  }

  @Test
  void itemsSubmittedWhileACallIsInFlightGoOutTogetherInTheNextCall() throws Exception {
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch releaseFirstCall = new CountDownLatch(1);
    BatchCoalescer<String> coalescer =
        new BatchCoalescer<>(
            10,
            items -> {
              calls.add(List.copyOf(items));
              if (items.contains("first")) {
                firstCallStarted.countDown();
                await(releaseFirstCall);
              }
              return Arrays.asList(new RuntimeException[items.size()]);
            });

    Future<?> first = callers.submit(() -> coalescer.submit("first"));
    assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
    List<Future<?>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String item = "queued-" + i;
      waiting.add(callers.submit(() -> coalescer.submit(item)));
    }
    awaitQueued(coalescer, 5);
    releaseFirstCall.countDown();
    first.get(5, TimeUnit.SECONDS);
    for (Future<?> future : waiting) {
      future.get(5, TimeUnit.SECONDS);
    }

    assertThat(calls).hasSize(2);
    assertThat(calls.get(1))
        .containsExactlyInAnyOrder("queued-0", "queued-1", "queued-2", "queued-3", "queued-4");
  }

  @Test
  void noCallCarriesMoreThanTheMaximumBatch() throws Exception {
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch releaseFirstCall = new CountDownLatch(1);
    BatchCoalescer<String> coalescer =
        new BatchCoalescer<>(
            3,
            items -> {
              calls.add(List.copyOf(items));
              if (items.contains("first")) {
                firstCallStarted.countDown();
                await(releaseFirstCall);
              }
              return Arrays.asList(new RuntimeException[items.size()]);
            });

    Future<?> first = callers.submit(() -> coalescer.submit("first"));
    assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
    List<Future<?>> waiting = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String item = "queued-" + i;
      waiting.add(callers.submit(() -> coalescer.submit(item)));
    }
    awaitQueued(coalescer, 7);
    releaseFirstCall.countDown();
    first.get(5, TimeUnit.SECONDS);
    for (Future<?> future : waiting) {
      future.get(5, TimeUnit.SECONDS);
    }

    assertThat(calls).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(3));
    assertThat(calls.stream().mapToInt(List::size).sum()).isEqualTo(8);
  }

  @Test
  void eachCallerGetsOnlyItsOwnItemsFailure() throws Exception {
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch releaseFirstCall = new CountDownLatch(1);
    BatchCoalescer<String> coalescer =
        new BatchCoalescer<>(
            10,
            items -> {
              if (items.contains("first")) {
                firstCallStarted.countDown();
                await(releaseFirstCall);
              }
              List<RuntimeException> outcome = new ArrayList<>();
              items.forEach(item ->
                  outcome.add(item.startsWith("bad") ? new IllegalStateException(item) : null));
              return outcome;
            });

    Future<?> first = callers.submit(() -> coalescer.submit("first"));
    assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
    Future<?> good = callers.submit(() -> coalescer.submit("good"));
    Future<?> bad = callers.submit(() -> coalescer.submit("bad-1"));
    awaitQueued(coalescer, 2);
    releaseFirstCall.countDown();

    first.get(5, TimeUnit.SECONDS);
    good.get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bad-1");
  }

  @Test
  void aCallThatThrowsFailsEveryItemItCarried() {
    BatchCoalescer<String> coalescer =
        new BatchCoalescer<>(
            10,
            items -> {
              throw new IllegalStateException("service down");
            });

    assertThatThrownBy(() -> coalescer.submit("a")).hasMessage("service down");
  }

  @Test
  void aCallThatDoesNotReportOnEveryItemFailsThem() {
    BatchCoalescer<String> coalescer = new BatchCoalescer<>(10, items -> List.of());

    assertThatThrownBy(() -> coalescer.submit("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("every item");
  }

  private BatchCoalescer.BatchCall<String> recordingSuccess() {
    return items -> {
      calls.add(List.copyOf(items));
      return Arrays.asList(new RuntimeException[items.size()]);
    };
  }

  /** Waits until {@code count} items are queued behind the call in flight. */
  private static void awaitQueued(BatchCoalescer<?> coalescer, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (coalescer.queuedItems() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(count + " items should be queued");
      }
      Thread.sleep(5);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
