package dev.conveyor.core.submit;

import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.Outbox;
import dev.conveyor.core.port.PendingMessage;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commit-then-enqueue: sends committed outbox rows and marks them sent. A failed send is logged and
 * left pending; the sync relay sends it later, so nothing committed is ever lost.
 */
public final class OutboxDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);

  private final JobQueue queue;
  private final Outbox outbox;

  public OutboxDispatcher(JobQueue queue, Outbox outbox) {
    this.queue = queue;
    this.outbox = outbox;
  }

  /**
   * @return true when every message was sent and marked
   */
  public boolean dispatch(List<PendingMessage> messages) {
    boolean all = true;
    for (PendingMessage pending : messages) {
      all &= dispatch(pending);
    }
    return all;
  }

  public boolean dispatch(PendingMessage pending) {
    try {
      queue.send(pending.tier(), pending.message());
    } catch (RuntimeException e) {
      LOG.warn(
          "send to {} failed; outbox row {} stays pending for the relay: {}",
          pending.tier().wireName(),
          pending.outboxId(),
          e.toString());
      return false;
    }
    try {
      outbox.markSent(pending.outboxId());
    } catch (RuntimeException e) {
      // Sent but not marked: the relay sends it again, and consumers treat duplicates as no-ops.
      LOG.warn("outbox row {} sent but not marked: {}", pending.outboxId(), e.toString());
    }
    return true;
  }
}
