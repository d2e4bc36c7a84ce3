package dev.conveyor.core.port;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.query.JobPage;
import dev.conveyor.core.query.JobQuery;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/** Jobs in PostgreSQL. Every state change is a conditional update, so duplicates find nothing. */
public interface JobStore {

  /** Records a new queued job and the outbox row announcing it, in one transaction. */
  PendingMessage insert(Job job);

  Optional<Job> find(JobId id);

  /** A tenant's job; another tenant's job is indistinguishable from a missing one. */
  default Optional<Job> find(TenantId tenant, JobId id) {
    return find(id).filter(job -> job.tenantId().equals(tenant));
  }

  /**
   * One page of a tenant's jobs matching the query's filters, newest first ({@code createdAt desc,
   * id desc}), starting strictly after the query's cursor. Keyset pagination: the cost of a page
   * does not grow with how deep into the listing it is.
   */
  JobPage list(TenantId tenant, JobQuery query);

  /**
   * Cancels a tenant's queued job ({@code queued → cancelled}, finished now) and, in the same
   * transaction, creates a webhook delivery (and its outbox row) for each of the tenant's endpoints
   * subscribed to the event that {@code announce} builds from the cancelled job.
   *
   * @return the cancelled job and the outbox rows to send; empty when the tenant has no queued job
   *     with this id (unknown, another tenant's, running, or already ended)
   */
  Optional<Cancellation> cancel(
      TenantId tenant, JobId id, Instant at, Function<Job, WebhookEvent> announce);

  /** A job just cancelled, and the outbox rows announcing it. */
  record Cancellation(Job job, List<PendingMessage> messages) {
    public Cancellation {
      Objects.requireNonNull(job, "job");
      messages = List.copyOf(messages);
    }
  }

  /**
   * Claims a job for one run: {@code queued → running} (or a {@code running} job whose lease has
   * expired), incrementing its attempt. Empty when there is nothing to claim: a duplicate or stale
   * message, or a job that has finished or been cancelled.
   */
  Optional<Job> claim(JobId id, Instant now, Instant leaseUntil);

  /** Returns a claimed job to {@code queued} after a transient failure, so a retry can claim it. */
  boolean release(JobId id, int attempt, String lastError);

  /**
   * Ends a claimed run, and in the same transaction creates a webhook delivery (and its outbox row)
   * for each of the tenant's endpoints subscribed to {@code event.type()}.
   *
   * @return the outbox rows to send, or empty if this run no longer holds the claim
   */
  Optional<List<PendingMessage>> finish(Finish finish, WebhookEvent event);

  /** How a run ended. Exactly one of {@code result} and {@code failure} is set. */
  record Finish(JobId id, int attempt, JsonNode result, FailureReason failure, Instant at) {
    public static Finish succeeded(JobId id, int attempt, JsonNode result, Instant at) {
      return new Finish(id, attempt, result, null, at);
    }

    public static Finish failed(JobId id, int attempt, FailureReason reason, Instant at) {
      return new Finish(id, attempt, null, reason, at);
    }

    public boolean succeeded() {
      return failure == null;
    }
  }
}
