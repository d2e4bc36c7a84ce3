package dev.conveyor.core.port;

/** The transactional outbox: rows written with the state change they announce. */
public interface Outbox {
  void markSent(long outboxId);
}
