package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.tenant.ApiKeys;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresTenantDirectoryTest {
  private static HikariDataSource db;
  private static PostgresTenantDirectory directory;
  private static PostgresTenantAdmin admin;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    directory = new PostgresTenantDirectory(db);
    admin = new PostgresTenantAdmin(db);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void anApiKeyFindsItsTenant() {
    Tenant tenant = admin.createTenant("acme");
    String key = ApiKeys.generate();
    admin.addApiKey(tenant.id(), ApiKeys.hash(key), ApiKeys.displayPrefix(key));

    assertThat(directory.findByApiKeyHash(ApiKeys.hash(key))).contains(tenant);
  }

  @Test
  void aRevokedApiKeyFindsNothing() {
    Tenant tenant = admin.createTenant("acme");
    String revoked = ApiKeys.generate();
    String active = ApiKeys.generate();
    admin.addApiKey(tenant.id(), ApiKeys.hash(revoked), ApiKeys.displayPrefix(revoked));
    admin.addApiKey(tenant.id(), ApiKeys.hash(active), ApiKeys.displayPrefix(active));

    assertThat(admin.revokeApiKey(ApiKeys.hash(revoked), Fixtures.now())).isTrue();

    assertThat(directory.findByApiKeyHash(ApiKeys.hash(revoked))).isEmpty();
    assertThat(directory.findByApiKeyHash(ApiKeys.hash(active))).contains(tenant);
    assertThat(admin.revokeApiKey(ApiKeys.hash(revoked), Fixtures.now())).isFalse();
  }

  @Test
  void anUnknownApiKeyFindsNothing() {
    assertThat(directory.findByApiKeyHash(ApiKeys.hash(ApiKeys.generate()))).isEmpty();
    assertThat(directory.findByApiKeyHash(null)).isEmpty();
  }

  @Test
  void onlyTheKeysDigestIsStored() {
    Tenant tenant = admin.createTenant("acme");
    String key = ApiKeys.generate();

    assertThatThrownBy(() -> admin.addApiKey(tenant.id(), key, ApiKeys.displayPrefix(key)))
        .isInstanceOf(IllegalArgumentException.class);

    admin.addApiKey(tenant.id(), ApiKeys.hash(key), ApiKeys.displayPrefix(key));
    assertThat(Fixtures.rows(db, "select * from api_keys where tenant_id = ?", tenant.id().value()))
        .singleElement()
        .satisfies(row ->
            assertThat(row)
                .containsEntry("key_hash", ApiKeys.hash(key))
                .containsEntry("display_prefix", ApiKeys.displayPrefix(key))
                .doesNotContainValue(key));
  }

  @Test
  void anEndpointIsStoredWithItsSubscriptionsAndSealedSecret() {
    Tenant tenant = admin.createTenant("acme");
    URI url = URI.create("https://hooks.example.com/in");

    WebhookEndpoint endpoint =
        admin.addEndpoint(tenant.id(), url, List.of("job.succeeded", "job.failed"), "v1:abc");

    assertThat(endpoint.tenantId()).isEqualTo(tenant.id());
    Map<String, Object> row =
        Fixtures.rows(db, "select * from webhook_endpoints where id = ?", endpoint.id()).getFirst();
    assertThat(row).containsEntry("url", url.toString()).containsEntry("enabled", true);
    assertThat((String[]) row.get("event_types")).containsExactly("job.succeeded", "job.failed");
    assertThat((String[]) row.get("sealed_secrets")).containsExactly("v1:abc");
  }
}
