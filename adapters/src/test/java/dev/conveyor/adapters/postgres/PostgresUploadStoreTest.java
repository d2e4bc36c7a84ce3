package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.upload.Upload;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresUploadStoreTest {
  private static final String BUCKET = "conveyor-uploads";

  private static HikariDataSource db;
  private static PostgresUploadStore uploads;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private Instant now;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    uploads = new PostgresUploadStore(db);
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
  void aCreatedUploadIsFoundByItsTenant() {
    Upload upload = pending();

    uploads.create(upload);

    assertThat(uploads.find(tenant, upload.id())).contains(upload);
  }

  @Test
  void anotherTenantsUploadIsNotFound() {
    Upload upload = pending();
    uploads.create(upload);

    assertThat(uploads.find(admin.createTenant("stranger").id(), upload.id())).isEmpty();
  }

  @Test
  void markReceivedRecordsTheSizeAndTime() {
    Upload upload = pending();
    uploads.create(upload);
    Instant at = now.plusSeconds(10);

    Upload received = uploads.markReceived(BUCKET, upload.key(), 1234, at).orElseThrow();

    assertThat(received.state()).isEqualTo(Upload.State.RECEIVED);
    assertThat(received.size()).isEqualTo(1234L);
    assertThat(received.receivedAt()).isEqualTo(at);
    assertThat(uploads.find(tenant, upload.id())).contains(received);
  }

  @Test
  void markReceivedIsIdempotent() {
    Upload upload = pending();
    uploads.create(upload);
    Upload first = uploads.markReceived(BUCKET, upload.key(), 1234, now).orElseThrow();

    Upload second =
        uploads.markReceived(BUCKET, upload.key(), 999, now.plusSeconds(60)).orElseThrow();

    assertThat(second).isEqualTo(first);
    assertThat(uploads.find(tenant, upload.id())).contains(first);
  }

  @Test
  void anUnknownKeyIsNotAnUpload() {
    assertThat(uploads.markReceived(BUCKET, "uploads/nobody/nothing", 1, now)).isEmpty();
  }

  @Test
  void aKnownKeyInAnotherBucketIsNotAnUpload() {
    Upload upload = pending();
    uploads.create(upload);

    assertThat(uploads.markReceived("elsewhere", upload.key(), 1, now)).isEmpty();
    assertThat(uploads.find(tenant, upload.id()).orElseThrow().state())
        .isEqualTo(Upload.State.PENDING);
  }

  private Upload pending() {
    UUID id = Ids.newV7(now);
    return new Upload(
        id,
        tenant,
        BUCKET,
        Upload.objectKey(tenant, id),
        "image/jpeg",
        Upload.State.PENDING,
        null,
        now,
        now.plus(Duration.ofMinutes(15)),
        null);
  }
}
