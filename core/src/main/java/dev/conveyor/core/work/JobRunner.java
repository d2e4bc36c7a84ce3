package dev.conveyor.core.work;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.submit.OutboxDispatcher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one job message: claim, execute, finish. The claim is a conditional update, so a duplicate
 * or stale message finds nothing to do and is acknowledged without touching outputs or webhooks.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private final JobStore jobs;
  private final Map<JobType, JobExecutor> executors;
  private final JobEvents events;
  private final OutboxDispatcher dispatcher;
  private final Clock clock;
  private final Duration lease;
  private final Backoff backoff;

  /**
   * @param lease how long a claim holds before another worker may take the job over; longer than
   *     the function's timeout
   */
  public JobRunner(
      JobStore jobs,
      Map<JobType, JobExecutor> executors,
      JobEvents events,
      OutboxDispatcher dispatcher,
      Clock clock,
      Duration lease,
      Backoff backoff) {
    this.jobs = jobs;
    this.executors = Map.copyOf(executors);
    this.events = events;
    this.dispatcher = dispatcher;
    this.clock = clock;
    this.lease = lease;
    this.backoff = backoff;
  }

  public WorkOutcome run(QueueMessage message) {
    JobId id = new JobId(message.id());
    Instant now = clock.instant();
    Optional<Job> claimed = jobs.claim(id, now, now.plus(lease));
    if (claimed.isEmpty()) {
      LOG.info("nothing to claim (duplicate, finished or cancelled); acknowledged");
      return WorkOutcome.done();
    }
    Job job = claimed.get();
    MDC.put("job_id", job.id().toString());
    MDC.put("tenant_id", job.tenantId().toString());
    try {
      return execute(job);
    } finally {
      MDC.remove("job_id");
      MDC.remove("tenant_id");
    }
  }

  private WorkOutcome execute(Job job) {
    JobExecutor executor = executors.get(job.type());
    if (executor == null) {
      return finish(
          job,
          null,
          new FailureReason("unsupported-type", "no worker here for " + job.type().wireName()));
    }
    try {
      JsonNode result = executor.execute(job);
      return finish(job, result, null);
    } catch (PermanentJobFailure e) {
      LOG.info("job failed permanently: {}", e.reason().code());
      return finish(job, null, e.reason());
    } catch (RuntimeException e) {
      Duration delay = backoff.delay(job.attempt());
      LOG.warn(
          "transient failure on attempt {}; retry in {}: {}", job.attempt(), delay, e.toString());
      jobs.release(job.id(), job.attempt(), e.toString());
      return new WorkOutcome.RetryAfter(delay, e.toString());
    }
  }

  private WorkOutcome finish(Job job, JsonNode result, FailureReason failure) {
    Instant at = clock.instant();
    Finish finish =
        failure == null
            ? Finish.succeeded(job.id(), job.attempt(), result, at)
            : Finish.failed(job.id(), job.attempt(), failure, at);
    Job ended =
        new Job(
            job.id(),
            job.tenantId(),
            job.type(),
            job.tier(),
            failure == null ? JobState.SUCCEEDED : JobState.FAILED,
            job.attempt(),
            job.spec(),
            result,
            failure,
            job.correlationId(),
            job.createdAt(),
            at,
            job.startedAt(),
            at);
    Optional<List<PendingMessage>> outbox = jobs.finish(finish, events.ended(ended, at));
    if (outbox.isEmpty()) {
      LOG.warn("lost the claim before finishing (lease expired); result discarded");
      return WorkOutcome.done();
    }
    dispatcher.dispatch(outbox.get());
    return WorkOutcome.done();
  }
}
