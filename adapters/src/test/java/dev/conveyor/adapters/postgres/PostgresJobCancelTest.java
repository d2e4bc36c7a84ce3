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
import dev.conveyor.core.port.JobStore.Cancellation;
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
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresJobCancelTest {
  private static final Duration LEASE = Duration.ofMinutes(5);

  private static HikariDataSource db;
  private static PostgresJobStore jobs;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private Instant now;
  private final List<Job> announced = new ArrayList<>();

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
  void aQueuedJobIsCancelledAndFinishedAtTheGivenInstant() {
    Job job = inserted();
    Instant at = now.plusSeconds(7);

    Cancellation cancellation = jobs.cancel(tenant, job.id(), at, this::announce).orElseThrow();

    Job cancelled = cancellation.job();
    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    assertThat(cancelled.finishedAt()).isEqualTo(at);
    assertThat(cancelled.updatedAt()).isEqualTo(at);
    assertThat(cancelled.startedAt()).isNull();
    assertThat(jobs.find(job.id())).contains(cancelled);
  }

  @Test
  void theAnnouncementIsBuiltFromTheCancelledJobAsStored() {
    Job job = inserted();

    Cancellation cancellation =
        jobs.cancel(tenant, job.id(), now.plusSeconds(1), this::announce).orElseThrow();

    assertThat(announced).containsExactly(cancellation.job());
  }

  @Test
  void cancelCreatesAJobCancelledDeliveryAndOutboxRowPerSubscribedEndpoint() {
    WebhookEndpoint subscribed = endpoint(tenant, List.of("job.cancelled", "job.succeeded"));
    WebhookEndpoint alsoSubscribed = endpoint(tenant, List.of("job.cancelled"));
    endpoint(tenant, List.of("job.succeeded", "job.failed"));
    WebhookEndpoint disabled = endpoint(tenant, List.of("job.cancelled"));
    admin.disableEndpoint(tenant, disabled.id(), "test");
    endpoint(admin.createTenant("stranger").id(), List.of("job.cancelled"));
    Job job = inserted();
    Instant at = now.plusSeconds(2);

    List<PendingMessage> outbox =
        jobs.cancel(tenant, job.id(), at, this::announce).orElseThrow().messages();

    List<Map<String, Object>> deliveries = deliveriesOf(job);
    assertThat(deliveries)
        .extracting(d -> d.get("endpoint_id"))
        .containsExactlyInAnyOrder(subscribed.id(), alsoSubscribed.id());
    for (Map<String, Object> delivery : deliveries) {
      assertThat(delivery)
          .containsEntry("tenant_id", tenant.value())
          .containsEntry("event_type", "job.cancelled")
          .containsEntry("payload", payloadOf(job))
          .containsEntry("state", "pending")
          .containsEntry("attempt", 0)
          .containsEntry("correlation_id", job.correlationId());
    }
    assertThat(outbox)
        .extracting(PendingMessage::message)
        .containsExactlyInAnyOrderElementsOf(
            deliveries.stream()
                .map(d -> QueueMessage.delivery((UUID) d.get("id"), tenant, job.correlationId()))
                .toList());
    for (PendingMessage message : outbox) {
      assertThat(message.tier()).isEqualTo(Tier.CRITICAL);
      assertThat(
              Fixtures.rows(db, "select * from outbox where id = ?", message.outboxId()).getFirst())
          .containsEntry("tier", "critical")
          .containsEntry("kind", "delivery")
          .containsEntry("subject_id", message.message().id())
          .containsEntry("sent_at", null);
    }
  }

  @Test
  void aFailingAnnouncementRollsTheCancelBack() {
    endpoint(tenant, List.of("job.cancelled"));
    Job job = inserted();
    long outboxRows = (Long) Fixtures.value(db, "select count(*) from outbox");
    Function<Job, WebhookEvent> broken =
        cancelled -> new WebhookEvent("job.cancelled", "{\"bad\":\"\u0000\"}");

    assertThatThrownBy(() -> jobs.cancel(tenant, job.id(), now, broken))
        .isInstanceOf(DatabaseException.class);
    assertThatThrownBy(() ->
            jobs.cancel(
                tenant,
                job.id(),
                now,
                cancelled -> {
                  throw new IllegalStateException("presenter failed");
                }))
        .isInstanceOf(IllegalStateException.class);

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(deliveriesOf(job)).isEmpty();
    assertThat(Fixtures.value(db, "select count(*) from outbox")).isEqualTo(outboxRows);
  }

  @Test
  void aCancelledJobsMessageFindsNothingToClaim() {
    Job job = inserted();
    jobs.cancel(tenant, job.id(), now, this::announce).orElseThrow();

    Instant muchLater = now.plus(LEASE).plus(LEASE);
    assertThat(jobs.claim(job.id(), now.plusSeconds(1), now.plus(LEASE))).isEmpty();
    assertThat(jobs.claim(job.id(), muchLater, muchLater.plus(LEASE))).isEmpty();
    Job stored = jobs.find(job.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(JobState.CANCELLED);
    assertThat(stored.attempt()).isZero();
  }

  @Test
  void cancellingACancelledJobChangesAndAnnouncesNothing() {
    endpoint(tenant, List.of("job.cancelled"));
    Job job = inserted();
    Job cancelled = jobs.cancel(tenant, job.id(), now, this::announce).orElseThrow().job();

    assertThat(jobs.cancel(tenant, job.id(), now.plusSeconds(9), this::announce)).isEmpty();

    assertThat(jobs.find(job.id())).contains(cancelled);
    assertThat(deliveriesOf(job)).hasSize(1);
    assertThat(announced).hasSize(1);
  }

  @Test
  void aRunningJobIsNotCancelledAndItsRunFinishesNormally() {
    endpoint(tenant, List.of("job.cancelled", "job.succeeded"));
    Job job = inserted();
    jobs.claim(job.id(), now, now.plus(LEASE));

    assertThat(jobs.cancel(tenant, job.id(), now.plusSeconds(1), this::announce)).isEmpty();

    assertThat(jobs.find(job.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    assertThat(
            jobs.finish(
                Finish.succeeded(job.id(), 1, Json.MAPPER.createObjectNode(), now.plusSeconds(2)),
                new WebhookEvent("job.succeeded", "{}")))
        .isPresent();
    assertThat(deliveriesOf(job))
        .extracting(d -> d.get("event_type"))
        .containsExactly("job.succeeded");
    assertThat(announced).isEmpty();
  }

  @Test
  void aSucceededOrFailedJobIsNotCancelled() {
    Job succeeded = inserted();
    jobs.claim(succeeded.id(), now, now.plus(LEASE));
    jobs.finish(
        Finish.succeeded(succeeded.id(), 1, Json.MAPPER.createObjectNode(), now),
        new WebhookEvent("job.succeeded", "{}"));
    Job failed = inserted();
    jobs.claim(failed.id(), now, now.plus(LEASE));
    jobs.finish(
        Finish.failed(failed.id(), 1, new FailureReason("bad-media", "not an image"), now),
        new WebhookEvent("job.failed", "{}"));

    for (Job job : List.of(succeeded, failed)) {
      Job before = jobs.find(job.id()).orElseThrow();
      assertThat(jobs.cancel(tenant, job.id(), now.plusSeconds(1), this::announce)).isEmpty();
      assertThat(jobs.find(job.id())).contains(before);
    }
    assertThat(announced).isEmpty();
  }

  @Test
  void anotherTenantCannotCancelAJob() {
    endpoint(tenant, List.of("job.cancelled"));
    Job job = inserted();
    TenantId stranger = admin.createTenant("stranger").id();

    assertThat(jobs.cancel(stranger, job.id(), now, this::announce)).isEmpty();

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(deliveriesOf(job)).isEmpty();
  }

  @Test
  void anUnknownJobIsNotCancelled() {
    assertThat(jobs.cancel(tenant, JobId.generate(now), now, this::announce)).isEmpty();
  }

  @Test
  void ofWorkersClaimingAndClientsCancellingAtOnceExactlyOneWins() throws Exception {
    for (int round = 0; round < 5; round++) {
      Job job = inserted();
      int contenders = 8;
      CountDownLatch start = new CountDownLatch(1);
      try (ExecutorService pool = Executors.newFixedThreadPool(contenders)) {
        List<Future<Boolean>> attempts = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
          boolean cancel = i % 2 == 0;
          attempts.add(
              pool.submit(() -> {
                start.await();
                return cancel
                    ? jobs.cancel(tenant, job.id(), now, this::announce).isPresent()
                    : jobs.claim(job.id(), now, now.plus(LEASE)).isPresent();
              }));
        }
        start.countDown();
        int won = 0;
        for (Future<Boolean> attempt : attempts) {
          won += attempt.get() ? 1 : 0;
        }
        assertThat(won).isEqualTo(1);
      }
      Job after = jobs.find(job.id()).orElseThrow();
      assertThat(after.state()).isIn(JobState.CANCELLED, JobState.RUNNING);
      assertThat(after.attempt()).isEqualTo(after.state() == JobState.RUNNING ? 1 : 0);
    }
  }

  // ---- helpers ----

  private synchronized WebhookEvent announce(Job cancelled) {
    announced.add(cancelled);
    return new WebhookEvent("job.cancelled", payloadOf(cancelled));
  }

  private static String payloadOf(Job job) {
    return "{\"type\":\"job.cancelled\",\"data\":{\"id\":\"" + job.id() + "\"}}";
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

  private List<Map<String, Object>> deliveriesOf(Job job) {
    return Fixtures.rows(db, "select * from deliveries where job_id = ?", job.id().value());
  }
}
