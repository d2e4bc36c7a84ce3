package dev.conveyor.core.concurrent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for calls that have a batch form (SQS {@code SendMessageBatch}, one {@code UPDATE}
 * for many rows): items that concurrent callers submit while a batch is in flight go out together
 * in the next one, and each caller returns only once its own item is done. Nothing is left running
 * after a caller returns, so this is safe in a Lambda handler; with one caller at a time (a Lambda
 * container) every batch holds one item and nothing ever waits.
 *
 * <p>No timer and no background thread: the caller that takes the lock sends what is queued, up to
 * {@code maxBatch} items per call, until its own item is done.
 *
 * @param <T> the item
 */
public final class BatchCoalescer<T> {

  /** The batch form of the call. */
  @FunctionalInterface
  public interface BatchCall<T> {
    /**
     * Performs the call for every item, in order.
     *
     * @return one entry per item, at its index: {@code null} when that item succeeded, else its
     *     failure; throwing fails every item of the batch with the same exception
     */
    List<RuntimeException> apply(List<T> items);
  }

  private final BatchCall<T> call;
  private final int maxBatch;
  private final ReentrantLock sending = new ReentrantLock();
  private final ConcurrentLinkedQueue<Pending<T>> queued = new ConcurrentLinkedQueue<>();

  /**
   * @param maxBatch the most items one call may carry (SQS allows 10)
   */
  public BatchCoalescer(int maxBatch, BatchCall<T> call) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be positive");
    }
    this.maxBatch = maxBatch;
    this.call = Objects.requireNonNull(call, "call");
  }

  /**
   * Performs the call for {@code item}, together with whatever other callers submitted meanwhile.
   *
   * @throws RuntimeException the item's own failure, as the batch call reported it
   */
  public void submit(T item) {
    Pending<T> mine = new Pending<>(Objects.requireNonNull(item, "item"));
    queued.add(mine);
    sending.lock();
    try {
      // Under the lock, an item is either still queued or done: batches finish before unlocking.
      while (!mine.done) {
        List<Pending<T>> batch = new ArrayList<>(maxBatch);
        Pending<T> next;
        while (batch.size() < maxBatch && (next = queued.poll()) != null) {
          batch.add(next);
        }
        perform(batch);
      }
    } finally {
      sending.unlock();
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
  }

  /** How many items wait for a call (for tests that hold a call in flight). */
  int queuedItems() {
    return queued.size();
  }

  private void perform(List<Pending<T>> batch) {
    List<T> items = new ArrayList<>(batch.size());
    batch.forEach(pending -> items.add(pending.item));
    List<RuntimeException> failures;
    try {
      failures = call.apply(items);
      if (failures == null || failures.size() != batch.size()) {
        throw new IllegalStateException("the batch call must report on every item");
      }
    } catch (RuntimeException e) {
      batch.forEach(pending -> pending.complete(e));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).complete(failures.get(i));
    }
  }

  /** Fields are written and read under {@link #sending} only. */
  private static final class Pending<T> {
    private final T item;
    private boolean done;
    private RuntimeException failure;

    private Pending(T item) {
      this.item = item;
    }

    private void complete(RuntimeException failure) {
      this.failure = failure;
      this.done = true;
    }
  }
}
