package dev.conveyor.transform.image;

import static dev.conveyor.transform.image.Failures.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.BlobStore;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import dev.conveyor.core.testing.TestImages;
import dev.conveyor.core.upload.Upload;
import dev.conveyor.core.work.PermanentJobFailure;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ImageTransformExecutorTest {
  private static final String UPLOADS = "conveyor-uploads";
  private static final String RESULTS = "conveyor-results";
  private static final byte[] SOURCE = TestImages.jpeg(1200, 800);

  private final MutableClock clock = new MutableClock();
  private final InMemoryBlobStore blobs = new InMemoryBlobStore(clock);
  private final TenantId tenant = TenantId.of("0b6f8d3e-7a41-4c0e-9a55-1f2f3a4b5c6d");
  private final UUID uploadId = UUID.fromString("01936f5e-1c2d-7e3f-8a4b-5c6d7e8f9a0b");
  private final JobId jobId = JobId.generate(clock.instant());
  private final String sourceKey = Upload.objectKey(tenant, uploadId);

  private ImageTransformExecutor executor(ImageLimits limits) {
    return new ImageTransformExecutor(blobs, new JdkImageEngine(limits), limits, UPLOADS, RESULTS);
  }

  private final ImageTransformExecutor executor = executor(ImageLimits.DEFAULTS);

  private Job job(String renditions) {
    JsonNode spec =
        Json.parseTrusted(
            """
            {"type": "image.transform",
             "source": {"uploadId": "%s"},
             "renditions": %s}
            """
                .formatted(uploadId, renditions));
    return Job.queued(jobId, tenant, JobType.IMAGE_TRANSFORM, spec, "corr-1");
  }

  private static final String TWO_RENDITIONS =
      """
      [{"name": "thumb", "width": 320, "format": "jpeg", "quality": 80},
       {"name": "preview", "height": 400, "format": "png"}]
      """;

  @Test
  void writesOneObjectPerRenditionAtDeterministicKeysAndReturnsTheResult() {
    blobs.with(UPLOADS, sourceKey, SOURCE, "image/jpeg");

    JsonNode result = executor.execute(job(TWO_RENDITIONS));

    String prefix = "results/" + tenant + "/" + jobId + "/";
    assertThat(blobs.keys(RESULTS, ""))
        .containsExactly(prefix + "preview.png", prefix + "thumb.jpg");
    assertThat(blobs.putCount(RESULTS, prefix + "thumb.jpg")).isEqualTo(1);
    assertThat(blobs.putCount(RESULTS, prefix + "preview.png")).isEqualTo(1);

    InMemoryBlobStore.StoredObject thumb =
        blobs.object(RESULTS, prefix + "thumb.jpg").orElseThrow();
    InMemoryBlobStore.StoredObject preview =
        blobs.object(RESULTS, prefix + "preview.png").orElseThrow();
    assertThat(thumb.contentType()).isEqualTo("image/jpeg");
    assertThat(preview.contentType()).isEqualTo("image/png");
    BufferedImage thumbImage = TestImages.decode(thumb.content());
    assertThat(thumbImage.getWidth()).isEqualTo(320);
    assertThat(thumbImage.getHeight()).isEqualTo(213);

    JsonNode expected =
        Json.parseTrusted(
            """
            {"renditions": [
              {"name": "thumb", "bucket": "%s", "key": "%sthumb.jpg", "contentType": "image/jpeg",
               "width": 320, "height": 213, "bytes": %d},
              {"name": "preview", "bucket": "%s", "key": "%spreview.png",
               "contentType": "image/png", "width": 600, "height": 400, "bytes": %d}]}
            """
                .formatted(RESULTS, prefix, thumb.size(), RESULTS, prefix, preview.size()));
    assertThat(result).isEqualTo(expected);
  }

  @Test
  void aRetryOverwritesTheSameKeysInsteadOfAddingObjects() {
    blobs.with(UPLOADS, sourceKey, SOURCE, "image/jpeg");
    Job job = job(TWO_RENDITIONS);

    JsonNode first = executor.execute(job);
    JsonNode second = executor.execute(job);

    assertThat(second).isEqualTo(first);
    assertThat(blobs.keys(RESULTS, "")).hasSize(2);
    String thumb = "results/" + tenant + "/" + jobId + "/thumb.jpg";
    assertThat(blobs.putCount(RESULTS, thumb)).isEqualTo(2);
  }

  @Test
  void theSourceFormatComesFromItsBytesNotItsDeclaredContentType() {
    blobs.with(UPLOADS, sourceKey, TestImages.png(600, 400), "image/gif");
    JsonNode result = executor.execute(job("[{\"name\": \"t\", \"width\": 60}]"));
    assertThat(result.at("/renditions/0/width").asInt()).isEqualTo(60);
    assertThat(result.at("/renditions/0/contentType").asText()).isEqualTo("image/jpeg");

    blobs.with(UPLOADS, sourceKey, TestImages.gif(60, 40), "image/jpeg");
    assertThat(codeOf(() -> executor.execute(job("[{\"name\": \"t\", \"width\": 60}]"))))
        .isEqualTo("unsupported-format");
  }

  @Test
  void aMissingSourceFailsWithSourceMissingAndWritesNothing() {
    assertThat(codeOf(() -> executor.execute(job(TWO_RENDITIONS)))).isEqualTo("source-missing");
    assertThat(blobs.totalPuts()).isZero();
  }

  @Test
  void anotherTenantsUploadIsNeverRead() {
    TenantId other = TenantId.of("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a");
    blobs.with(UPLOADS, Upload.objectKey(other, uploadId), SOURCE, "image/jpeg");
    assertThat(codeOf(() -> executor.execute(job(TWO_RENDITIONS)))).isEqualTo("source-missing");
  }

  @Test
  void aSourceOverTheByteLimitFailsWithSourceTooLarge() {
    blobs.with(UPLOADS, sourceKey, SOURCE, "image/jpeg");
    ImageTransformExecutor strict = executor(new ImageLimits(10_000, 50_000_000, 8192));
    assertThat(codeOf(() -> strict.execute(job(TWO_RENDITIONS)))).isEqualTo("source-too-large");
  }

  @Test
  void aPermanentFailureInAnyRenditionLeavesNoOutputs() {
    blobs.with(UPLOADS, sourceKey, SOURCE, "image/jpeg");
    ImageTransformExecutor strict = executor(new ImageLimits(1 << 24, 50_000_000, 500));
    // thumb is fine, preview (600x400) is fine, the third would be 800 wide
    String renditions =
        """
        [{"name": "thumb", "width": 320},
         {"name": "preview", "height": 400, "format": "png"},
         {"name": "big", "width": 800}]
        """;
    assertThat(codeOf(() -> strict.execute(job(renditions)))).isEqualTo("output-too-large");
    assertThat(blobs.keys(RESULTS, "")).isEmpty();
  }

  @Test
  void aCorruptSourceFailsPermanently() {
    byte[] truncated = java.util.Arrays.copyOf(SOURCE, SOURCE.length / 2);
    blobs.with(UPLOADS, sourceKey, truncated, "image/jpeg");
    assertThat(codeOf(() -> executor.execute(job(TWO_RENDITIONS)))).isEqualTo("corrupt-image");
    assertThat(blobs.keys(RESULTS, "")).isEmpty();
  }

  @Test
  void storageErrorsPropagateAsTransient() {
    blobs.with(UPLOADS, sourceKey, SOURCE, "image/jpeg");
    BlobStore throttled =
        new BlobStore() {
          @Override
          public Optional<BlobInfo> head(String bucket, String key) {
            return blobs.head(bucket, key);
          }

          @Override
          public byte[] get(String bucket, String key, long maxBytes) {
            return blobs.get(bucket, key, maxBytes);
          }

          @Override
          public void put(
              String bucket,
              String key,
              byte[] content,
              String contentType,
              Map<String, String> metadata) {
            throw new IllegalStateException("SlowDown: Please reduce your request rate.");
          }

          @Override
          public PresignedUpload presignPut(
              String bucket, String key, String contentType, long contentLength, Duration ttl) {
            return blobs.presignPut(bucket, key, contentType, contentLength, ttl);
          }

          @Override
          public URI presignGet(String bucket, String key, Duration ttl) {
            return blobs.presignGet(bucket, key, ttl);
          }
        };
    ImageTransformExecutor executor =
        new ImageTransformExecutor(
            throttled, new JdkImageEngine(), ImageLimits.DEFAULTS, UPLOADS, RESULTS);
    assertThatThrownBy(() -> executor.execute(job(TWO_RENDITIONS)))
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(PermanentJobFailure.class)
        .hasMessageContaining("SlowDown");
  }

  @Test
  void anUnreadableStoredSpecFailsPermanently() {
    Job job =
        Job.queued(
            jobId,
            tenant,
            JobType.IMAGE_TRANSFORM,
            Json.parseTrusted("{\"source\": {}, \"renditions\": []}"),
            "corr-1");
    assertThat(codeOf(() -> executor.execute(job))).isEqualTo("invalid-spec");
  }

  @Test
  void resultKeysAreStablePerTenantJobAndRendition() {
    assertThat(
            ImageTransformExecutor.resultKey(
                tenant,
                jobId,
                new dev.conveyor.core.image.Rendition(
                    "thumb",
                    java.util.OptionalInt.of(10),
                    java.util.OptionalInt.empty(),
                    dev.conveyor.core.image.ImageFormat.PNG,
                    80)))
        .isEqualTo("results/" + tenant + "/" + jobId + "/thumb.png");
  }
}
