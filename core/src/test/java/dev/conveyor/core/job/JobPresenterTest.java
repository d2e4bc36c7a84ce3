package dev.conveyor.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class JobPresenterTest {
  private static final Duration TTL = Duration.ofMinutes(30);
  private static final Instant CREATED = Instant.parse("2025-01-15T10:00:00.123Z");
  private static final Instant STARTED = Instant.parse("2025-01-15T10:00:01.500Z");
  private static final Instant FINISHED = Instant.parse("2025-01-15T10:00:04Z");
  private static final TenantId TENANT = TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c");
  private static final JsonNode SPEC =
      Json.parseTrusted(
          """
          {"source": {"uploadId": "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"},
           "renditions": [{"name": "thumb", "width": 320, "fit": "inside",
                   "position": "centre", "withoutEnlargement": true, "rotate": 0,
                   "flip": false, "flop": false, "format": "jpeg", "quality": 80,
                   "progressive": false, "background": "#ffffff"}]}
          """);

  private final MutableClock clock = new MutableClock();
  private final InMemoryBlobStore blobs = new InMemoryBlobStore(clock);
  private final JobPresenter presenter = new JobPresenter(blobs, TTL);
  private final JobId id = JobId.generate(CREATED);

  @Test
  void aQueuedJobShowsItsIdentityStateAndSpec() {
    Job job = Job.queued(id, TENANT, JobType.IMAGE_TRANSFORM, SPEC, "corr-1");

    ObjectNode shown = presenter.present(job);

    assertThat(shown.path("id").asText()).isEqualTo(id.toString());
    assertThat(shown.path("type").asText()).isEqualTo("image.transform");
    assertThat(shown.path("tier").asText()).isEqualTo("standard");
    assertThat(shown.path("state").asText()).isEqualTo("queued");
    assertThat(shown.path("attempt").asInt()).isZero();
    assertThat(shown.path("spec")).isEqualTo(SPEC);
    assertThat(shown.has("result")).isFalse();
    assertThat(shown.has("failure")).isFalse();
    assertThat(shown.has("startedAt")).isFalse();
    assertThat(shown.has("finishedAt")).isFalse();
  }

  @Test
  void aResultsBucketIsReplacedByADownloadUrl() {
    JsonNode result =
        Json.parseTrusted(
            """
            {"renditions": [
              {"name": "thumb", "bucket": "conveyor-results", "key": "results/t/j/thumb.jpg",
               "width": 320, "height": 240, "contentType": "image/jpeg", "size": 1234},
              {"name": "big", "bucket": "conveyor-results", "key": "results/t/j/big.png"}]}
            """);
    Job job = succeeded(result);

    JsonNode renditions = presenter.present(job).path("result").path("renditions");

    assertThat(renditions).hasSize(2);
    JsonNode thumb = renditions.get(0);
    assertThat(thumb.has("bucket")).isFalse();
    assertThat(thumb.path("url").asText())
        .isEqualTo(blobs.presignGet("conveyor-results", "results/t/j/thumb.jpg", TTL).toString())
        .contains("X-Amz-Expires=1800");
    assertThat(thumb.path("name").asText()).isEqualTo("thumb");
    assertThat(thumb.path("width").asInt()).isEqualTo(320);
    assertThat(thumb.path("size").asInt()).isEqualTo(1234);
    assertThat(renditions.get(1).path("url").asText()).contains("results/t/j/big.png");
    assertThat(renditions.get(1).has("bucket")).isFalse();
  }

  @Test
  void presentingDoesNotAlterTheStoredResult() {
    JsonNode result =
        Json.parseTrusted(
            """
            {"renditions": [{"name": "thumb", "bucket": "conveyor-results", "key": "k"}]}
            """);
    JsonNode before = result.deepCopy();
    Job job = succeeded(result);

    presenter.present(job);

    assertThat(job.result()).isEqualTo(before);
  }

  @Test
  void aRenditionWithoutAnObjectGetsNoUrlButStillLosesItsBucket() {
    Job job =
        succeeded(
            Json.parseTrusted(
                """
                {"renditions": [{"name": "thumb", "bucket": "conveyor-results"}]}
                """));

    JsonNode thumb = presenter.present(job).path("result").path("renditions").get(0);

    assertThat(thumb.has("url")).isFalse();
    assertThat(thumb.has("bucket")).isFalse();
  }

  @Test
  void aFailureIsRenderedWithItsCodeAndMessage() {
    Job job =
        new Job(
            id,
            TENANT,
            JobType.IMAGE_TRANSFORM,
            Tier.STANDARD,
            JobState.FAILED,
            1,
            SPEC,
            null,
            new FailureReason("source-too-large", "the source has 300 MB; the limit is 50 MB"),
            "corr-1",
            CREATED,
            FINISHED,
            STARTED,
            FINISHED);

    ObjectNode shown = presenter.present(job);

    assertThat(shown.path("state").asText()).isEqualTo("failed");
    assertThat(shown.path("failure"))
        .isEqualTo(
            Json.parseTrusted(
                """
                {"code": "source-too-large", "message": "the source has 300 MB; the limit is 50 MB"}
                """));
    assertThat(shown.has("result")).isFalse();
  }

  @Test
  void timestampsAreIso8601InUtc() {
    ObjectNode shown = presenter.present(succeeded(Json.MAPPER.createObjectNode()));

    assertThat(shown.path("createdAt").asText()).isEqualTo("2025-01-15T10:00:00.123Z");
    assertThat(shown.path("startedAt").asText()).isEqualTo("2025-01-15T10:00:01.500Z");
    assertThat(shown.path("finishedAt").asText()).isEqualTo("2025-01-15T10:00:04Z");
    for (String field : new String[] {"createdAt", "updatedAt", "startedAt", "finishedAt"}) {
      assertThat(shown.path(field).isTextual()).as(field).isTrue();
      assertThat(Instant.from(DateTimeFormatter.ISO_INSTANT.parse(shown.path(field).asText())))
          .as(field)
          .isIn(CREATED, STARTED, FINISHED);
    }
  }

  private Job succeeded(JsonNode result) {
    return new Job(
        id,
        TENANT,
        JobType.IMAGE_TRANSFORM,
        Tier.STANDARD,
        JobState.SUCCEEDED,
        1,
        SPEC,
        result,
        null,
        "corr-1",
        CREATED,
        FINISHED,
        STARTED,
        FINISHED);
  }
}
