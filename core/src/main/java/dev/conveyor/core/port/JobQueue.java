package dev.conveyor.core.port;

import dev.conveyor.core.job.Tier;

/** The tiered work queues (SQS on AWS). */
public interface JobQueue {
  /**
   * Sends a message to the tier's queue.
   *
   * @throws QueueUnavailableException when the send may not have happened; the outbox keeps it
   */
  void send(Tier tier, QueueMessage message);

  final class QueueUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
