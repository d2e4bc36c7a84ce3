package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.WebhookEndpointStore.Rotation;
import dev.conveyor.core.webhook.DeliveryTask;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresWebhookEndpointStoreTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration GRACE = Duration.ofHours(24);

  private static HikariDataSource db;
  private static PostgresWebhookEndpointStore store;
  private static PostgresDeliveryStore deliveries;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private Instant now;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    store = new PostgresWebhookEndpointStore(db);
    deliveries = new PostgresDeliveryStore(db);
    admin = new PostgresTenantAdmin(db);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @BeforeEach
  void aTenant() {
    tenant = admin.createTenant("acme").id();
    now = Fixtures.now();
  }

  @Test
  void aCreatedEndpointIsFoundAsItWasGivenWithItsSealedSecretInItsOwnRow() {
    WebhookEndpoint endpoint = endpoint(tenant, "billing");

    assertThat(store.create(endpoint, "v1:first", 20)).isTrue();

    assertThat(store.find(tenant, endpoint.id())).contains(endpoint);
    assertThat(store.list(tenant)).containsExactly(endpoint);
    assertThat(secretRows(endpoint.id()))
        .singleElement()
        .satisfies(row ->
            assertThat(row)
                .containsEntry("sealed_secret", "v1:first")
                .containsEntry("expires_at", null));
    assertThat(
            Fixtures.value(
                db, "select sealed_secrets from webhook_endpoints where id = ?", endpoint.id()))
        .as("the legacy array is left empty")
        .isNull();
  }

  @Test
  void aClaimSignsWithTheEndpointsSecret() {
    WebhookEndpoint endpoint = created(tenant);

    assertThat(claim(endpoint, now)).containsExactly("v1:first");
  }

  @Test
  void duringTheGracePeriodAClaimCarriesTheNewAndTheOldSecretAndAfterItOnlyTheNew() {
    WebhookEndpoint endpoint = created(tenant);
    Instant rotatedAt = now.plusSeconds(60);
    Instant graceEnds = rotatedAt.plus(GRACE);

    assertThat(store.rotateSecret(tenant, endpoint.id(), "v1:second", rotatedAt, graceEnds, 10))
        .isEqualTo(Rotation.ROTATED);

    assertThat(claim(endpoint, rotatedAt)).containsExactly("v1:second", "v1:first");
    assertThat(claim(endpoint, graceEnds.minusMillis(1))).containsExactly("v1:second", "v1:first");
    assertThat(claim(endpoint, graceEnds)).containsExactly("v1:second");
  }

  @Test
  void aZeroGraceRotationRetiresTheOldSecretAtOnceAndDropsItsRow() {
    WebhookEndpoint endpoint = created(tenant);

    store.rotateSecret(tenant, endpoint.id(), "v1:second", now, now, 10);

    assertThat(claim(endpoint, now)).containsExactly("v1:second");
    assertThat(secretRows(endpoint.id()))
        .extracting(row -> row.get("sealed_secret"))
        .containsExactly("v1:second");
  }

  @Test
  void aLaterRotationNeverExtendsAnEarlierGracePeriod() {
    WebhookEndpoint endpoint = created(tenant);
    store.rotateSecret(tenant, endpoint.id(), "v1:second", now, now.plusSeconds(60), 10);
    Instant later = now.plusSeconds(10);
    store.rotateSecret(tenant, endpoint.id(), "v1:third", later, later.plus(GRACE), 10);

    assertThat(claim(endpoint, now.plusSeconds(59)))
        .containsExactly("v1:third", "v1:second", "v1:first");
    assertThat(claim(endpoint, now.plusSeconds(60))).containsExactly("v1:third", "v1:second");
  }

  @Test
  void aRotationThatWouldExceedTheValidSecretsLimitChangesNothing() {
    WebhookEndpoint endpoint = created(tenant);
    store.rotateSecret(tenant, endpoint.id(), "v1:second", now, now.plus(GRACE), 3);
    store.rotateSecret(tenant, endpoint.id(), "v1:third", now, now.plus(GRACE), 3);

    assertThat(store.rotateSecret(tenant, endpoint.id(), "v1:fourth", now, now.plus(GRACE), 3))
        .isEqualTo(Rotation.TOO_MANY_SECRETS);
    assertThat(secretRows(endpoint.id())).hasSize(3);
    assertThat(store.rotateSecret(tenant, endpoint.id(), "v1:fourth", now, now, 3))
        .as("a zero-grace rotation is always possible")
        .isEqualTo(Rotation.ROTATED);
    assertThat(claim(endpoint, now)).containsExactly("v1:fourth");
  }

  @Test
  void anotherTenantCanNeitherSeeNorDeleteNorRotateAnEndpoint() {
    WebhookEndpoint endpoint = created(tenant);
    TenantId other = admin.createTenant("globex").id();

    assertThat(store.find(other, endpoint.id())).isEmpty();
    assertThat(store.list(other)).isEmpty();
    assertThat(store.delete(other, endpoint.id())).isFalse();
    assertThat(store.rotateSecret(other, endpoint.id(), "v1:evil", now, now, 10))
        .isEqualTo(Rotation.NOT_FOUND);
    assertThat(store.find(tenant, endpoint.id())).contains(endpoint);
    assertThat(claim(endpoint, now)).containsExactly("v1:first");
  }

  @Test
  void aDeletedEndpointIsDisabledKeepsNoSecretAndItsPendingDeliveryFails() {
    WebhookEndpoint endpoint = created(tenant);
    UUID pending = pendingDelivery(endpoint);

    assertThat(store.delete(tenant, endpoint.id())).isTrue();

    assertThat(store.find(tenant, endpoint.id())).isEmpty();
    assertThat(store.list(tenant)).isEmpty();
    assertThat(store.delete(tenant, endpoint.id())).as("already deleted").isFalse();
    assertThat(store.rotateSecret(tenant, endpoint.id(), "v1:x", now, now, 10))
        .isEqualTo(Rotation.NOT_FOUND);
    assertThat(
            Fixtures.rows(
                    db,
                    "select enabled, disabled_reason from webhook_endpoints where id = ?",
                    endpoint.id())
                .getFirst())
        .containsEntry("enabled", false)
        .containsEntry("disabled_reason", "deleted");
    assertThat(secretRows(endpoint.id())).isEmpty();
    assertThat(deliveries.claim(pending, now, now.plus(LEASE))).isEmpty();
    assertThat(
            Fixtures.rows(db, "select state, failure_reason from deliveries where id = ?", pending)
                .getFirst())
        .containsEntry("state", "failed")
        .containsEntry("failure_reason", PostgresDeliveryStore.ENDPOINT_DISABLED);
  }

  @Test
  void anEndpointAddedByTheAdminSignsFromTheNewTableAndADeletionClearsItsLegacyArray() {
    WebhookEndpoint endpoint =
        admin.addEndpoint(
            tenant,
            URI.create("https://hooks.example.com/admin"),
            List.of("job.failed"),
            "v1:admin");

    assertThat(store.find(tenant, endpoint.id())).contains(endpoint);
    assertThat(claim(endpoint, now)).containsExactly("v1:admin");

    store.delete(tenant, endpoint.id());

    assertThat(
            Fixtures.value(
                db, "select sealed_secrets from webhook_endpoints where id = ?", endpoint.id()))
        .isNull();
  }

  @Test
  void anEndpointDisabledByTheReceiverIsStillListedWithItsReason() {
    WebhookEndpoint endpoint = created(tenant);
    Fixtures.execute(
        db,
        "update webhook_endpoints set enabled = false, disabled_reason = 'gone' where id = ?",
        endpoint.id());

    assertThat(store.list(tenant))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.enabled()).isFalse();
          assertThat(e.disabledReason()).isEqualTo("gone");
        });
  }

  @Test
  void enablingADisabledEndpointClearsItsRecordButAnEnabledOneKeepsItsFailingSince() {
    WebhookEndpoint disabled = created(tenant);
    WebhookEndpoint failing = created(tenant);
    Instant since = now.minusSeconds(3600);
    Fixtures.execute(
        db,
        "update webhook_endpoints set enabled = false, disabled_reason = 'failing',"
            + " disabled_at = ?, failing_since = ? where id = ?",
        now,
        since,
        disabled.id());
    Fixtures.execute(
        db, "update webhook_endpoints set failing_since = ? where id = ?", since, failing.id());

    WebhookEndpoint enabled = store.enable(tenant, disabled.id()).orElseThrow();
    WebhookEndpoint stillFailing = store.enable(tenant, failing.id()).orElseThrow();

    assertThat(enabled.enabled()).isTrue();
    assertThat(enabled.disabledReason()).isNull();
    assertThat(enabled.disabledAt()).isNull();
    assertThat(enabled.failingSince()).isNull();
    assertThat(store.find(tenant, disabled.id())).contains(enabled);
    assertThat(stillFailing.failingSince())
        .as("enabling cannot postpone disabling")
        .isEqualTo(since);
  }

  @Test
  void aDeletedOrAnotherTenantsEndpointCannotBeEnabled() {
    WebhookEndpoint endpoint = created(tenant);
    TenantId stranger = admin.createTenant("globex").id();

    assertThat(store.enable(stranger, endpoint.id())).isEmpty();
    store.delete(tenant, endpoint.id());
    assertThat(store.enable(tenant, endpoint.id())).isEmpty();
    assertThat(
            Fixtures.value(
                db, "select disabled_reason from webhook_endpoints where id = ?", endpoint.id()))
        .isEqualTo("deleted");
  }

  @Test
  void theLimitCountsEndpointsThatAreNotDeleted() {
    WebhookEndpoint first = created(tenant);
    created(tenant);

    assertThat(store.create(endpoint(tenant, null), "v1:third", 2)).isFalse();
    store.delete(tenant, first.id());
    assertThat(store.create(endpoint(tenant, null), "v1:third", 2)).isTrue();
    assertThat(store.list(tenant)).hasSize(2);
  }

  @Test
  void concurrentCreationsCannotOvershootTheLimit() throws Exception {
    List<Callable<Boolean>> creations = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      creations.add(() -> store.create(endpoint(tenant, null), "v1:s", 5));
    }
    List<Boolean> outcomes = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (Future<Boolean> f : pool.invokeAll(creations)) {
        outcomes.add(f.get());
      }
    }

    assertThat(outcomes).filteredOn(created -> created).hasSize(5);
    assertThat(store.list(tenant)).hasSize(5);
  }

  @Test
  void theTableRefusesASecretThatIsNotSealed() {
    WebhookEndpoint endpoint = endpoint(tenant, null);

    assertThatThrownBy(() -> store.create(endpoint, "whsec_" + "A".repeat(32), 20))
        .isInstanceOf(DatabaseException.class);
    assertThat(store.list(tenant)).isEmpty();
  }

  @Test
  void theMigrationMovesExistingSecretsIntoTheirOwnRows() {
    try (HikariDataSource old =
        Database.pool(FreshDatabase.settings(FreshDatabase.createDatabase()))) {
      Flyway.configure()
          .dataSource(old)
          .locations(Database.MIGRATIONS)
          .target("5")
          .load()
          .migrate();
      TenantId owner = new TenantId(UUID.randomUUID());
      UUID endpointId = UUID.randomUUID();
      Fixtures.execute(old, "insert into tenants (id, name) values (?, 'acme')", owner.value());
      Fixtures.execute(
          old,
          "insert into webhook_endpoints (id, tenant_id, url, event_types, sealed_secrets)"
              + " values (?, ?, 'https://h.example.com', array['job.failed'], array['v1:a', 'v1:b'])",
          endpointId,
          owner.value());

      Database.migrate(old);

      List<Map<String, Object>> rows =
          Fixtures.rows(
              old,
              "select sealed_secret, expires_at from webhook_endpoint_secrets"
                  + " where endpoint_id = ? order by id",
              endpointId);
      assertThat(rows).extracting(row -> row.get("sealed_secret")).containsExactly("v1:a", "v1:b");
      assertThat(rows).allSatisfy(row -> assertThat(row).containsEntry("expires_at", null));
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private WebhookEndpoint endpoint(TenantId owner, String description) {
    return WebhookEndpoint.created(
        UUID.randomUUID(),
        owner,
        URI.create("https://hooks.example.com/" + UUID.randomUUID()),
        List.of("job.succeeded", "job.cancelled"),
        description,
        now);
  }

  private WebhookEndpoint created(TenantId owner) {
    WebhookEndpoint endpoint = endpoint(owner, null);
    assertThat(store.create(endpoint, "v1:first", 20)).isTrue();
    return endpoint;
  }

  /** The sealed secrets a delivery to this endpoint claimed at {@code at} is signed with. */
  private List<String> claim(WebhookEndpoint endpoint, Instant at) {
    UUID delivery = pendingDelivery(endpoint);
    return deliveries
        .claim(delivery, at, at.plus(LEASE))
        .map(DeliveryTask::sealedSecrets)
        .orElseThrow();
  }

  private UUID pendingDelivery(WebhookEndpoint endpoint) {
    UUID id = UUID.randomUUID();
    Fixtures.execute(
        db,
        "insert into deliveries (id, tenant_id, job_id, endpoint_id, event_type, payload, state,"
            + " attempt, created_at, updated_at)"
            + " values (?, ?, ?, ?, 'job.succeeded', '{}', 'pending', 0, ?, ?)",
        id,
        endpoint.tenantId().value(),
        UUID.randomUUID(),
        endpoint.id(),
        now,
        now);
    return id;
  }

  private static List<Map<String, Object>> secretRows(UUID endpointId) {
    return Fixtures.rows(
        db,
        "select sealed_secret, created_at, expires_at from webhook_endpoint_secrets"
            + " where endpoint_id = ? order by id",
        endpointId);
  }
}
