package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryOutcome;
import dev.conveyor.core.webhook.DeliveryTask;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
        new DeliveryOutcome.Succeeded());

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
        new DeliveryOutcome.RetryAt(retryAt));

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
        new DeliveryOutcome.Failed("attempts-exhausted"));

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
        new DeliveryOutcome.Succeeded());

    assertThat(delivery()).containsEntry("state", "delivering").containsEntry("attempt", 2);
    assertThat(attempts()).extracting(a -> a.get("attempt")).containsExactly(1);
  }

  @Test
  void recordingTheSameAttemptTwiceLogsItOnce() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    DeliveryAttempt attempt = new DeliveryAttempt(deliveryId, 1, now, 500, 10, "oops", null);

    deliveries.record(attempt, new DeliveryOutcome.RetryAt(now.plusSeconds(5)));
    deliveries.record(attempt, new DeliveryOutcome.RetryAt(now.plusSeconds(5)));

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
        new DeliveryOutcome.Failed(PostgresDeliveryStore.ENDPOINT_GONE));

    assertThat(
            Fixtures.rows(
                    db,
                    "select enabled, disabled_reason from webhook_endpoints where id = ?",
                    endpoint.id())
                .getFirst())
        .containsEntry("enabled", false)
        .containsEntry("disabled_reason", PostgresDeliveryStore.ENDPOINT_GONE);
  }

  @Test
  void responseBodiesAreKeptToTheirFirst4KiB() {
    deliveries.claim(deliveryId, now, now.plus(LEASE));
    String body = "\u0000" + "é".repeat(5000);

    deliveries.record(
        new DeliveryAttempt(deliveryId, 1, now, 500, 10, body, null),
        new DeliveryOutcome.RetryAt(now.plusSeconds(5)));

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

  private Map<String, Object> delivery() {
    return Fixtures.rows(db, "select * from deliveries where id = ?", deliveryId).getFirst();
  }

  private List<Map<String, Object>> attempts() {
    return Fixtures.rows(
        db, "select * from delivery_attempts where delivery_id = ? order by attempt", deliveryId);
  }
}
