package dev.conveyor.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;

/**
 * A job as recorded in PostgreSQL, the source of truth. {@code spec} is the validated request as
 * submitted; {@code result} is set once it succeeds; {@code failure} once it fails.
 *
 * @param attempt how many times a worker has claimed the job (1 on the first run)
 */
public record Job(
    JobId id,
    TenantId tenantId,
    JobType type,
    Tier tier,
    JobState state,
    int attempt,
    JsonNode spec,
    JsonNode result,
    FailureReason failure,
    String correlationId,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt) {

  public Optional<JsonNode> resultIfAny() {
    return Optional.ofNullable(result);
  }

  public Optional<FailureReason> failureIfAny() {
    return Optional.ofNullable(failure);
  }

  /** A new job, queued, as submit records it. */
  public static Job queued(
      JobId id, TenantId tenantId, JobType type, JsonNode spec, String correlationId) {
    Instant createdAt = id.createdAt();
    return new Job(
        id,
        tenantId,
        type,
        type.tier(),
        JobState.QUEUED,
        0,
        spec,
        null,
        null,
        correlationId,
        createdAt,
        createdAt,
        null,
        null);
  }
}
