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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Hands out a presigned PUT URL: files travel straight to S3, never through the API (whose payloads
 * are capped and whose time is precious). The URL is bound to the declared content type and length,
 * which S3 checks: a PUT of another type or size is refused.
 *
 * <p>An upload may carry a recipe: the job to create, with the upload as its source, once the file
 * lands ({@link RecordUpload}).
 */
public final class CreateUpload {
  /** {@code MAX_UPLOAD_BYTES}'s default: 50 MiB. */
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 50L * 1024 * 1024;

  /** The media types an upload may have (images only, for now). */
  public static final List<String> CONTENT_TYPES = List.of("image/jpeg", "image/png");

  private static final Set<String> FIELDS = Set.of("contentType", "contentLength", "recipe");

  private final UploadStore uploads;
  private final BlobStore blobs;
  private final String bucket;
  private final Duration urlTtl;
  private final long maxUploadBytes;
  private final Clock clock;

  /** With the default limit, {@link #DEFAULT_MAX_UPLOAD_BYTES}. */
  public CreateUpload(
      UploadStore uploads, BlobStore blobs, String bucket, Duration urlTtl, Clock clock) {
    this(uploads, blobs, bucket, urlTtl, DEFAULT_MAX_UPLOAD_BYTES, clock);
  }

  /**
   * @param maxUploadBytes the largest file an upload may declare ({@code MAX_UPLOAD_BYTES})
   */
  public CreateUpload(
      UploadStore uploads,
      BlobStore blobs,
      String bucket,
      Duration urlTtl,
      long maxUploadBytes,
      Clock clock) {
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("maxUploadBytes must be positive: " + maxUploadBytes);
    }
    this.uploads = uploads;
    this.blobs = blobs;
    this.bucket = bucket;
    this.urlTtl = urlTtl;
    this.maxUploadBytes = maxUploadBytes;
    this.clock = clock;
  }

  public record Ticket(Upload upload, PresignedUpload url) {}

  /**
   * @param body {@code {"contentType": "image/jpeg", "contentLength": 123456, "recipe": {...}}},
   *     the recipe optional
   * @throws ProblemException 422 listing every invalid field (a recipe's under {@code /recipe})
   */
  public Ticket create(Tenant tenant, JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ProblemException.unprocessable(
          "The body must be a JSON object.", List.of(new FieldError("", "expected an object")));
    }
    List<FieldError> errors = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : body.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        errors.add(new FieldError("/" + escapePointer(field.getKey()), "unknown field"));
      }
    }

    JsonNode contentType = body.path("contentType");
    if (!contentType.isTextual() || !CONTENT_TYPES.contains(contentType.asText())) {
      errors.add(
          new FieldError(
              "/contentType",
              (contentType.isMissingNode() ? "required: " : "unsupported: ")
                  + "one of "
                  + String.join(", ", CONTENT_TYPES)));
    }

    JsonNode length = body.path("contentLength");
    if (!length.isIntegralNumber()
        || !length.canConvertToLong()
        || length.asLong() < 1
        || length.asLong() > maxUploadBytes) {
      errors.add(
          new FieldError(
              "/contentLength", "required: the file's size in bytes, from 1 to " + maxUploadBytes));
    }

    Recipe recipe = null;
    JsonNode recipeNode = body.path("recipe");
    if (!recipeNode.isMissingNode() && !recipeNode.isNull()) {
      try {
        recipe = Recipe.parse(recipeNode, "/recipe");
      } catch (ProblemException invalid) {
        errors.addAll(invalid.errors());
      }
    }

    if (!errors.isEmpty()) {
      throw ProblemException.unprocessable("The upload is not valid.", errors);
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
            null,
            length.asLong(),
            recipe == null ? null : recipe.toStored(),
            null,
            null);
    uploads.create(upload);
    PresignedUpload url =
        blobs.presignPut(
            bucket, upload.key(), upload.contentType(), upload.contentLength(), urlTtl);
    return new Ticket(upload, url);
  }

  /** RFC 6901: '~' and '/' inside a member name are written '~0' and '~1'. */
  private static String escapePointer(String member) {
    return member.replace("~", "~0").replace("/", "~1");
  }
}
