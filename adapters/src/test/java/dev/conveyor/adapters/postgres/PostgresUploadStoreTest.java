package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.upload.Upload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresUploadStoreTest {
  private static final String BUCKET = "conveyor-uploads";

  private static final JsonNode RECIPE =
      Json.parseTrusted(
          "{\"type\":\"image.transform\",\"renditions\":[{\"name\":\"thumb\",\"width\":320,"
              + "\"format\":\"jpeg\",\"quality\":80}]}");

  private static HikariDataSource db;
  private static PostgresUploadStore uploads;
  private static PostgresJobStore jobs;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private Instant now;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    uploads = new PostgresUploadStore(db);
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

  @Test
  void aDeclaredLengthAndARecipeAreStoredWithTheUpload() {
    Upload upload = pendingWithRecipe();

    uploads.create(upload);

    Upload found = uploads.find(tenant, upload.id()).orElseThrow();
    assertThat(found).isEqualTo(upload);
    assertThat(found.contentLength()).isEqualTo(2048L);
    assertThat(found.recipe()).isEqualTo(RECIPE);
    assertThat(uploads.findByKey(BUCKET, upload.key())).contains(upload);
    assertThat(uploads.findByKey("elsewhere", upload.key())).isEmpty();
  }

  @Test
  void receivingAnUploadWithARecipeCreatesItsJobAndOutboxRowInTheSameTransaction() {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);
    Job job = jobFor(upload);
    Instant at = now.plusSeconds(5);

    UploadStore.Receipt receipt =
        uploads.receive(BUCKET, upload.key(), 2048, at, job).orElseThrow();

    assertThat(receipt.upload().state()).isEqualTo(Upload.State.RECEIVED);
    assertThat(receipt.upload().size()).isEqualTo(2048L);
    assertThat(receipt.upload().receivedAt()).isEqualTo(at);
    assertThat(receipt.upload().jobId()).isEqualTo(job.id());
    PendingMessage pending = receipt.job().orElseThrow();
    assertThat(pending.message())
        .isEqualTo(QueueMessage.job(job.id().value(), tenant, job.correlationId()));
    assertThat(pending.tier()).isEqualTo(Tier.STANDARD);
    Job stored = jobs.find(tenant, job.id()).orElseThrow();
    assertThat(stored.spec()).isEqualTo(job.spec());
    assertThat(stored.correlationId()).isEqualTo(upload.id().toString());
    assertThat(outboxRowsOf(job.id())).isEqualTo(1);
    assertThat(uploads.find(tenant, upload.id())).contains(receipt.upload());
  }

  @Test
  void aRepeatedEventCreatesNoSecondJob() {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);
    Job first = jobFor(upload);
    Upload received =
        uploads.receive(BUCKET, upload.key(), 2048, now, first).orElseThrow().upload();
    Job second = jobFor(upload);

    UploadStore.Receipt again =
        uploads.receive(BUCKET, upload.key(), 2048, now.plusSeconds(60), second).orElseThrow();

    assertThat(again.job()).isEmpty();
    assertThat(again.upload()).isEqualTo(received);
    assertThat(jobs.find(second.id())).isEmpty();
    assertThat(outboxRowsOf(second.id())).isZero();
    assertThat(jobsOf(upload)).isEqualTo(1);
  }

  @Test
  void ofManyEventsForOneUploadArrivingAtOnceExactlyOneCreatesAJob() throws Exception {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);
    int deliveries = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<UploadStore.Receipt> receipts = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(deliveries)) {
      List<Future<UploadStore.Receipt>> futures = new ArrayList<>();
      for (int i = 0; i < deliveries; i++) {
        Job job = jobFor(upload);
        futures.add(
            pool.submit(() -> {
              start.await();
              return uploads.receive(BUCKET, upload.key(), 2048, now, job).orElseThrow();
            }));
      }
      start.countDown();
      for (Future<UploadStore.Receipt> future : futures) {
        receipts.add(future.get());
      }
    }

    List<PendingMessage> created = receipts.stream().flatMap(r -> r.job().stream()).toList();
    assertThat(created).hasSize(1);
    JobId winner = new JobId(created.getFirst().message().id());
    assertThat(receipts).allSatisfy(r -> assertThat(r.upload().jobId()).isEqualTo(winner));
    assertThat(jobsOf(upload)).isEqualTo(1);
    assertThat(outboxRowsOf(winner)).isEqualTo(1);
  }

  @Test
  void aJobThatCannotBeStoredLeavesTheUploadPendingForTheRetry() {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);
    Job job = jobFor(upload);
    jobs.insert(job); // the same id again: the job insert fails inside the transaction

    assertThatThrownBy(() -> uploads.receive(BUCKET, upload.key(), 2048, now, job))
        .isInstanceOf(DatabaseException.class);

    Upload after = uploads.find(tenant, upload.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(Upload.State.PENDING);
    assertThat(after.jobId()).isNull();
    assertThat(outboxRowsOf(job.id())).isEqualTo(1); // only the direct insert's
    Job retry = jobFor(upload);
    assertThat(uploads.receive(BUCKET, upload.key(), 2048, now, retry).orElseThrow().job())
        .isPresent();
  }

  @Test
  void anUploadWithARecipeCannotBeReceivedWithoutItsJob() {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);

    assertThatThrownBy(() -> uploads.markReceived(BUCKET, upload.key(), 2048, now))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("recipe");

    assertThat(uploads.find(tenant, upload.id()).orElseThrow().state())
        .isEqualTo(Upload.State.PENDING);
  }

  @Test
  void anUploadWithoutARecipeCannotBeReceivedWithAJob() {
    Upload upload = pending();
    uploads.create(upload);
    Job job = jobFor(upload);

    assertThatThrownBy(() -> uploads.receive(BUCKET, upload.key(), 2048, now, job))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no recipe");

    assertThat(uploads.find(tenant, upload.id()).orElseThrow().state())
        .isEqualTo(Upload.State.PENDING);
    assertThat(jobs.find(job.id())).isEmpty();
  }

  @Test
  void aJobOfAnotherTenantIsRefused() {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);
    TenantId stranger = admin.createTenant("stranger").id();
    Job ours = jobFor(upload);
    Job theirs = Job.queued(ours.id(), stranger, ours.type(), ours.spec(), ours.correlationId());

    assertThatThrownBy(() -> uploads.receive(BUCKET, upload.key(), 2048, now, theirs))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(jobs.find(ours.id())).isEmpty();
    assertThat(uploads.find(tenant, upload.id()).orElseThrow().state())
        .isEqualTo(Upload.State.PENDING);
  }

  @Test
  void aRejectedUploadKeepsItsReasonAndSizeAndNoLaterEventCreatesAJob() {
    Upload upload = pendingWithRecipe();
    uploads.create(upload);
    Instant at = now.plusSeconds(3);

    Upload rejected =
        uploads.reject(BUCKET, upload.key(), 99_999, at, Upload.TOO_LARGE).orElseThrow();

    assertThat(rejected.state()).isEqualTo(Upload.State.REJECTED);
    assertThat(rejected.rejectedReason()).isEqualTo("too-large");
    assertThat(rejected.size()).isEqualTo(99_999L);
    assertThat(rejected.receivedAt()).isEqualTo(at);
    assertThat(rejected.jobId()).isNull();
    assertThat(uploads.reject(BUCKET, upload.key(), 1, now, "other")).contains(rejected);
    UploadStore.Receipt late =
        uploads.receive(BUCKET, upload.key(), 2048, now, jobFor(upload)).orElseThrow();
    assertThat(late.job()).isEmpty();
    assertThat(late.upload()).isEqualTo(rejected);
    assertThat(jobsOf(upload)).isZero();
  }

  @Test
  void aReceivedUploadCannotBeRejectedAfterwards() {
    Upload upload = pending();
    uploads.create(upload);
    Upload received = uploads.markReceived(BUCKET, upload.key(), 10, now).orElseThrow();

    assertThat(uploads.reject(BUCKET, upload.key(), 10, now, Upload.TOO_LARGE)).contains(received);
  }

  @Test
  void anUnknownKeyIsNeitherReceivedNorRejected() {
    assertThat(uploads.receive(BUCKET, "uploads/nobody/nothing", 1, now, null)).isEmpty();
    assertThat(uploads.reject(BUCKET, "uploads/nobody/nothing", 1, now, "too-large")).isEmpty();
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
        null,
        2048L,
        null,
        null,
        null);
  }

  private Upload pendingWithRecipe() {
    Upload plain = pending();
    return new Upload(
        plain.id(),
        plain.tenantId(),
        plain.bucket(),
        plain.key(),
        plain.contentType(),
        plain.state(),
        plain.size(),
        plain.createdAt(),
        plain.expiresAt(),
        plain.receivedAt(),
        plain.contentLength(),
        RECIPE,
        null,
        null);
  }

  /** The job RecordUpload would make of the upload's recipe. */
  private Job jobFor(Upload upload) {
    return Job.queued(
        JobId.generate(now),
        upload.tenantId(),
        JobType.IMAGE_TRANSFORM,
        Json.parseTrusted(
            "{\"source\":{\"uploadId\":\""
                + upload.id()
                + "\"},\"renditions\":[{\"name\":\"thumb\",\"width\":320,\"format\":\"jpeg\","
                + "\"quality\":80}]}"),
        upload.id().toString());
  }

  private long jobsOf(Upload upload) {
    return (Long)
        Fixtures.value(
            db,
            "select count(*) from jobs where spec -> 'source' ->> 'uploadId' = ?",
            upload.id().toString());
  }

  private long outboxRowsOf(JobId job) {
    return (Long)
        Fixtures.value(db, "select count(*) from outbox where subject_id = ?", job.value());
  }
}
