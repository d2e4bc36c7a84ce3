package dev.conveyor.core.work;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobPresenter;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.Outbox;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.submit.OutboxDispatcher;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class JobRunnerTest {
  private static final Duration LEASE = Duration.ofMinutes(16);
  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(15));
  private static final TenantId TENANT = TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c");

  private final MutableClock clock = new MutableClock();
  private final FakeQueue queue = new FakeQueue();
  private final FakeOutbox outbox = new FakeOutbox();
  private final FakeJobStore jobs = new FakeJobStore(outbox, clock);
  private final JobEvents events =
      new JobEvents(new JobPresenter(new InMemoryBlobStore(clock), Duration.ofHours(1)));
  private final RecordingExecutor executor = new RecordingExecutor();

  private JobRunner runner() {
    return runner(Map.of(JobType.IMAGE_TRANSFORM, executor));
  }

  private JobRunner runner(Map<JobType, JobExecutor> executors) {
    return new JobRunner(
        jobs, executors, events, new OutboxDispatcher(queue, outbox), clock, LEASE, BACKOFF);
  }

  @Test
  void aDuplicateMessageForARunningJobIsAcknowledgedAndTheExecutorNeverCalled() {
    Job job = jobs.insertQueued();
    jobs.claim(job.id(), clock.instant(), clock.instant().plus(LEASE)); // another worker has it

    WorkOutcome outcome = runner().run(messageFor(job));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(executor.calls).isEmpty();
    assertThat(jobs.finishes).isEmpty();
    assertThat(jobs.find(job.id()).orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void aStaleMessageForAFinishedJobIsAcknowledgedAndTheExecutorNeverCalled() {
    Job job = jobs.insertQueued();
    executor.answer = j -> result();
    runner().run(messageFor(job));
    int sentBefore = queue.sent.size();

    WorkOutcome outcome = runner().run(messageFor(job));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(executor.calls).hasSize(1);
    assertThat(jobs.finishes).hasSize(1);
    assertThat(queue.sent).hasSize(sentBefore);
  }

  @Test
  void aMessageForAnUnknownJobIsAcknowledged() {
    JobId unknown = JobId.generate(clock.instant());

    WorkOutcome outcome = runner().run(QueueMessage.job(unknown.value(), TENANT, "corr-1"));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(executor.calls).isEmpty();
  }

  @Test
  void theExecutorRunsTheClaimedJob() {
    Job job = jobs.insertQueued();
    executor.answer = j -> result();

    runner().run(messageFor(job));

    assertThat(executor.calls)
        .singleElement()
        .satisfies(claimed -> {
          assertThat(claimed.id()).isEqualTo(job.id());
          assertThat(claimed.state()).isEqualTo(JobState.RUNNING);
          assertThat(claimed.attempt()).isEqualTo(1);
          assertThat(claimed.spec()).isEqualTo(job.spec());
        });
  }

  @Test
  void aSuccessfulRunFinishesTheJobSucceededWithItsResult() {
    Job job = jobs.insertQueued();
    clock.advance(Duration.ofSeconds(3));
    Instant finishedAt = clock.instant();
    executor.answer = j -> result();

    WorkOutcome outcome = runner().run(messageFor(job));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(jobs.finishes)
        .containsExactly(JobStore.Finish.succeeded(job.id(), 1, result(), finishedAt));
    Job stored = jobs.find(job.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(stored.result()).isEqualTo(result());
    assertThat(stored.failure()).isNull();
  }

  @Test
  void aSuccessfulRunAnnouncesJobSucceededAndDispatchesTheDeliveries() {
    jobs.subscribe(JobEvents.SUCCEEDED);
    Job job = jobs.insertQueued();
    executor.answer = j -> result();

    runner().run(messageFor(job));

    assertThat(jobs.events)
        .singleElement()
        .extracting(WebhookEvent::type)
        .isEqualTo("job.succeeded");
    JsonNode payload = Json.parseTrusted(jobs.events.getFirst().payload());
    assertThat(payload.path("type").asText()).isEqualTo("job.succeeded");
    assertThat(payload.path("data").path("id").asText()).isEqualTo(job.id().toString());
    assertThat(payload.path("data").path("state").asText()).isEqualTo("succeeded");
    assertThat(payload.path("data").path("result").path("renditions").get(0).path("name").asText())
        .isEqualTo("thumb");

    assertThat(queue.sent)
        .singleElement()
        .satisfies(s -> {
          assertThat(s.tier()).isEqualTo(Tier.CRITICAL);
          assertThat(s.message().kind()).isEqualTo(QueueMessage.DELIVERY);
          assertThat(s.message().tenantId()).isEqualTo(TENANT);
          assertThat(s.message().correlationId()).isEqualTo("corr-1");
        });
    assertThat(outbox.rows.values())
        .filteredOn(row -> row.message.tier() == Tier.CRITICAL)
        .singleElement()
        .satisfies(row -> assertThat(row.sent).as("the delivery's outbox row").isTrue());
  }

  @Test
  void aPermanentFailureFailsTheJobWithItsCodeAndAnnouncesJobFailed() {
    jobs.subscribe(JobEvents.FAILED);
    Job job = jobs.insertQueued();
    executor.answer =
        j -> {
          throw new PermanentJobFailure(
              "source-too-large", "the source has 300 MB; the limit is 50");
        };

    WorkOutcome outcome = runner().run(messageFor(job));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    FailureReason reason =
        new FailureReason("source-too-large", "the source has 300 MB; the limit is 50");
    assertThat(jobs.finishes)
        .containsExactly(JobStore.Finish.failed(job.id(), 1, reason, clock.instant()));
    Job stored = jobs.find(job.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(JobState.FAILED);
    assertThat(stored.failure()).isEqualTo(reason);
    assertThat(stored.result()).isNull();
    assertThat(jobs.events).singleElement().extracting(WebhookEvent::type).isEqualTo("job.failed");
    assertThat(Json.parseTrusted(jobs.events.getFirst().payload()).path("data").path("failure"))
        .isEqualTo(
            Json.parseTrusted(
                """
                {"code": "source-too-large", "message": "the source has 300 MB; the limit is 50"}
                """));
    assertThat(queue.sent).hasSize(1);
    assertThat(executor.calls).hasSize(1);
  }

  @Test
  void aJobTypeWithNoExecutorHereFailsAsUnsupported() {
    Job job = jobs.insertQueued();

    WorkOutcome outcome = runner(Map.of()).run(messageFor(job));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(jobs.find(job.id()).orElseThrow().failure().code()).isEqualTo("unsupported-type");
  }

  @Test
  void aTransientFailureReleasesTheJobAndRetriesWithinTheBackoffCeiling() {
    Job job = jobs.insertQueued();
    executor.answer =
        j -> {
          throw new IllegalStateException("S3 throttled: SlowDown");
        };

    WorkOutcome outcome = runner().run(messageFor(job));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            retry -> {
              assertThat(retry.delay()).isBetween(Duration.ZERO, BACKOFF.ceiling(1));
              assertThat(retry.reason()).contains("S3 throttled");
            });
    Job stored = jobs.find(job.id()).orElseThrow();
    assertThat(stored.state()).as("released for the retry").isEqualTo(JobState.QUEUED);
    assertThat(stored.attempt()).isEqualTo(1);
    assertThat(jobs.lastErrors.get(job.id())).contains("S3 throttled");
    assertThat(jobs.finishes).isEmpty();
    assertThat(jobs.events).isEmpty();
    assertThat(queue.sent).isEmpty();
  }

  @Test
  void laterAttemptsBackOffWithinTheirOwnCeilingAndTheRetryCanClaimTheJob() {
    Job job = jobs.insertQueued();
    executor.answer =
        j -> {
          throw new RuntimeException("connection reset");
        };

    for (int attempt = 1; attempt <= 6; attempt++) {
      WorkOutcome outcome = runner().run(messageFor(job));

      int n = attempt;
      assertThat(outcome)
          .isInstanceOfSatisfying(
              WorkOutcome.RetryAfter.class,
              retry -> assertThat(retry.delay()).isBetween(Duration.ZERO, BACKOFF.ceiling(n)));
      assertThat(executor.calls.getLast().attempt()).isEqualTo(attempt);
    }
    assertThat(jobs.find(job.id()).orElseThrow().attempt()).isEqualTo(6);
  }

  @Test
  void aRunThatLostItsClaimBeforeFinishingIsAcknowledgedAndItsResultDiscarded() {
    jobs.subscribe(JobEvents.SUCCEEDED);
    Job job = jobs.insertQueued();
    executor.answer =
        j -> {
          // The run outlives its lease and another worker takes the job over.
          clock.advance(LEASE.plusSeconds(1));
          assertThat(jobs.claim(j.id(), clock.instant(), clock.instant().plus(LEASE))).isPresent();
          return result();
        };

    WorkOutcome outcome = runner().run(messageFor(job));

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    Job stored = jobs.find(job.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(JobState.RUNNING);
    assertThat(stored.attempt()).as("the other worker's claim stands").isEqualTo(2);
    assertThat(stored.result()).isNull();
    assertThat(jobs.events).isEmpty();
    assertThat(queue.sent).isEmpty();
  }

  // ---- helpers ----

  private static QueueMessage messageFor(Job job) {
    return QueueMessage.job(job.id().value(), job.tenantId(), job.correlationId());
  }

  private static JsonNode result() {
    return Json.parseTrusted(
        """
        {"renditions": [{"name": "thumb", "key": "results/t/j/thumb.jpg", "width": 320}]}
        """);
  }

  // ---- fakes ----

  static final class RecordingExecutor implements JobExecutor {
    final List<Job> calls = new ArrayList<>();
    Function<Job, JsonNode> answer = j -> Json.MAPPER.createObjectNode();

    @Override
    public JsonNode execute(Job job) {
      calls.add(job);
      return answer.apply(job);
    }
  }

  record Sent(Tier tier, QueueMessage message) {}

  static final class FakeQueue implements JobQueue {
    final List<Sent> sent = new ArrayList<>();

    @Override
    public void send(Tier tier, QueueMessage message) {
      sent.add(new Sent(tier, message));
    }
  }

  static final class OutboxRow {
    final PendingMessage message;
    boolean sent;

    OutboxRow(PendingMessage message) {
      this.message = message;
    }
  }

  static final class FakeOutbox implements Outbox {
    final Map<Long, OutboxRow> rows = new LinkedHashMap<>();
    private long nextId = 1;

    PendingMessage add(Tier tier, QueueMessage message) {
      PendingMessage pending = new PendingMessage(nextId++, tier, message);
      rows.put(pending.outboxId(), new OutboxRow(pending));
      return pending;
    }

    @Override
    public void markSent(long outboxId) {
      rows.get(outboxId).sent = true;
    }
  }

  /**
   * The jobs table with PostgresJobStore's conditional updates: claim takes a queued job or a
   * running one whose lease expired; release and finish apply only to the running attempt that
   * holds the claim; finish creates one delivery (and outbox row) per subscribed endpoint.
   */
  static final class FakeJobStore implements JobStore {
    private final Map<JobId, Job> jobs = new LinkedHashMap<>();
    private final Map<JobId, Instant> leases = new LinkedHashMap<>();
    final Map<JobId, String> lastErrors = new LinkedHashMap<>();
    final List<Finish> finishes = new ArrayList<>();
    final List<WebhookEvent> events = new ArrayList<>();
    private final Set<String> subscribed = new HashSet<>();
    private final FakeOutbox outbox;
    private final MutableClock clock;

    FakeJobStore(FakeOutbox outbox, MutableClock clock) {
      this.outbox = outbox;
      this.clock = clock;
    }

    void subscribe(String eventType) {
      subscribed.add(eventType);
    }

    Job insertQueued() {
      Job job =
          Job.queued(
              JobId.generate(clock.instant()),
              TENANT,
              JobType.IMAGE_TRANSFORM,
              Json.parseTrusted(
                  """
                  {"source": {"uploadId": "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"},
                   "renditions": [{"name": "thumb", "width": 320, "fit": "inside",
                   "position": "centre", "withoutEnlargement": true, "rotate": 0,
                   "flip": false, "flop": false, "format": "jpeg", "quality": 80,
                   "progressive": false, "background": "#ffffff"}]}
                  """),
              "corr-1");
      insert(job);
      return job;
    }

    @Override
    public PendingMessage insert(Job job) {
      jobs.put(job.id(), job);
      return outbox.add(
          job.tier(), QueueMessage.job(job.id().value(), job.tenantId(), job.correlationId()));
    }

    @Override
    public Optional<Job> find(JobId id) {
      return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public dev.conveyor.core.query.JobPage list(
        TenantId tenant, dev.conveyor.core.query.JobQuery query) {
      throw new UnsupportedOperationException("a worker never lists");
    }

    @Override
    public Optional<Cancellation> cancel(
        TenantId tenant, JobId id, Instant at, Function<Job, WebhookEvent> announce) {
      throw new UnsupportedOperationException("a worker never cancels");
    }

    @Override
    public Optional<Job> claim(JobId id, Instant now, Instant leaseUntil) {
      Job job = jobs.get(id);
      if (job == null) {
        return Optional.empty();
      }
      boolean claimable =
          job.state() == JobState.QUEUED
              || (job.state() == JobState.RUNNING && leases.get(id).isBefore(now));
      if (!claimable) {
        return Optional.empty();
      }
      Job claimed =
          with(
              job,
              JobState.RUNNING,
              job.attempt() + 1,
              null,
              null,
              now,
              job.startedAt() == null ? now : job.startedAt(),
              null);
      jobs.put(id, claimed);
      leases.put(id, leaseUntil);
      return Optional.of(claimed);
    }

    @Override
    public boolean release(JobId id, int attempt, String lastError) {
      Job job = jobs.get(id);
      if (job == null || job.state() != JobState.RUNNING || job.attempt() != attempt) {
        return false;
      }
      jobs.put(
          id,
          with(job, JobState.QUEUED, attempt, null, null, clock.instant(), job.startedAt(), null));
      leases.remove(id);
      lastErrors.put(id, lastError);
      return true;
    }

    @Override
    public Optional<List<PendingMessage>> finish(Finish finish, WebhookEvent event) {
      Job job = jobs.get(finish.id());
      if (job == null || job.state() != JobState.RUNNING || job.attempt() != finish.attempt()) {
        return Optional.empty();
      }
      jobs.put(
          job.id(),
          with(
              job,
              finish.succeeded() ? JobState.SUCCEEDED : JobState.FAILED,
              job.attempt(),
              finish.result(),
              finish.failure(),
              finish.at(),
              job.startedAt(),
              finish.at()));
      leases.remove(job.id());
      finishes.add(finish);
      events.add(event);
      List<PendingMessage> pending = new ArrayList<>();
      if (subscribed.contains(event.type())) {
        pending.add(
            outbox.add(
                Tier.CRITICAL,
                QueueMessage.delivery(
                    Ids.newV7(finish.at()), job.tenantId(), job.correlationId())));
      }
      return Optional.of(pending);
    }

    private static Job with(
        Job job,
        JobState state,
        int attempt,
        JsonNode result,
        FailureReason failure,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt) {
      return new Job(
          job.id(),
          job.tenantId(),
          job.type(),
          job.tier(),
          state,
          attempt,
          job.spec(),
          result,
          failure,
          job.correlationId(),
          job.createdAt(),
          updatedAt,
          startedAt,
          finishedAt);
    }
  }
}
