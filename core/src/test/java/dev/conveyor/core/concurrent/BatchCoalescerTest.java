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
    HeldFirstCall held = new HeldFirstCall(10, BatchCoalescerTest::allSucceed);

    held.submitWhileHeld("queued-0", "queued-1", "queued-2", "queued-3", "queued-4");
    held.releaseAndAwaitAll();

    assertThat(calls).hasSize(2);
    assertThat(calls.get(1))
        .containsExactlyInAnyOrder("queued-0", "queued-1", "queued-2", "queued-3", "queued-4");
  }

  @Test
  void noCallCarriesMoreThanTheMaximumBatch() throws Exception {
    HeldFirstCall held = new HeldFirstCall(3, BatchCoalescerTest::allSucceed);

    held.submitWhileHeld("q0", "q1", "q2", "q3", "q4", "q5", "q6");
    held.releaseAndAwaitAll();

    assertThat(calls).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(3));
    assertThat(calls.stream().mapToInt(List::size).sum()).isEqualTo(8);
  }

  @Test
  void eachCallerGetsOnlyItsOwnItemsFailure() throws Exception {
    HeldFirstCall held =
        new HeldFirstCall(
            10,
            items -> {
              List<RuntimeException> outcome = new ArrayList<>();
              items.forEach(item ->
                  outcome.add(item.startsWith("bad") ? new IllegalStateException(item) : null));
              return outcome;
            });

    List<Future<?>> submitted = held.submitWhileHeld("good", "bad-1");
    held.release();

    submitted.getFirst().get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> submitted.get(1).get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bad-1");
  }

  /**
   * A coalescer whose first call (the item {@code "first"}) is held in flight until released, so
   * that other callers' items queue up behind it. Every call is recorded in {@link #calls}.
   */
  private final class HeldFirstCall {
    private final CountDownLatch firstCallStarted = new CountDownLatch(1);
    private final CountDownLatch releaseFirstCall = new CountDownLatch(1);
    private final BatchCoalescer<String> coalescer;
    private final List<Future<?>> submitted = new ArrayList<>();

    HeldFirstCall(int maxBatch, BatchCoalescer.BatchCall<String> outcome) {
      coalescer =
          new BatchCoalescer<>(
              maxBatch,
              items -> {
                calls.add(List.copyOf(items));
                if (items.contains("first")) {
                  firstCallStarted.countDown();
                  await(releaseFirstCall);
                }
                return outcome.apply(items);
              });
      submitted.add(callers.submit(() -> coalescer.submit("first")));
    }

    /** Submits each item from its own thread while the first call is held; their futures. */
    List<Future<?>> submitWhileHeld(String... items) throws InterruptedException {
      assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
      List<Future<?>> futures = new ArrayList<>();
      for (String item : items) {
        futures.add(callers.submit(() -> coalescer.submit(item)));
      }
      awaitQueued(coalescer, items.length);
      submitted.addAll(futures);
      return futures;
    }

    void release() {
      releaseFirstCall.countDown();
    }

    void releaseAndAwaitAll() throws Exception {
      release();
      for (Future<?> future : submitted) {
        future.get(5, TimeUnit.SECONDS);
      }
    }
  }

  private static List<RuntimeException> allSucceed(List<String> items) {
    return Arrays.asList(new RuntimeException[items.size()]);
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
