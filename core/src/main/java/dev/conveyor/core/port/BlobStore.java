package dev.conveyor.core.port;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Object storage (S3). */
public interface BlobStore {

  Optional<BlobInfo> head(String bucket, String key);

  /**
   * Reads a whole object.
   *
   * @throws BlobTooLargeException when the object is larger than {@code maxBytes}; nothing past the
   *     limit is read
   * @throws BlobNotFoundException when there is no such object
   */
  byte[] get(String bucket, String key, long maxBytes);

  void put(
      String bucket, String key, byte[] content, String contentType, Map<String, String> metadata);

  /**
   * A URL that lets whoever holds it PUT one object of exactly {@code contentLength} bytes with the
   * given content type until it expires. Both are signed: the returned headers (which include them)
   * must be sent as they are, and S3 refuses a PUT with another type or length.
   */
  PresignedUpload presignPut(
      String bucket, String key, String contentType, long contentLength, Duration ttl);

  /** A URL that lets whoever holds it GET one object until it expires. */
  URI presignGet(String bucket, String key, Duration ttl);

  record BlobInfo(long size, String contentType, String eTag) {}

  record PresignedUpload(URI url, Map<String, String> headers, Instant expiresAt) {}

  final class BlobNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BlobNotFoundException(String bucket, String key) {
      super("no object s3://" + bucket + "/" + key);
    }
  }

  final class BlobTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BlobTooLargeException(long size, long maxBytes) {
      super("object has " + size + " bytes; the limit is " + maxBytes);
    }
  }
}
