package dev.conveyor.core.port;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.upload.Upload;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Uploads in PostgreSQL. An upload leaves {@code pending} once, by a conditional update: S3 events
 * may arrive twice or concurrently, and only the first changes anything.
 */
public interface UploadStore {
  void create(Upload upload);

  Optional<Upload> find(TenantId tenant, UUID uploadId);

  /** The upload stored under this object, whatever its tenant (S3 events name objects). */
  Optional<Upload> findByKey(String bucket, String key);

  /**
   * Records that S3 reported the object: {@code pending → received} and, for an upload with a
   * recipe, {@code job} (the recipe's job) and its outbox row, all in one transaction. Only the
   * call that moves the upload out of {@code pending} writes anything; a repeated or concurrent
   * event gets the upload as it is, and no message.
   *
   * @param job the recipe's job, or null for an upload without a recipe
   * @return empty if the key is not a known upload
   * @throws IllegalArgumentException when {@code job} is given for an upload without a recipe, is
   *     missing for one with a recipe, or belongs to another tenant (nothing is written)
   */
  Optional<Receipt> receive(String bucket, String key, long size, Instant at, Job job);

  /**
   * Records that S3 reported an object the upload does not allow: {@code pending → rejected}, with
   * the reason. Idempotent like {@link #receive}; no job is created.
   *
   * @return the upload, or empty if the key is not a known upload
   */
  Optional<Upload> reject(String bucket, String key, long size, Instant at, String reason);

  /**
   * {@link #receive} for an upload without a recipe.
   *
   * @return the upload, or empty if the key is not a known upload
   */
  default Optional<Upload> markReceived(String bucket, String key, long size, Instant at) {
    return receive(bucket, key, size, at, null).map(Receipt::upload);
  }

  /**
   * What {@link #receive} did.
   *
   * @param upload the upload after the call
   * @param job the new job's outbox row, to dispatch; empty unless this call created the job
   */
  record Receipt(Upload upload, Optional<PendingMessage> job) {}
}
