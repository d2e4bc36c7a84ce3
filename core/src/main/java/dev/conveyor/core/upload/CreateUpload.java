package dev.conveyor.core.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.port.BlobStore;
import dev.conveyor.core.port.BlobStore.PresignedUpload;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Hands out a presigned PUT URL: files travel straight to S3, never through the API (whose payloads
 * are capped and whose time is precious).
 */
public final class CreateUpload {
  private static final String MEDIA_TYPE = "[a-z]+/[a-z0-9][a-z0-9.+-]{0,62}";

  private final UploadStore uploads;
  private final BlobStore blobs;
  private final String bucket;
  private final Duration urlTtl;
  private final Clock clock;

  public CreateUpload(
      UploadStore uploads, BlobStore blobs, String bucket, Duration urlTtl, Clock clock) {
    this.uploads = uploads;
    this.blobs = blobs;
    this.bucket = bucket;
    this.urlTtl = urlTtl;
    this.clock = clock;
  }

  public record Ticket(Upload upload, PresignedUpload url) {}

  /**
   * @param body {@code {"contentType": "image/jpeg"}}
   */
  public Ticket create(Tenant tenant, JsonNode body) {
    JsonNode contentType = body == null ? null : body.path("contentType");
    if (contentType == null
        || !contentType.isTextual()
        || !contentType.asText().matches(MEDIA_TYPE)) {
      throw ProblemException.unprocessable(
          "Say what you will upload.",
          List.of(new FieldError("/contentType", "required: a media type such as image/jpeg")));
    }
    Instant now = clock.instant();
    UUID id = Ids.newV7(now);
    Upload upload =
        new Upload(
            id,
            tenant.id(),
            bucket,
            Upload.objectKey(tenant.id(), id),
            contentType.asText(),
            Upload.State.PENDING,
            null,
            now,
            now.plus(urlTtl),
            null);
    uploads.create(upload);
    PresignedUpload url = blobs.presignPut(bucket, upload.key(), upload.contentType(), urlTtl);
    return new Ticket(upload, url);
  }
}
