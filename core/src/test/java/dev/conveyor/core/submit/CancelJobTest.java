package dev.conveyor.core.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobPresenter;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.query.JobPage;
import dev.conveyor.core.query.JobQuery;
import dev.conveyor.core.submit.SubmitJobTest.FakeJobQueue;
import dev.conveyor.core.submit.SubmitJobTest.FakeOutbox;
import dev.conveyor.core.submit.SubmitJobTest.Sent;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CancelJobTest {
  private static final TenantId ACME = TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c");
  private static final TenantId GLOBEX = TenantId.of("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b");
  private static final Instant SUBMITTED = Instant.parse("2025-03-01T12:00:00.123Z");

  private final MutableClock clock = new MutableClock(SUBMITTED.plusSeconds(30));
  private final FakeOutbox outbox = new FakeOutbox();
  private final FakeJobQueue queue = new FakeJobQueue();
  private final CancellableJobStore jobs = new CancellableJobStore(outbox);
  private final CancelJob cancelJob =
      new CancelJob(
          jobs,
          new JobEvents(new JobPresenter(new InMemoryBlobStore(clock), Duration.ofHours(1))),
          new OutboxDispatcher(queue, outbox),
          clock);

  @Test
  void aQueuedJobIsCancelledAndFinishedNow() {
    Job job = jobs.put(queued(ACME));

    Job cancelled = cancelJob.cancel(ACME, job.id());

    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    assertThat(cancelled.finishedAt()).isEqualTo(clock.instant());
    assertThat(cancelled.updatedAt()).isEqualTo(clock.instant());
    assertThat(jobs.find(job.id())).contains(cancelled);
  }

  @Test
  void theCancellationIsAnnouncedAsJobCancelledAndTheDeliveriesAreSentAfterTheCommit() {
    jobs.endpoints = 2;
    Job job = jobs.put(queued(ACME));

    Job cancelled = cancelJob.cancel(ACME, job.id());

    assertThat(jobs.announced)
        .singleElement()
        .satisfies(event -> {
          assertThat(event.type()).isEqualTo("job.cancelled");
          var payload = Json.parseTrusted(event.payload());
          assertThat(payload.path("type").asText()).isEqualTo("job.cancelled");
          assertThat(payload.path("data").path("id").asText()).isEqualTo(job.id().toString());
          assertThat(payload.path("data").path("state").asText()).isEqualTo("cancelled");
          assertThat(payload.path("data").path("finishedAt").asText())
              .isEqualTo(cancelled.finishedAt().toString());
        });
    assertThat(queue.sent).hasSize(2);
    assertThat(queue.sent).extracting(Sent::tier).containsOnly(Tier.CRITICAL);
    assertThat(queue.sent).extracting(s -> s.message().kind()).containsOnly(QueueMessage.DELIVERY);
    assertThat(outbox.rows.values()).allSatisfy(row -> assertThat(row.sent).isTrue());
  }

  @Test
  void aFailedSendStillCancelsAndLeavesTheDeliveriesForTheRelay() {
    jobs.endpoints = 1;
    queue.failure = new IllegalStateException("SQS is down");
    Job job = jobs.put(queued(ACME));

    Job cancelled = cancelJob.cancel(ACME, job.id());

    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    assertThat(outbox.rows).hasSize(1);
    assertThat(outbox.rows.values()).allSatisfy(row -> assertThat(row.sent).isFalse());
  }

  @Test
  void cancellingACancelledJobAgainAnswersTheSameJobAndAnnouncesNothing() {
    jobs.endpoints = 1;
    Job job = jobs.put(queued(ACME));
    Job first = cancelJob.cancel(ACME, job.id());
    clock.advance(Duration.ofMinutes(1));

    Job again = cancelJob.cancel(ACME, job.id());

    assertThat(again).isEqualTo(first);
    assertThat(jobs.announced).hasSize(1);
    assertThat(queue.sent).hasSize(1);
  }

  @Test
  void aRunningJobIs409JobRunningAndKeepsRunning() {
    Job job = jobs.put(withState(queued(ACME), JobState.RUNNING, null));

    assertThatThrownBy(() -> cancelJob.cancel(ACME, job.id()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> {
              assertThat(p.status()).isEqualTo(409);
              assertThat(p.type()).isEqualTo("job-running");
              assertThat(p.detail()).contains(job.id().toString());
            });
    assertThat(jobs.find(job.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    assertThat(jobs.announced).isEmpty();
  }

  @Test
  void aSucceededOrFailedJobIs409JobFinished() {
    Job succeeded = jobs.put(withState(queued(ACME), JobState.SUCCEEDED, null));
    Job failed =
        jobs.put(
            withState(
                queued(ACME), JobState.FAILED, new FailureReason("bad-media", "not an image")));

    for (Job job : List.of(succeeded, failed)) {
      assertThatThrownBy(() -> cancelJob.cancel(ACME, job.id()))
          .isInstanceOfSatisfying(
              ProblemException.class,
              p -> {
                assertThat(p.status()).isEqualTo(409);
                assertThat(p.type()).isEqualTo("job-finished");
                assertThat(p.detail()).contains(job.state().wireName());
              });
      assertThat(jobs.find(job.id())).contains(job);
    }
    assertThat(jobs.announced).isEmpty();
  }

  @Test
  void anUnknownJobIs404() {
    assertThatThrownBy(() -> cancelJob.cancel(ACME, JobId.generate(SUBMITTED)))
        .isInstanceOfSatisfying(
            ProblemException.class, p -> assertThat(p.type()).isEqualTo("not-found"));
  }

  @Test
  void anotherTenantsJobIs404AndStaysQueued() {
    Job job = jobs.put(queued(ACME));

    assertThatThrownBy(() -> cancelJob.cancel(GLOBEX, job.id()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> {
              assertThat(p.status()).isEqualTo(404);
              assertThat(p.type()).isEqualTo("not-found");
            });
    assertThat(jobs.find(job.id())).contains(job);
  }

  @Test
  void aJobRequeuedWhileWeTriedIsCancelledOnTheNextTry() {
    Job job = jobs.put(queued(ACME));
    jobs.racesToLose = 1; // claimed and released by a worker between our update and our read

    Job cancelled = cancelJob.cancel(ACME, job.id());

    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    assertThat(jobs.cancelCalls).isEqualTo(2);
  }

  @Test
  void aJobThatKeepsSlippingAwayIsAnsweredAsRunningAfterAFewTries() {
    Job job = jobs.put(queued(ACME));
    jobs.racesToLose = Integer.MAX_VALUE;

    assertThatThrownBy(() -> cancelJob.cancel(ACME, job.id()))
        .isInstanceOfSatisfying(
            ProblemException.class, p -> assertThat(p.type()).isEqualTo("job-running"));
    assertThat(jobs.cancelCalls).isEqualTo(3);
  }

  // ---- helpers ----

  private static Job queued(TenantId tenant) {
    JobId id = JobId.generate(SUBMITTED);
    return Job.queued(
        id,
        tenant,
        JobType.IMAGE_TRANSFORM,
        Json.parseTrusted("{\"source\":{\"uploadId\":\"" + UUID.randomUUID() + "\"}}"),
        "corr-" + id);
  }

  private static Job withState(Job job, JobState state, FailureReason failure) {
    return new Job(
        job.id(),
        job.tenantId(),
        job.type(),
        job.tier(),
        state,
        1,
        job.spec(),
        state == JobState.SUCCEEDED ? Json.MAPPER.createObjectNode() : null,
        failure,
        job.correlationId(),
        job.createdAt(),
        job.createdAt().plusSeconds(5),
        job.createdAt().plusSeconds(1),
        state.isTerminal() ? job.createdAt().plusSeconds(5) : null);
  }

  /**
   * The jobs table with PostgresJobStore's cancel: only the owner's queued job changes, and a
   * delivery (with its outbox row) is created per subscribed endpoint in the same step.
   */
  static final class CancellableJobStore implements JobStore {
    final Map<JobId, Job> jobs = new LinkedHashMap<>();
    final List<WebhookEvent> announced = new ArrayList<>();
    private final FakeOutbox outbox;
    int endpoints;
    int racesToLose;
    int cancelCalls;

    CancellableJobStore(FakeOutbox outbox) {
      this.outbox = outbox;
    }

    Job put(Job job) {
      jobs.put(job.id(), job);
      return job;
    }

    @Override
    public Optional<Cancellation> cancel(
        TenantId tenant, JobId id, Instant at, Function<Job, WebhookEvent> announce) {
      cancelCalls++;
      if (racesToLose > 0) {
        racesToLose--;
        return Optional.empty();
      }
      Job job = jobs.get(id);
      if (job == null || !job.tenantId().equals(tenant) || job.state() != JobState.QUEUED) {
        return Optional.empty();
      }
      Job cancelled =
          new Job(
              job.id(),
              job.tenantId(),
              job.type(),
              job.tier(),
              JobState.CANCELLED,
              job.attempt(),
              job.spec(),
              null,
              null,
              job.correlationId(),
              job.createdAt(),
              at,
              job.startedAt(),
              at);
      jobs.put(id, cancelled);
      WebhookEvent event = announce.apply(cancelled);
      announced.add(event);
      List<PendingMessage> messages = new ArrayList<>();
      for (int i = 0; i < endpoints; i++) {
        messages.add(
            outbox.add(
                Tier.CRITICAL,
                QueueMessage.delivery(UUID.randomUUID(), tenant, job.correlationId())));
      }
      return Optional.of(new Cancellation(cancelled, messages));
    }

    @Override
    public Optional<Job> find(JobId id) {
      return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public PendingMessage insert(Job job) {
      throw new UnsupportedOperationException("cancel never inserts");
    }

    @Override
    public JobPage list(TenantId tenant, JobQuery query) {
      throw new UnsupportedOperationException("cancel never lists");
    }

    @Override
    public Optional<Job> claim(JobId id, Instant now, Instant leaseUntil) {
      throw new UnsupportedOperationException("cancel never claims");
    }

    @Override
    public boolean release(JobId id, int attempt, String lastError) {
      throw new UnsupportedOperationException("cancel never releases");
    }

    @Override
    public Optional<List<PendingMessage>> finish(Finish finish, WebhookEvent event) {
      throw new UnsupportedOperationException("cancel never finishes");
    }
  }
}
