package dev.conveyor.core.upload;

import dev.conveyor.core.port.UploadStore;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Handles S3's "object created" for the uploads bucket. Events may arrive twice or late. */
public final class RecordUpload {
  private static final Logger LOG = LoggerFactory.getLogger(RecordUpload.class);

  private final UploadStore uploads;

  public RecordUpload(UploadStore uploads) {
    this.uploads = uploads;
  }

  public Optional<Upload> objectCreated(String bucket, String key, long size, Instant at) {
    Optional<Upload> upload = uploads.markReceived(bucket, key, size, at);
    if (upload.isEmpty()) {
      // Not ours (or its row is gone): acknowledge, there is nothing to retry.
      LOG.warn("object created under an unknown upload key; ignored");
    }
    return upload;
  }
}
