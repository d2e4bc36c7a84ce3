package dev.conveyor.core.port;

import dev.conveyor.core.job.Tier;

/** A committed outbox row: a message that must reach its tier's queue at least once. */
public record PendingMessage(long outboxId, Tier tier, QueueMessage message) {}
