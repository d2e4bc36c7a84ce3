package dev.conveyor.core.upload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.submit.OutboxDispatcher;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RecordUploadTest {
  private static final String BUCKET = "conveyor-uploads";
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static final long MAX = 10_000;

  private final Tenant acme =
      new Tenant(TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c"), "acme");
  private final MutableClock clock = new MutableClock(NOW);
  private final InMemoryUploads uploads = new InMemoryUploads();
  private final InMemoryUploads.RecordingQueue queue = new InMemoryUploads.RecordingQueue();
  private final CreateUpload createUpload =
      new CreateUpload(
          uploads, new InMemoryBlobStore(clock), BUCKET, Duration.ofMinutes(15), MAX, clock);
  private final RecordUpload recordUpload =
      new RecordUpload(uploads, new OutboxDispatcher(queue, uploads.outbox), MAX, clock);

  @Test
  void anUploadWithoutARecipeIsReceivedAndCreatesNoJob() {
    Upload upload = created(1000, null);
    Instant at = NOW.plusSeconds(30);

    Upload received = recordUpload.objectCreated(BUCKET, upload.key(), 1000, at).orElseThrow();

    assertThat(received.state()).isEqualTo(Upload.State.RECEIVED);
    assertThat(received.size()).isEqualTo(1000L);
    assertThat(received.receivedAt()).isEqualTo(at);
    assertThat(received.jobId()).isNull();
    assertThat(uploads.jobs).isEmpty();
    assertThat(queue.sent).isEmpty();
  }

  @Test
  void anUploadWithARecipeCreatesItsJobWithTheUploadAsSourceAndEnqueuesIt() {
    Upload upload = created(1000, "[{\"name\": \"thumb\", \"width\": 320}]");
    clock.advance(Duration.ofMinutes(2));

    Upload received =
        recordUpload.objectCreated(BUCKET, upload.key(), 1000, clock.instant()).orElseThrow();

    assertThat(uploads.jobs).hasSize(1);
    Job job = uploads.jobs.values().iterator().next();
    assertThat(received.jobId()).isEqualTo(job.id());
    assertThat(job.tenantId()).isEqualTo(acme.id());
    assertThat(job.type()).isEqualTo(JobType.IMAGE_TRANSFORM);
    assertThat(job.state()).isEqualTo(JobState.QUEUED);
    assertThat(job.createdAt()).isEqualTo(clock.instant());
    assertThat(job.correlationId()).isEqualTo(upload.id().toString());
    assertThat(job.spec())
        .isEqualTo(
            json(
                """
                {"source": {"uploadId": "%s"},
                 "renditions": [{"name": "thumb", "width": 320, "fit": "inside",
                   "position": "centre", "withoutEnlargement": true, "rotate": 0,
                   "flip": false, "flop": false, "format": "jpeg", "quality": 80,
                   "progressive": false, "background": "#ffffff"}]}
                """
                    .formatted(upload.id())));
    assertThat(queue.sent)
        .containsExactly(
            new InMemoryUploads.RecordingQueue.Sent(
                Tier.STANDARD,
                QueueMessage.job(job.id().value(), acme.id(), upload.id().toString())));
    assertThat(uploads.outbox.sent.values()).containsExactly(true);
  }

  @Test
  void aRepeatedEventCreatesNoSecondJobAndSendsNothingMore() {
    Upload upload = created(1000, "[{\"name\": \"thumb\", \"width\": 320}]");
    Upload first = recordUpload.objectCreated(BUCKET, upload.key(), 1000, NOW).orElseThrow();

    Upload again =
        recordUpload.objectCreated(BUCKET, upload.key(), 1000, NOW.plusSeconds(9)).orElseThrow();

    assertThat(again).isEqualTo(first);
    assertThat(uploads.jobs).hasSize(1);
    assertThat(queue.sent).hasSize(1);
  }

  @Test
  void ofManyEventsArrivingAtOnceOneCreatesTheJob() throws Exception {
    Upload upload = created(1000, "[{\"name\": \"thumb\", \"width\": 320}]");
    int deliveries = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Upload> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(deliveries)) {
      List<Future<Upload>> futures = new ArrayList<>();
      for (int i = 0; i < deliveries; i++) {
        futures.add(
            pool.submit(() -> {
              start.await();
              return recordUpload.objectCreated(BUCKET, upload.key(), 1000, NOW).orElseThrow();
            }));
      }
      start.countDown();
      for (Future<Upload> future : futures) {
        results.add(future.get());
      }
    }

    assertThat(uploads.jobs).hasSize(1);
    assertThat(queue.sent).hasSize(1);
    assertThat(results)
        .allSatisfy(u -> assertThat(u.jobId()).isEqualTo(uploads.jobs.keySet().iterator().next()));
  }

  @Test
  void anObjectLargerThanDeclaredIsRejectedAsTooLargeWithNoJob() {
    Upload upload = created(1000, "[{\"name\": \"thumb\", \"width\": 320}]");

    Upload rejected = recordUpload.objectCreated(BUCKET, upload.key(), 1001, NOW).orElseThrow();

    assertThat(rejected.state()).isEqualTo(Upload.State.REJECTED);
    assertThat(rejected.rejectedReason()).isEqualTo("too-large");
    assertThat(rejected.size()).isEqualTo(1001L);
    assertThat(rejected.jobId()).isNull();
    assertThat(uploads.jobs).isEmpty();
    assertThat(queue.sent).isEmpty();
    // A later (or repeated) event changes nothing.
    assertThat(recordUpload.objectCreated(BUCKET, upload.key(), 1000, NOW)).contains(rejected);
    assertThat(uploads.jobs).isEmpty();
  }

  @Test
  void anUploadWithNoDeclaredLengthIsHeldToTheLimit() {
    Upload legacy = created(MAX, null);
    Upload undeclared =
        new Upload(
            legacy.id(),
            legacy.tenantId(),
            legacy.bucket(),
            legacy.key(),
            legacy.contentType(),
            legacy.state(),
            null,
            legacy.createdAt(),
            legacy.expiresAt(),
            null,
            null,
            null,
            null,
            null);
    uploads.uploads.put(undeclared.id(), undeclared);

    assertThat(recordUpload.objectCreated(BUCKET, undeclared.key(), MAX + 1, NOW))
        .hasValueSatisfying(u -> assertThat(u.state()).isEqualTo(Upload.State.REJECTED));
  }

  @Test
  void anObjectOfTheDeclaredLengthIsNotTooLarge() {
    Upload upload = created(MAX, null);

    assertThat(recordUpload.objectCreated(BUCKET, upload.key(), MAX, NOW))
        .hasValueSatisfying(u -> assertThat(u.state()).isEqualTo(Upload.State.RECEIVED));
  }

  @Test
  void aFailedSendStillLeavesTheJobRecordedForTheRelay() {
    Upload upload = created(1000, "[{\"name\": \"thumb\", \"width\": 320}]");
    queue.failure = new IllegalStateException("SQS is down");

    Upload received = recordUpload.objectCreated(BUCKET, upload.key(), 1000, NOW).orElseThrow();

    assertThat(received.jobId()).isNotNull();
    assertThat(uploads.jobs).containsKey(received.jobId());
    assertThat(uploads.outbox.sent.values()).containsExactly(false);
  }

  @Test
  void anUnknownKeyIsIgnored() {
    assertThat(recordUpload.objectCreated(BUCKET, "uploads/nobody/nothing", 1, NOW)).isEmpty();
    assertThat(uploads.jobs).isEmpty();
  }

  private Upload created(long contentLength, String renditions) {
    String recipe =
        renditions == null
            ? ""
            : ",\"recipe\":{\"type\":\"image.transform\",\"renditions\":" + renditions + "}";
    return createUpload
        .create(
            acme,
            json(
                "{\"contentType\":\"image/jpeg\",\"contentLength\":"
                    + contentLength
                    + recipe
                    + "}"))
        .upload();
  }

  private static JsonNode json(String text) {
    return Json.parseTrusted(text);
  }
}
