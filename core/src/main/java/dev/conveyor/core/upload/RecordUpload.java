package dev.conveyor.core.upload;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.port.UploadStore.Receipt;
import dev.conveyor.core.submit.OutboxDispatcher;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles S3's "object created" for the uploads bucket. Events may arrive twice, concurrently or
 * late: the upload leaves {@code pending} once, by a conditional update, and its recipe's job is
 * created in that same transaction, so exactly one job comes of it. The job's message is sent after
 * the commit, as {@code POST /v1/jobs} sends its own ({@link OutboxDispatcher}).
 *
 * <p>An object larger than the upload allows (its declared {@code contentLength}, at most {@code
 * MAX_UPLOAD_BYTES}) rejects the upload with reason {@link Upload#TOO_LARGE}, and no job is
 * created. S3 already refuses a PUT of another length than the signed one; this is the second line.
 */
public final class RecordUpload {
  private static final Logger LOG = LoggerFactory.getLogger(RecordUpload.class);

  private final UploadStore uploads;
  private final OutboxDispatcher dispatcher;
  private final long maxUploadBytes;
  private final Clock clock;

  /**
   * @param maxUploadBytes the largest object any upload may be ({@code MAX_UPLOAD_BYTES})
   * @param clock stamps the recipe's job (its id carries its creation time)
   */
  public RecordUpload(
      UploadStore uploads, OutboxDispatcher dispatcher, long maxUploadBytes, Clock clock) {
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("maxUploadBytes must be positive: " + maxUploadBytes);
    }
    this.uploads = uploads;
    this.dispatcher = dispatcher;
    this.maxUploadBytes = maxUploadBytes;
    this.clock = clock;
  }

  /**
   * @return the upload as this event left it, or empty for a key that is no upload
   */
  public Optional<Upload> objectCreated(String bucket, String key, long size, Instant at) {
    Optional<Upload> found = uploads.findByKey(bucket, key);
    if (found.isEmpty()) {
      // Not ours (or its row is gone): acknowledge, there is nothing to retry.
      LOG.warn("object created under an unknown upload key; ignored");
      return found;
    }
    Upload upload = found.get();
    if (upload.state() != Upload.State.PENDING) {
      LOG.info("upload {} already {}; repeated event ignored", upload.id(), upload.state());
      return found;
    }
    long allowed =
        upload.contentLength() == null
            ? maxUploadBytes
            : Math.min(upload.contentLength(), maxUploadBytes);
    if (size > allowed) {
      LOG.warn(
          "upload {} of tenant {} rejected: {} bytes, {} allowed",
          upload.id(),
          upload.tenantId(),
          size,
          allowed);
      return uploads.reject(bucket, key, size, at, Upload.TOO_LARGE);
    }

    Job job =
        upload.recipe() == null
            ? null
            : Recipe.fromStored(upload.recipe())
                .jobFor(upload, JobId.generate(clock.instant()), upload.id().toString());
    Optional<Receipt> receipt = uploads.receive(bucket, key, size, at, job);
    receipt
        .flatMap(Receipt::job)
        .ifPresent(pending -> {
          LOG.info(
              "upload {} of tenant {} received; job {} created from its recipe",
              upload.id(),
              upload.tenantId(),
              pending.message().id());
          dispatcher.dispatch(pending);
        });
    return receipt.map(Receipt::upload);
  }
}
