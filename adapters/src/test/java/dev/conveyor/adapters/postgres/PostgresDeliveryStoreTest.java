package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.DeliveryStore.Retried;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.query.DeliveryPage;
import dev.conveyor.core.query.DeliveryQuery;
import dev.conveyor.core.webhook.Delivery;
import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryOutcome;
import dev.conveyor.core.webhook.DeliveryState;
import dev.conveyor.core.webhook.DeliveryTask;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresDeliveryStoreTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final String PAYLOAD = "{\"type\":\"job.succeeded\",\"data\":{\"x\":1.0}}";

  /** A cutoff for disabling failing endpoints that no attempt here reaches. */
  private static final Instant LONG_AGO = Instant.parse("2000-01-01T00:00:00Z");

  private static HikariDataSource db;
  private static PostgresDeliveryStore deliveries;
  private static PostgresJobStore jobs;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private WebhookEndpoint endpoint;
  private Job job;
  private UUID deliveryId;
  private Instant now;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    deliveries = new PostgresDeliveryStore(db);
    jobs = new PostgresJobStore(db);
    admin = new PostgresTenantAdmin(db);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  /** A job that succeeded, and the one delivery announcing it. */
  @BeforeEach
  void aSucceededJobWithOneDelivery() {
    now = Fixtures.now();
    tenant = admin.createTenant("acme").id();
    endpoint =
        admin.addEndpoint(
            tenant,
            URI.create("https://hooks.example.com/conveyor"),
            List.of("job.succeeded"),
            "v1:sealed-secret");
    job = Fixtures.queuedJob(tenant, now);
    jobs.insert(job);
    jobs.claim(job.id(), now, now.plusSeconds(60));
    deliveryId =
        jobs.finish(
                Finish.succeeded(job.id(), 1, Json.MAPPER.createObjectNode(), now),
                new WebhookEvent("job.succeeded", PAYLOAD))
            .orElseThrow()
            .getFirst()
            .message()
            .id();
  }

  @Test
  void aClaimHandsOverEverythingTheAttemptNeeds() {
    Optional<DeliveryTask> task = deliveries.claim(deliveryId, now, now.plus(LEASE));

    assertThat(task)
        .contains(
            new DeliveryTask(
                deliveryId,
                tenant,
                job.id().value(),
                endpoint.id(),
                endpoint.url(),
                List.of("v1:sealed-secret"),
                "job.succeeded",
                PAYLOAD,
                1,
                0,
                job.correlationId()));
    assertThat(delivery()).containsEntry("state", "delivering").containsEntry("attempt", 1);
  }

  @Test
  void aDuplicateClaimFindsNothing() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));

    assertThat(deliveries.claim(deliveryId, now.plusSeconds(1), now.plus(LEASE))).isEmpty();
    assertThat(delivery()).containsEntry("attempt", 1);
  }

  @Test
  void anUnknownDeliveryIsNotClaimed() {
    assertThat(deliveries.claim(UUID.randomUUID(), now, now.plus(LEASE))).isEmpty();
  }

  @Test
  void anExpiredDeliveryLeaseCanBeReclaimed() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    Instant later = now.plus(LEASE).plusMillis(1);

    Optional<DeliveryTask> reclaimed = deliveries.claim(deliveryId, later, later.plus(LEASE));

    assertThat(reclaimed).map(DeliveryTask::attempt).contains(2);
  }

  @Test
  void aSuccessEndsTheDeliveryAndIsLogged() {
    DeliveryTask task = deliveries.claim(deliveryId, now, now.plus(LEASE)).orElseThrow();
    Instant at = now.plusMillis(120);

    deliveries.record(
        new DeliveryAttempt(deliveryId, task.attempt(), at, 204, 120, "", null),
        new DeliveryOutcome.Succeeded(),
        LONG_AGO);

    assertThat(delivery())
        .containsEntry("state", "succeeded")
        .containsEntry("last_status", 204)
        .containsEntry("lease_until", null);
    assertThat(attempts())
        .singleElement()
        .satisfies(a ->
            assertThat(a)
                .containsEntry("attempt", 1)
                .containsEntry("status", 204)
                .containsEntry("latency_ms", 120L)
                .containsEntry("response_body", "")
                .containsEntry("error_class", null));
    assertThat(deliveries.claim(deliveryId, now.plus(LEASE).plus(LEASE), now)).isEmpty();
  }

  @Test
  void aRetryWaitsUntilItsTimeAndThenClaimsTheNextAttempt() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    Instant at = now.plusSeconds(1);
    Instant retryAt = at.plusSeconds(5);

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, at, 503, 40, "busy", null),
        new DeliveryOutcome.RetryAt(retryAt),
        LONG_AGO);

    assertThat(delivery()).containsEntry("state", "pending").containsEntry("last_status", 503);
    assertThat(deliveries.claim(deliveryId, retryAt.minusMillis(1), retryAt.plus(LEASE)))
        .as("not yet due")
        .isEmpty();
    assertThat(deliveries.notDueUntil(deliveryId, retryAt.minusMillis(1))).contains(retryAt);
    assertThat(deliveries.notDueUntil(deliveryId, retryAt)).as("due now").isEmpty();
    assertThat(deliveries.claim(deliveryId, retryAt, retryAt.plus(LEASE)))
        .map(DeliveryTask::attempt)
        .contains(2);
    assertThat(deliveries.notDueUntil(deliveryId, retryAt)).as("delivering").isEmpty();
  }

  @Test
  void aFailureIsFinal() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, now, null, 15_000, null, "timeout"),
        new DeliveryOutcome.Failed("attempts-exhausted"),
        LONG_AGO);

    assertThat(delivery())
        .containsEntry("state", "failed")
        .containsEntry("failure_reason", "attempts-exhausted")
        .containsEntry("last_status", null);
    assertThat(attempts())
        .singleElement()
        .satisfies(a ->
            assertThat(a).containsEntry("status", null).containsEntry("error_class", "timeout"));
    Instant later = now.plus(LEASE).plus(LEASE);
    assertThat(deliveries.claim(deliveryId, later, later.plus(LEASE))).isEmpty();
  }

  @Test
  void aStaleAttemptIsLoggedButChangesNothing() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    Instant later = now.plus(LEASE).plusSeconds(1);
    deliveries.claim(deliveryId, later, later.plus(LEASE));

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, later, 200, 31_000, "ok", null),
        new DeliveryOutcome.Succeeded(),
        LONG_AGO);

    assertThat(delivery()).containsEntry("state", "delivering").containsEntry("attempt", 2);
    assertThat(attempts()).extracting(a -> a.get("attempt")).containsExactly(1);
  }

  @Test
  void recordingTheSameAttemptTwiceLogsItOnce() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    DeliveryAttempt attempt = new DeliveryAttempt(deliveryId, 1, now, 500, 10, "oops", null);

    deliveries.record(attempt, new DeliveryOutcome.RetryAt(now.plusSeconds(5)), LONG_AGO);
    deliveries.record(attempt, new DeliveryOutcome.RetryAt(now.plusSeconds(5)), LONG_AGO);

    assertThat(attempts()).hasSize(1);
  }

  @Test
  void aDeliveryToADisabledEndpointFailsInsteadOfGoingOut() {
    admin.disableEndpoint(tenant, endpoint.id(), "turned off by the tenant");

    assertThat(deliveries.claim(deliveryId, now, now.plus(LEASE))).isEmpty();

    assertThat(delivery())
        .containsEntry("state", "failed")
        .containsEntry("failure_reason", PostgresDeliveryStore.ENDPOINT_DISABLED)
        .containsEntry("attempt", 0);
    assertThat(attempts()).isEmpty();
  }

  @Test
  void anEndpointThatAnswersGoneIsDisabled() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, now, 410, 12, "gone", null),
        new DeliveryOutcome.Failed(PostgresDeliveryStore.ENDPOINT_GONE),
        LONG_AGO);

    assertThat(endpointNow())
        .satisfies(e -> {
          assertThat(e.enabled()).isFalse();
          assertThat(e.disabledReason()).isEqualTo(WebhookEndpoint.GONE);
          assertThat(e.disabledAt()).isEqualTo(now);
          assertThat(e.failingSince()).isEqualTo(now);
        });
  }

  // --- the endpoint's health ---------------------------------------------------------------------

  @Test
  void theFirstFailedAttemptStartsTheEndpointsRunOfFailuresAndASuccessEndsIt() {
    Instant first = now.plusSeconds(1);
    Instant second = first.plusSeconds(10);
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, first, 500, 10, "oops", null),
        new DeliveryOutcome.RetryAt(first.plusSeconds(5)),
        LONG_AGO);
    deliveries.claim(deliveryId, second, second.plus(LEASE));
    deliveries.record(
        new DeliveryAttempt(deliveryId, 2, second, null, 15_000, null, "timeout"),
        new DeliveryOutcome.RetryAt(second.plusSeconds(300)),
        LONG_AGO);

    assertThat(endpointNow().failingSince()).as("kept from the first failure").isEqualTo(first);

    Instant third = second.plusSeconds(300);
    deliveries.claim(deliveryId, third, third.plus(LEASE));
    deliveries.record(
        new DeliveryAttempt(deliveryId, 3, third, 200, 10, "ok", null),
        new DeliveryOutcome.Succeeded(),
        LONG_AGO);

    assertThat(endpointNow().failingSince()).isNull();
    assertThat(endpointNow().enabled()).isTrue();
  }

  @Test
  void aFailedAttemptDisablesAnEndpointFailingSinceTheCutoffOrEarlier() {
    Instant failingSince = now.minus(Duration.ofDays(6));
    Fixtures.execute(
        db,
        "update webhook_endpoints set failing_since = ? where id = ?",
        failingSince,
        endpoint.id());
    deliveries.claim(deliveryId, now, now.plus(LEASE));

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, now, 503, 10, "busy", null),
        new DeliveryOutcome.RetryAt(now.plusSeconds(5)),
        now.minus(Duration.ofDays(5)));

    assertThat(endpointNow())
        .satisfies(e -> {
          assertThat(e.enabled()).isFalse();
          assertThat(e.disabledReason()).isEqualTo(WebhookEndpoint.FAILING);
          assertThat(e.disabledAt()).isEqualTo(now);
          assertThat(e.failingSince()).isEqualTo(failingSince);
        });
    Instant due = now.plusSeconds(5);
    assertThat(deliveries.claim(deliveryId, due, due.plus(LEASE))).as("no more attempts").isEmpty();
    assertThat(delivery())
        .containsEntry("state", "failed")
        .containsEntry("failure_reason", PostgresDeliveryStore.ENDPOINT_DISABLED);
  }

  @Test
  void aStaleAttemptLeavesTheEndpointsHealthAlone() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    Instant later = now.plus(LEASE).plusSeconds(1);
    deliveries.claim(deliveryId, later, later.plus(LEASE));

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, later, 500, 31_000, "late", null),
        new DeliveryOutcome.RetryAt(later.plusSeconds(5)),
        later);

    assertThat(endpointNow().failingSince()).isNull();
    assertThat(endpointNow().enabled()).isTrue();
  }

  // --- the log as tenants read it, and manual retries
  // ---------------------------------------------

  @Test
  void aDeliveryIsReadWithItsAttemptsNewestFirstByItsTenantOnly() {
    failedAfterTwoAttempts();

    Delivery read = deliveries.find(tenant, deliveryId).orElseThrow();

    assertThat(read.state()).isEqualTo(DeliveryState.FAILED);
    assertThat(read.failureReason()).isEqualTo("attempts-exhausted");
    assertThat(read.attemptCount()).isEqualTo(2);
    assertThat(read.jobId()).isEqualTo(job.id().value());
    assertThat(read.endpointId()).isEqualTo(endpoint.id());
    assertThat(read.eventType()).isEqualTo("job.succeeded");
    assertThat(read.attempts())
        .extracting(DeliveryAttempt::attempt, DeliveryAttempt::status, DeliveryAttempt::errorClass)
        .containsExactly(tuple(2, null, "timeout"), tuple(1, 500, null));
    assertThat(deliveries.findByJob(tenant, job.id().value())).containsExactly(read);
    TenantId stranger = admin.createTenant("globex").id();
    assertThat(deliveries.find(stranger, deliveryId)).isEmpty();
    assertThat(deliveries.findByJob(stranger, job.id().value())).isEmpty();
  }

  @Test
  void aRetriedDeliveryIsPendingAndDueWithAFreshBudgetItsAttemptsKeptAndItsOutboxRowWritten() {
    failedAfterTwoAttempts();
    Instant retriedAt = now.plusSeconds(60);

    Retried retried = deliveries.retry(tenant, deliveryId, retriedAt).orElseThrow();

    assertThat(retried.delivery().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(retried.delivery().failureReason()).isNull();
    assertThat(retried.delivery().nextAttemptAt()).isNull();
    assertThat(retried.delivery().attempts()).hasSize(2);
    assertThat(retried.message().tier()).isEqualTo(Tier.CRITICAL);
    assertThat(retried.message().message())
        .isEqualTo(QueueMessage.delivery(deliveryId, tenant, job.correlationId()));
    assertThat(
            Fixtures.rows(
                db, "select id, sent_at from outbox where subject_id = ? order by id", deliveryId))
        .last()
        .satisfies(row -> {
          assertThat(row).containsEntry("id", retried.message().outboxId());
          assertThat(row.get("sent_at")).isNull();
        });
    DeliveryTask task =
        deliveries.claim(deliveryId, retriedAt, retriedAt.plus(LEASE)).orElseThrow();
    assertThat(task.attempt()).isEqualTo(3);
    assertThat(task.attemptSinceRetry()).isEqualTo(1);
  }

  @Test
  void onlyAFailedDeliveryOfTheTenantToAnEnabledEndpointIsRetried() {
    assertThat(deliveries.retry(tenant, deliveryId, now)).as("pending").isEmpty();
    failedAfterTwoAttempts();
    TenantId stranger = admin.createTenant("globex").id();
    assertThat(deliveries.retry(stranger, deliveryId, now)).as("another tenant's").isEmpty();
    admin.disableEndpoint(tenant, endpoint.id(), "paused");
    assertThat(deliveries.retry(tenant, deliveryId, now)).as("endpoint disabled").isEmpty();

    assertThat(delivery()).containsEntry("state", "failed");
    assertThat(Fixtures.rows(db, "select id from outbox where subject_id = ?", deliveryId))
        .as("only the row that announced it first")
        .hasSize(1);
  }

  @Test
  void anEndpointsDeliveriesArePagedNewestFirstWithoutGapsOrRepeats() {
    List<UUID> newestFirst = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      newestFirst.addFirst(deliveryOfAnotherJob(now.plusSeconds(1 + i / 2))); // pairs share a time
    }
    newestFirst.add(deliveryId);

    List<UUID> paged = new ArrayList<>();
    DeliveryQuery query = DeliveryQuery.firstPage(2);
    DeliveryPage page;
    do {
      page = deliveries.listByEndpoint(tenant, endpoint.id(), query);
      page.deliveries().forEach(d -> paged.add(d.id()));
      query = new DeliveryQuery(2, page.next());
    } while (page.next() != null);

    assertThat(paged).containsExactlyInAnyOrderElementsOf(newestFirst).doesNotHaveDuplicates();
    List<Instant> times =
        paged.stream().map(id -> deliveries.find(tenant, id).orElseThrow().createdAt()).toList();
    assertThat(times).isSortedAccordingTo(Comparator.reverseOrder());
    assertThat(paged.getLast()).isEqualTo(deliveryId);
    assertThat(
            deliveries
                .listByEndpoint(admin.createTenant("globex").id(), endpoint.id(), query)
                .deliveries())
        .isEmpty();
  }

  @Test
  void responseBodiesAreKeptToTheirFirst4KiB() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    String body = "\u0000" + "é".repeat(5000);

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, now, 500, 10, body, null),
        new DeliveryOutcome.RetryAt(now.plusSeconds(5)),
        LONG_AGO);

    String stored = (String) attempts().getFirst().get("response_body");
    assertThat(stored.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
    assertThat(stored).startsWith("\uFFFDéé");
    assertThat(body.substring(1)).startsWith(stored.substring(1));
  }

  @Test
  void truncationNeverSplitsACharacter() {
    assertThat(PostgresDeliveryStore.truncateUtf8("ab€", 4)).isEqualTo("ab");
    assertThat(PostgresDeliveryStore.truncateUtf8("ab€", 5)).isEqualTo("ab€");
    assertThat(PostgresDeliveryStore.truncateUtf8("a😀", 4)).isEqualTo("a");
    assertThat(PostgresDeliveryStore.truncateUtf8(null, 4)).isNull();
  }

  /** Attempt 1 answered 500, attempt 2 timed out, and the schedule allowed no more. */
  private void failedAfterTwoAttempts() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, now, 500, 42, "oops", null),
        new DeliveryOutcome.RetryAt(now.plusSeconds(5)),
        LONG_AGO);
    Instant second = now.plusSeconds(5);
    deliveries.claim(deliveryId, second, second.plus(LEASE));
    deliveries.record(
        new DeliveryAttempt(deliveryId, 2, second, null, 15_000, null, "timeout"),
        new DeliveryOutcome.Failed("attempts-exhausted"),
        LONG_AGO);
  }

  /** The delivery to the endpoint of another of the tenant's jobs, which ended at {@code at}. */
  private UUID deliveryOfAnotherJob(Instant at) {
    Job other = Fixtures.queuedJob(tenant, now);
    jobs.insert(other);
    jobs.claim(other.id(), now, now.plusSeconds(60));
    return jobs.finish(
            Finish.succeeded(other.id(), 1, Json.MAPPER.createObjectNode(), at),
            new WebhookEvent("job.succeeded", PAYLOAD))
        .orElseThrow()
        .getFirst()
        .message()
        .id();
  }

  private WebhookEndpoint endpointNow() {
    return new PostgresWebhookEndpointStore(db).find(tenant, endpoint.id()).orElseThrow();
  }

  private Map<String, Object> delivery() {
    return Fixtures.rows(db, "select * from deliveries where id = ?", deliveryId).getFirst();
  }

  private List<Map<String, Object>> attempts() {
    return Fixtures.rows(
        db, "select * from delivery_attempts where delivery_id = ? order by attempt", deliveryId);
  }
}
