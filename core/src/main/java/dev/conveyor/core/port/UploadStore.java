package dev.conveyor.core.port;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.upload.Upload;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

public interface UploadStore {
  void create(Upload upload);

  Optional<Upload> find(TenantId tenant, UUID uploadId);

  /**
   * Records that S3 reported the object. Idempotent: a repeated event changes nothing.
   *
   * @return the upload, or empty if the key is not a known upload
   */
  Optional<Upload> markReceived(String bucket, String key, long size, Instant at);
}
