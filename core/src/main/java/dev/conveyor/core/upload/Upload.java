package dev.conveyor.core.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.TenantId;
import java.time.Instant;
import java.util.UUID;

/**
 * A file a tenant sends straight to S3 through a presigned URL, later used as a job's source.
 *
 * @param size set once S3 reports the object (the upload event)
 * @param receivedAt when S3 reported the object (also set for a rejected upload)
 * @param contentLength the size in bytes the tenant declared, signed into the presigned PUT (null
 *     for uploads created before it was required)
 * @param recipe the job to create once the object lands, in its stored form (see {@link Recipe}),
 *     or null
 * @param jobId the job created from the recipe, set in the same transaction as {@code received}
 * @param rejectedReason why a {@link State#REJECTED} upload was refused, e.g. {@link #TOO_LARGE}
 */
public record Upload(
    UUID id,
    TenantId tenantId,
    String bucket,
    String key,
    String contentType,
    State state,
    Long size,
    Instant createdAt,
    Instant expiresAt,
    Instant receivedAt,
    Long contentLength,
    JsonNode recipe,
    JobId jobId,
    String rejectedReason) {

  /** The object is larger than the upload allowed. */
  public static final String TOO_LARGE = "too-large";

  public enum State {
    /** The URL was handed out; nothing has arrived yet. */
    PENDING,
    /** S3 reported the object (and its recipe's job, if any, was created). */
    RECEIVED,
    /** S3 reported an object the upload does not allow (see {@code rejectedReason}). */
    REJECTED
  }

  /** Uploads live under their tenant's prefix, so one tenant's key can never name another's. */
  public static String objectKey(TenantId tenant, UUID uploadId) {
    return "uploads/" + tenant + "/" + uploadId;
  }
}
