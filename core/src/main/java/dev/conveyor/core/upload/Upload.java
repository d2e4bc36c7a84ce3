package dev.conveyor.core.upload;

import dev.conveyor.core.job.TenantId;
import java.time.Instant;
import java.util.UUID;

/**
 * A file a tenant sends straight to S3 through a presigned URL, later used as a job's source.
 *
 * @param size set once S3 reports the object (the upload event)
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
    Instant receivedAt) {

  public enum State {
    /** The URL was handed out; nothing has arrived yet. */
    PENDING,
    /** S3 reported the object. */
    RECEIVED
  }

  /** Uploads live under their tenant's prefix, so one tenant's key can never name another's. */
  public static String objectKey(TenantId tenant, UUID uploadId) {
    return "uploads/" + tenant + "/" + uploadId;
  }
}
