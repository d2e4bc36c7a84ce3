package dev.conveyor.core.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
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
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import dev.conveyor.core.upload.InMemoryUploads;
import dev.conveyor.core.upload.Upload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SubmitJobTest {
  private static final String UPLOADS = "conveyor-uploads";
  private static final Instant NOW = Instant.parse("2025-03-01T12:34:56.789Z");

  private final Tenant acme =
      new Tenant(TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c"), "acme");
  private final Tenant globex =
      new Tenant(TenantId.of("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"), "globex");

  private final MutableClock clock = new MutableClock(NOW);
  private final InMemoryBlobStore blobs = new InMemoryBlobStore(clock);
  private final FakeOutbox outbox = new FakeOutbox();
  private final FakeJobStore jobs = new FakeJobStore(outbox);
  private final InMemoryUploads uploads = new InMemoryUploads();
  private final FakeJobQueue queue = new FakeJobQueue();
  private final SubmitJob submit =
      new SubmitJob(jobs, uploads, blobs, new OutboxDispatcher(queue, outbox), clock);

  @Test
  void anUnknownTypeIsRejectedAtSlashTypeListingTheKnownTypes() {
    Upload upload = receivedUpload(acme);

    ProblemException problem =
        problemOf(() -> submit.submit(acme, body("video.transcode", upload.id()), "corr-1"));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.detail()).contains("video.transcode");
    assertThat(problem.errors()).containsExactly(new FieldError("/type", "one of image.transform"));
    assertNothingRecordedOrSent();
  }

  @Test
  void aMissingTypeIsRejectedAtSlashType() {
    Upload upload = receivedUpload(acme);
    JsonNode noType = body("image.transform", upload.id());
    ((ObjectNode) noType).remove("type");
    JsonNode numericType = body("image.transform", upload.id());
    ((ObjectNode) numericType).put("type", 1);

    for (JsonNode body : List.of(noType, numericType)) {
      ProblemException problem = problemOf(() -> submit.submit(acme, body, "corr-1"));

      assertThat(problem.status()).isEqualTo(422);
      assertThat(problem.errors())
          .containsExactly(new FieldError("/type", "required: one of image.transform"));
    }
    assertNothingRecordedOrSent();
  }

  @Test
  void aBodyThatIsNotAnObjectIsRejectedAtTheRoot() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    List<JsonNode> bodies =
        List.of(f.arrayNode().add("image.transform"), f.textNode("image.transform"), f.nullNode());

    for (JsonNode body : bodies) {
      ProblemException problem = problemOf(() -> submit.submit(acme, body, "corr-1"));

      assertThat(problem.status()).as("for %s", body).isEqualTo(422);
      assertThat(problem.errors()).containsExactly(new FieldError("", "expected an object"));
    }
    assertThat(problemOf(() -> submit.submit(acme, null, "corr-1")).errors())
        .containsExactly(new FieldError("", "expected an object"));
    assertNothingRecordedOrSent();
  }

  @Test
  void anInvalidImageSpecIsRejectedWithTheSpecsPointers() {
    Upload upload = receivedUpload(acme);
    JsonNode body =
        Json.parseTrusted(
            """
            {"type": "image.transform", "source": {"uploadId": "%s"},
             "renditions": [{"name": "thumb", "width": 0}]}
            """
                .formatted(upload.id()));

    ProblemException problem = problemOf(() -> submit.submit(acme, body, "corr-1"));

    assertThat(problem.errors())
        .extracting(FieldError::pointer)
        .containsExactly("/renditions/0/width");
    assertNothingRecordedOrSent();
  }

  @Test
  void anotherTenantsUploadIsNoSuchUpload() {
    Upload theirs = receivedUpload(globex);

    ProblemException problem =
        problemOf(() -> submit.submit(acme, body("image.transform", theirs.id()), "corr-1"));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors())
        .containsExactly(new FieldError("/source/uploadId", "no such upload"));
    assertNothingRecordedOrSent();
  }

  @Test
  void anUploadNobodyCreatedIsNoSuchUpload() {
    UUID unknown = Ids.newV7(NOW);

    ProblemException problem =
        problemOf(() -> submit.submit(acme, body("image.transform", unknown), "corr-1"));

    assertThat(problem.errors())
        .containsExactly(new FieldError("/source/uploadId", "no such upload"));
    assertNothingRecordedOrSent();
  }

  @Test
  void aPendingUploadWhoseObjectIsAbsentIsNotReceivedYet() {
    Upload pending = pendingUpload(acme);

    ProblemException problem =
        problemOf(() -> submit.submit(acme, body("image.transform", pending.id()), "corr-1"));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors())
        .containsExactly(new FieldError("/source/uploadId", "upload not received"));
    assertNothingRecordedOrSent();
  }

  @Test
  void aPendingUploadWhoseObjectAlreadyExistsIsAcceptedBeforeItsEventArrives() {
    Upload pending = pendingUpload(acme);
    blobs.with(UPLOADS, pending.key(), new byte[] {1, 2, 3}, "image/jpeg");

    Job job = submit.submit(acme, body("image.transform", pending.id()), "corr-1");

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(queue.sent).hasSize(1);
  }

  @Test
  void anAcceptedJobIsRecordedQueuedOnTheStandardTierWithItsNormalisedSpec() {
    Upload upload = receivedUpload(acme);

    Job job = submit.submit(acme, body("image.transform", upload.id()), "corr-42");

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(job.state()).isEqualTo(JobState.QUEUED);
    assertThat(job.type()).isEqualTo(JobType.IMAGE_TRANSFORM);
    assertThat(job.tier()).isEqualTo(Tier.STANDARD);
    assertThat(job.tenantId()).isEqualTo(acme.id());
    assertThat(job.attempt()).isZero();
    assertThat(job.correlationId()).isEqualTo("corr-42");
    assertThat(job.result()).isNull();
    assertThat(job.failure()).isNull();
    assertThat(job.spec())
        .isEqualTo(
            Json.parseTrusted(
                """
                {"source": {"uploadId": "%s"},
                 "renditions": [{"name": "thumb", "width": 320, "fit": "inside",
                   "position": "centre", "withoutEnlargement": true, "rotate": 0,
                   "flip": false, "flop": false, "format": "jpeg", "quality": 80,
                   "progressive": false, "background": "#ffffff"}]}
                """
                    .formatted(upload.id())));
  }

  @Test
  void theJobIdIsAVersion7UuidCarryingTheClocksTime() {
    Upload upload = receivedUpload(acme);

    Job first = submit.submit(acme, body("image.transform", upload.id()), "corr-1");
    clock.advance(Duration.ofMillis(5));
    Job second = submit.submit(acme, body("image.transform", upload.id()), "corr-2");

    assertThat(first.id().value().version()).isEqualTo(7);
    assertThat(first.id().value().variant()).isEqualTo(2);
    assertThat(first.id().createdAt()).isEqualTo(NOW);
    assertThat(first.createdAt()).isEqualTo(NOW);
    assertThat(first.updatedAt()).isEqualTo(NOW);
    assertThat(second.id().createdAt()).isEqualTo(NOW.plusMillis(5));
    assertThat(second.id()).isNotEqualTo(first.id());
  }

  @Test
  void theOutboxMessageIsSentToTheTiersQueueAndMarkedSent() {
    Upload upload = receivedUpload(acme);

    Job job = submit.submit(acme, body("image.transform", upload.id()), "corr-7");

    assertThat(queue.sent)
        .containsExactly(
            new Sent(Tier.STANDARD, QueueMessage.job(job.id().value(), acme.id(), "corr-7")));
    assertThat(outbox.rows).hasSize(1);
    assertThat(outbox.rows.values()).allSatisfy(row -> assertThat(row.sent).isTrue());
  }

  @Test
  void whenTheQueueSendFailsTheJobIsStillRecordedAndItsOutboxRowStaysUnsent() {
    Upload upload = receivedUpload(acme);
    queue.failure = new JobQueue.QueueUnavailableException("SQS is down", null);

    Job job = submit.submit(acme, body("image.transform", upload.id()), "corr-1");

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(job.state()).isEqualTo(JobState.QUEUED);
    assertThat(queue.sent).isEmpty();
    assertThat(outbox.rows).hasSize(1);
    assertThat(outbox.rows.values())
        .singleElement()
        .satisfies(row -> {
          assertThat(row.sent).as("left for the relay").isFalse();
          assertThat(row.message)
              .isEqualTo(QueueMessage.job(job.id().value(), acme.id(), "corr-1"));
        });
  }

  @Test
  void aSendThatWorkedButCouldNotBeMarkedStillAcceptsTheJob() {
    Upload upload = receivedUpload(acme);
    outbox.failure = new IllegalStateException("connection reset");

    Job job = submit.submit(acme, body("image.transform", upload.id()), "corr-1");

    assertThat(jobs.find(job.id())).contains(job);
    assertThat(queue.sent).hasSize(1);
    assertThat(outbox.rows.values())
        .singleElement()
        .satisfies(row -> assertThat(row.sent).isFalse());
  }

  // ---- helpers ----

  private void assertNothingRecordedOrSent() {
    assertThat(jobs.jobs).isEmpty();
    assertThat(outbox.rows).isEmpty();
    assertThat(queue.sent).isEmpty();
  }

  private static JsonNode body(String type, UUID uploadId) {
    return Json.parseTrusted(
        """
        {"type": "%s", "source": {"uploadId": "%s"}, "renditions": [{"name": "thumb", "width": 320}]}
        """
            .formatted(type, uploadId));
  }

  private Upload receivedUpload(Tenant tenant) {
    Upload pending = pendingUpload(tenant);
    blobs.with(UPLOADS, pending.key(), new byte[] {1, 2, 3}, "image/jpeg");
    return uploads
        .markReceived(UPLOADS, pending.key(), 3, clock.instant())
        .orElseThrow(() -> new AssertionError("upload vanished"));
  }

  private Upload pendingUpload(Tenant tenant) {
    UUID id = Ids.newV7(clock.instant());
    Upload upload =
        new Upload(
            id,
            tenant.id(),
            UPLOADS,
            Upload.objectKey(tenant.id(), id),
            "image/jpeg",
            Upload.State.PENDING,
            null,
            clock.instant(),
            clock.instant().plus(Duration.ofMinutes(15)),
            null,
            null,
            null,
            null,
            null);
    uploads.create(upload);
    return upload;
  }

  private static ProblemException problemOf(Runnable call) {
    try {
      call.run();
      return fail("expected a ProblemException");
    } catch (ProblemException e) {
      return e;
    }
  }

  // ---- fakes ----

  record Sent(Tier tier, QueueMessage message) {}

  /** SQS: records sends, or fails them all while {@link #failure} is set. */
  static final class FakeJobQueue implements JobQueue {
    final List<Sent> sent = new ArrayList<>();
    RuntimeException failure;

    @Override
    public void send(Tier tier, QueueMessage message) {
      if (failure != null) {
        throw failure;
      }
      sent.add(new Sent(tier, message));
    }
  }

  static final class OutboxRow {
    final Tier tier;
    final QueueMessage message;
    boolean sent;

    OutboxRow(Tier tier, QueueMessage message) {
      this.tier = tier;
      this.message = message;
    }
  }

  /** The outbox table: rows are added by the job store's insert and marked by the dispatcher. */
  static final class FakeOutbox implements Outbox {
    final Map<Long, OutboxRow> rows = new LinkedHashMap<>();
    RuntimeException failure;
    private long nextId = 1;

    PendingMessage add(Tier tier, QueueMessage message) {
      long id = nextId++;
      rows.put(id, new OutboxRow(tier, message));
      return new PendingMessage(id, tier, message);
    }

    @Override
    public void markSent(long outboxId) {
      if (failure != null) {
        throw failure;
      }
      OutboxRow row = rows.get(outboxId);
      if (row == null) {
        throw new IllegalArgumentException("no outbox row " + outboxId);
      }
      row.sent = true;
    }
  }

  /** The jobs table: insert writes the job and its outbox row together, as one transaction. */
  static final class FakeJobStore implements JobStore {
    final Map<JobId, Job> jobs = new LinkedHashMap<>();
    private final FakeOutbox outbox;

    FakeJobStore(FakeOutbox outbox) {
      this.outbox = outbox;
    }

    @Override
    public PendingMessage insert(Job job) {
      if (job.state() != JobState.QUEUED || job.attempt() != 0) {
        throw new IllegalArgumentException("only new queued jobs are inserted");
      }
      if (jobs.putIfAbsent(job.id(), job) != null) {
        throw new IllegalStateException("duplicate job id " + job.id());
      }
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
      throw new UnsupportedOperationException("submit never lists");
    }

    @Override
    public Optional<Cancellation> cancel(
        TenantId tenant,
        JobId id,
        Instant at,
        java.util.function.Function<Job, WebhookEvent> announce) {
      throw new UnsupportedOperationException("submit never cancels");
    }

    @Override
    public Optional<Job> claim(JobId id, Instant now, Instant leaseUntil) {
      throw new UnsupportedOperationException("submit never claims");
    }

    @Override
    public boolean release(JobId id, int attempt, String lastError) {
      throw new UnsupportedOperationException("submit never releases");
    }

    @Override
    public Optional<List<PendingMessage>> finish(Finish finish, WebhookEvent event) {
      throw new UnsupportedOperationException("submit never finishes");
    }
  }
}
