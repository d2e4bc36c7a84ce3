package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresJobStoreTest {
  private static final Duration LEASE = Duration.ofMinutes(5);

  private static HikariDataSource db;
  private static PostgresJobStore jobs;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private Instant now;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    jobs = new PostgresJobStore(db);
    admin = new PostgresTenantAdmin(db);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @BeforeEach
  void tenant() {
    tenant = admin.createTenant("acme").id();
    now = Fixtures.now();
  }

  @Test
  void anInsertedJobIsFoundAsItWasSubmitted() {
    Job job = Fixtures.queuedJob(tenant, now);

    jobs.insert(job);

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(jobs.find(tenant, job.id())).contains(job);
  }

  @Test
  void insertWritesTheOutboxRowAnnouncingTheJobInTheSameTransaction() {
    Job job = Fixtures.queuedJob(tenant, now);

    PendingMessage pending = jobs.insert(job);

    assertThat(pending.tier()).isEqualTo(Tier.STANDARD);
    assertThat(pending.message())
        .isEqualTo(QueueMessage.job(job.id().value(), tenant, job.correlationId()));
    Map<String, Object> row =
        Fixtures.rows(db, "select * from outbox where id = ?", pending.outboxId()).getFirst();
    assertThat(row)
        .containsEntry("tier", "standard")
        .containsEntry("kind", "job")
        .containsEntry("subject_id", job.id().value())
        .containsEntry("tenant_id", tenant.value())
        .containsEntry("correlation_id", job.correlationId())
        .containsEntry("sent_at", null);
  }

  @Test
  void aFailedInsertLeavesNoOutboxRow() {
    Job job = Fixtures.queuedJob(tenant, now);
    jobs.insert(job);
    long outboxRows = (Long) Fixtures.value(db, "select count(*) from outbox");

    assertThatThrownBy(() -> jobs.insert(job)).isInstanceOf(DatabaseException.class);

    assertThat(Fixtures.value(db, "select count(*) from outbox")).isEqualTo(outboxRows);
  }

  @Test
  void anotherTenantsJobIsNotFound() {
    Job job = Fixtures.queuedJob(tenant, now);
    jobs.insert(job);
    TenantId stranger = admin.createTenant("stranger").id();

    assertThat(jobs.find(stranger, job.id())).isEmpty();
  }

  @Test
  void anUnknownJobIsNotFound() {
    assertThat(jobs.find(JobId.generate(now))).isEmpty();
  }

  @Test
  void insertRefusesAJobWhoseCreatedAtIsNotItsIdsTimestamp() {
    Job job = Fixtures.queuedJob(tenant, now);
    Job skewed =
        new Job(
            job.id(),
            job.tenantId(),
            job.type(),
            job.tier(),
            job.state(),
            0,
            job.spec(),
            null,
            null,
            null,
            job.createdAt().plusSeconds(1),
            job.createdAt(),
            null,
            null);

    assertThatThrownBy(() -> jobs.insert(skewed)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aClaimStartsTheFirstAttempt() {
    Job job = inserted();

    Optional<Job> claimed = jobs.claim(job.id(), now, now.plus(LEASE));

    assertThat(claimed).isPresent();
    assertThat(claimed.get().state()).isEqualTo(JobState.RUNNING);
    assertThat(claimed.get().attempt()).isEqualTo(1);
    assertThat(claimed.get().startedAt()).isEqualTo(now);
    assertThat(claimed.get().updatedAt()).isEqualTo(now);
    assertThat(leaseOf(job)).isEqualTo(now.plus(LEASE));
  }

  @Test
  void aDuplicateClaimFindsNothing() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));

    assertThat(jobs.claim(job.id(), now.plusSeconds(1), now.plus(LEASE))).isEmpty();
    assertThat(jobs.find(job.id()).orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void ofManyWorkersClaimingAtOnceExactlyOneWins() throws Exception {
    Job job = inserted();
    int workers = 8;
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
      List<Future<Optional<Job>>> claims = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        claims.add(
            pool.submit(() -> {
              start.await();
              return jobs.claim(job.id(), now, now.plus(LEASE));
            }));
      }
      start.countDown();
      int won = 0;
      for (Future<Optional<Job>> claim : claims) {
        won += claim.get().isPresent() ? 1 : 0;
      }
      assertThat(won).isEqualTo(1);
    }
    assertThat(jobs.find(job.id()).orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void anExpiredLeaseCanBeReclaimed() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    Instant later = now.plus(LEASE).plusMillis(1);

    Optional<Job> reclaimed = jobs.claim(job.id(), later, later.plus(LEASE));

    assertThat(reclaimed).isPresent();
    assertThat(reclaimed.get().attempt()).isEqualTo(2);
    assertThat(reclaimed.get().startedAt()).as("first start is kept").isEqualTo(now);
  }

  @Test
  void aLeaseIsLiveUntilItsLastInstant() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));

    assertThat(jobs.claim(job.id(), now.plus(LEASE), now.plus(LEASE).plus(LEASE))).isEmpty();
  }

  @Test
  void aReleasedJobIsClaimedAgainWithTheNextAttempt() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));

    assertThat(jobs.release(job.id(), 1, "throttled")).isTrue();

    Job released = jobs.find(job.id()).orElseThrow();
    assertThat(released.state()).isEqualTo(JobState.QUEUED);
    assertThat(Fixtures.value(db, "select last_error from jobs where id = ?", job.id().value()))
        .isEqualTo("throttled");
    assertThat(leaseOf(job)).isNull();
    Optional<Job> again = jobs.claim(job.id(), now.plusSeconds(5), now.plus(LEASE));
    assertThat(again).isPresent();
    assertThat(again.get().attempt()).isEqualTo(2);
  }

  @Test
  void releaseByAStaleAttemptChangesNothing() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    Instant later = now.plus(LEASE).plusSeconds(1);
    jobs.claim(job.id(), later, later.plus(LEASE));

    assertThat(jobs.release(job.id(), 1, "late")).isFalse();
    assertThat(jobs.find(job.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
  }

  @Test
  void aQueuedJobCannotBeReleased() {
    Job job = inserted();

    assertThat(jobs.release(job.id(), 0, "nothing")).isFalse();
  }

  @Test
  void finishRecordsASuccessAndItsResult() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    Instant end = now.plusSeconds(3);
    var result = Json.parseTrusted("{\"renditions\":[{\"key\":\"results/x\"}]}");

    Optional<List<PendingMessage>> outbox =
        jobs.finish(Finish.succeeded(job.id(), 1, result, end), event("job.succeeded"));

    assertThat(outbox).contains(List.of());
    Job done = jobs.find(job.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.result()).isEqualTo(result);
    assertThat(done.failure()).isNull();
    assertThat(done.finishedAt()).isEqualTo(end);
    assertThat(done.updatedAt()).isEqualTo(end);
    assertThat(leaseOf(job)).isNull();
  }

  @Test
  void finishRecordsAFailureAndItsReason() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    FailureReason reason = new FailureReason("source-too-large", "the source has 90 MB");

    jobs.finish(Finish.failed(job.id(), 1, reason, now.plusSeconds(1)), event("job.failed"));

    Job done = jobs.find(job.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.failure()).isEqualTo(reason);
    assertThat(done.result()).isNull();
  }

  @Test
  void aFinishedJobCannotBeClaimedAgain() {
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    jobs.finish(
        Finish.succeeded(job.id(), 1, Json.MAPPER.createObjectNode(), now), event("job.succeeded"));

    Instant muchLater = now.plus(LEASE).plus(LEASE);
    assertThat(jobs.claim(job.id(), muchLater, muchLater.plus(LEASE))).isEmpty();
  }

  @Test
  void finishWithAStaleAttemptReturnsEmpty() {
    endpoint(tenant, List.of("job.succeeded"));
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    Instant later = now.plus(LEASE).plusSeconds(1);
    jobs.claim(job.id(), later, later.plus(LEASE));

    Optional<List<PendingMessage>> outbox =
        jobs.finish(
            Finish.succeeded(job.id(), 1, Json.MAPPER.createObjectNode(), later),
            event("job.succeeded"));

    assertThat(outbox).isEmpty();
    assertThat(jobs.find(job.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    assertThat(deliveriesOf(job)).isEmpty();
  }

  @Test
  void aQueuedJobCannotBeFinished() {
    Job job = inserted();

    assertThat(
            jobs.finish(
                Finish.succeeded(job.id(), 0, Json.MAPPER.createObjectNode(), now),
                event("job.succeeded")))
        .isEmpty();
  }

  @Test
  void finishCreatesOneDeliveryPerSubscribedEndpoint() {
    WebhookEndpoint subscribed = endpoint(tenant, List.of("job.failed", "job.succeeded"));
    WebhookEndpoint alsoSubscribed = endpoint(tenant, List.of("job.succeeded"));
    endpoint(tenant, List.of("job.failed"));
    WebhookEndpoint disabled = endpoint(tenant, List.of("job.succeeded"));
    admin.disableEndpoint(tenant, disabled.id(), "test");
    TenantId stranger = admin.createTenant("stranger").id();
    endpoint(stranger, List.of("job.succeeded"));
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));
    WebhookEvent event = event("job.succeeded");
    Instant end = now.plusSeconds(2);

    List<PendingMessage> outbox =
        jobs.finish(Finish.succeeded(job.id(), 1, Json.MAPPER.createObjectNode(), end), event)
            .orElseThrow();

    List<Map<String, Object>> deliveries = deliveriesOf(job);
    assertThat(deliveries)
        .extracting(d -> d.get("endpoint_id"))
        .containsExactlyInAnyOrder(subscribed.id(), alsoSubscribed.id());
    for (Map<String, Object> delivery : deliveries) {
      assertThat(delivery)
          .containsEntry("tenant_id", tenant.value())
          .containsEntry("event_type", "job.succeeded")
          .containsEntry("payload", event.payload())
          .containsEntry("state", "pending")
          .containsEntry("attempt", 0)
          .containsEntry("correlation_id", job.correlationId())
          .containsEntry("next_attempt_at", null);
    }
    assertThat(outbox).hasSize(2);
    assertThat(outbox).allSatisfy(m -> assertThat(m.tier()).isEqualTo(Tier.CRITICAL));
    assertThat(outbox)
        .extracting(PendingMessage::message)
        .containsExactlyInAnyOrderElementsOf(
            deliveries.stream()
                .map(d -> QueueMessage.delivery((UUID) d.get("id"), tenant, job.correlationId()))
                .toList());
    for (PendingMessage message : outbox) {
      assertThat(
              Fixtures.rows(db, "select * from outbox where id = ?", message.outboxId()).getFirst())
          .containsEntry("tier", "critical")
          .containsEntry("kind", "delivery")
          .containsEntry("subject_id", message.message().id())
          .containsEntry("sent_at", null);
    }
  }

  @Test
  void finishCreatesNoDeliveryForAnEventNobodySubscribedTo() {
    endpoint(tenant, List.of("job.succeeded"));
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));

    Optional<List<PendingMessage>> outbox =
        jobs.finish(
            Finish.failed(job.id(), 1, new FailureReason("bad-media", "not an image"), now),
            event("job.failed"));

    assertThat(outbox).contains(List.of());
    assertThat(deliveriesOf(job)).isEmpty();
  }

  private Job inserted() {
    Job job = Fixtures.queuedJob(tenant, now);
    jobs.insert(job);
    return job;
  }

  private WebhookEndpoint endpoint(TenantId owner, List<String> eventTypes) {
    return admin.addEndpoint(
        owner, URI.create("https://hooks.example.com/" + UUID.randomUUID()), eventTypes, "v1:s");
  }

  private static WebhookEvent event(String type) {
    return new WebhookEvent(type, "{\"type\":\"" + type + "\",\"data\":{\"n\":1.50}}");
  }

  private Instant leaseOf(Job job) {
    Object lease =
        Fixtures.value(
            db,
            "select lease_until from jobs where id = ? and created_at = ?",
            job.id().value(),
            job.createdAt());
    return lease == null ? null : ((java.sql.Timestamp) lease).toInstant();
  }

  private List<Map<String, Object>> deliveriesOf(Job job) {
    return Fixtures.rows(db, "select * from deliveries where job_id = ?", job.id().value());
  }
}
