package dev.conveyor.core.submit;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.JobStore.Cancellation;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels a job while it is still queued: one transaction turns it {@code cancelled} and records a
 * {@code job.cancelled} delivery for each subscribed endpoint; after the commit the deliveries are
 * sent, as a worker sends them when a job ends. The job's queue message stays where it is: the
 * worker that receives it finds nothing to claim.
 */
public final class CancelJob {
  private static final Logger LOG = LoggerFactory.getLogger(CancelJob.class);

  /**
   * A queued job may be claimed, fail transiently and be queued again between two of our reads;
   * after this many tries we answer with what it is doing now.
   */
  private static final int TRIES = 3;

  private final JobStore jobs;
  private final JobEvents events;
  private final OutboxDispatcher dispatcher;
  private final Clock clock;

  public CancelJob(JobStore jobs, JobEvents events, OutboxDispatcher dispatcher, Clock clock) {
    this.jobs = jobs;
    this.events = events;
    this.dispatcher = dispatcher;
    this.clock = clock;
  }

  /**
   * @return the cancelled job; cancelling a cancelled job again returns it unchanged, and announces
   *     nothing
   * @throws ProblemException 404 {@code not-found} for an unknown job or another tenant's, 409
   *     {@code job-running} while a worker runs it, 409 {@code job-finished} once it has succeeded
   *     or failed
   */
  public Job cancel(TenantId tenant, JobId id) {
    for (int i = 0; ; i++) {
      Instant at = clock.instant();
      Optional<Cancellation> cancelled = jobs.cancel(tenant, id, at, job -> events.ended(job, at));
      if (cancelled.isPresent()) {
        LOG.info("job {} cancelled; {} webhook deliveries", id, cancelled.get().messages().size());
        dispatcher.dispatch(cancelled.get().messages());
        return cancelled.get().job();
      }
      Job current =
          jobs.find(tenant, id).orElseThrow(() -> ProblemException.notFound("No job " + id + "."));
      switch (current.state()) {
        case CANCELLED -> {
          return current;
        }
        case RUNNING -> throw running(id);
        case SUCCEEDED, FAILED -> throw finished(current);
        case QUEUED -> {
          if (i + 1 >= TRIES) {
            throw running(id);
          }
        }
      }
    }
  }

  private static ProblemException running(JobId id) {
    return new ProblemException(
        409,
        "job-running",
        "Job is running",
        "Job " + id + " is running and can no longer be cancelled; only queued jobs can.");
  }

  private static ProblemException finished(Job job) {
    return new ProblemException(
        409,
        "job-finished",
        "Job has finished",
        "Job "
            + job.id()
            + " has already "
            + job.state().wireName()
            + "; only queued jobs can be"
            + " cancelled.");
  }
}
