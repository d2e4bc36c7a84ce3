package dev.conveyor.adapters.aws;

import dev.conveyor.core.port.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * {@link BlobStore} on S3. Reads are bounded: {@link #get} refuses an object whose Content-Length
 * exceeds the limit before reading any of it, and never reads more than the limit (plus the one
 * byte that proves a lying length wrong). Presigned uploads sign the content type and length, so an
 * upload with another type or size is refused by S3 with 403.
 *
 * <p>SDK failures other than "no such object" propagate as the SDK's exceptions (retried first by
 * the client's retry strategy).
 */
public final class S3BlobStore implements BlobStore {

  /** SigV4 presigned URLs live at most seven days. */
  static final Duration MAX_PRESIGN_TTL = Duration.ofDays(7);

  /** The largest array the JVM allocates. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private static final int CHUNK = 64 * 1024;

  private final S3Client s3;
  private final S3Presigner presigner;

  public S3BlobStore(S3Client s3, S3Presigner presigner) {
    this.s3 = Objects.requireNonNull(s3, "s3");
    this.presigner = Objects.requireNonNull(presigner, "presigner");
  }

  @Override
  public Optional<BlobInfo> head(String bucket, String key) {
    HeadObjectResponse head;
    try {
      head = s3.headObject(b -> b.bucket(bucket).key(key));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(
        new BlobInfo(
            head.contentLength() == null ? 0 : head.contentLength(),
            head.contentType(),
            unquote(head.eTag())));
  }

  @Override
  public byte[] get(String bucket, String key, long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes < 0: " + maxBytes);
    }
    long limit = Math.min(maxBytes, MAX_ARRAY);
    GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(key).build();
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = s3.getObject(request);
    } catch (NoSuchKeyException e) {
      throw new BlobNotFoundException(bucket, key);
    }
    try (in) {
      Long length = in.response().contentLength();
      if (length != null && length > limit) {
        // Drop the connection rather than drain a body we will not read.
        in.abort();
        throw new BlobTooLargeException(length, maxBytes);
      }
      byte[] bytes = readAtMost(in, length != null ? length : limit);
      if (length != null && bytes.length < length) {
        throw new IOException("ended after " + bytes.length + " of " + length + " bytes");
      }
      // Reaching the end lets the SDK verify the checksum and reuse the connection. Without a
      // Content-Length, a byte beyond the limit proves the object too large.
      if (in.read() != -1) {
        in.abort();
        if (length == null) {
          throw new BlobTooLargeException(limit + 1, maxBytes);
        }
        throw new IOException("longer than its Content-Length " + length);
      }
      return bytes;
    } catch (IOException e) {
      in.abort();
      throw new UncheckedIOException("reading s3://" + bucket + "/" + key + " failed", e);
    }
  }

  /** Reads up to {@code max} bytes (fewer if the stream ends first). */
  private static byte[] readAtMost(InputStream in, long max) throws IOException {
    int capacity = (int) Math.min(max, CHUNK);
    byte[] buffer = new byte[capacity];
    int size = 0;
    while (size < max) {
      if (size == buffer.length) {
        int grown = (int) Math.min(max, Math.max((long) buffer.length * 2, CHUNK));
        buffer = Arrays.copyOf(buffer, grown);
      }
      int n = in.read(buffer, size, buffer.length - size);
      if (n < 0) {
        break;
      }
      size += n;
    }
    return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
  }

  @Override
  public void put(
      String bucket, String key, byte[] content, String contentType, Map<String, String> metadata) {
    Objects.requireNonNull(content, "content");
    PutObjectRequest.Builder request =
        PutObjectRequest.builder()
            .bucket(bucket)
            .key(key)
            .contentLength((long) content.length)
            .contentType(contentType);
    if (metadata != null && !metadata.isEmpty()) {
      request.metadata(metadata);
    }
    s3.putObject(request.build(), RequestBody.fromBytes(content));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The returned headers are the signed ones the client must send verbatim ({@code content-type}
   * and {@code content-length}); {@code host} is left out because every HTTP client sets it from
   * the URL. {@code content-length} must be the body's true length, which is what HTTP clients send
   * anyway (some, such as {@code java.net.http}, refuse to have it set by hand).
   */
  @Override
  public PresignedUpload presignPut(
      String bucket, String key, String contentType, long contentLength, Duration ttl) {
    Objects.requireNonNull(contentType, "contentType");
    if (contentLength < 0) {
      throw new IllegalArgumentException("contentLength < 0: " + contentLength);
    }
    checkTtl(ttl);
    PresignedPutObjectRequest presigned =
        presigner.presignPutObject(p ->
            p.signatureDuration(ttl)
                .putObjectRequest(b ->
                    b.bucket(bucket)
                        .key(key)
                        .contentType(contentType)
                        .contentLength(contentLength)));
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> header : presigned.signedHeaders().entrySet()) {
      if (!header.getKey().toLowerCase(Locale.ROOT).equals("host")) {
        headers.put(header.getKey(), String.join(",", header.getValue()));
      }
    }
    return new PresignedUpload(toUri(presigned.url()), Map.copyOf(headers), presigned.expiration());
  }

  @Override
  public URI presignGet(String bucket, String key, Duration ttl) {
    checkTtl(ttl);
    PresignedGetObjectRequest presigned =
        presigner.presignGetObject(
            p -> p.signatureDuration(ttl).getObjectRequest(b -> b.bucket(bucket).key(key)));
    return toUri(presigned.url());
  }

  private static void checkTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_PRESIGN_TTL) > 0) {
      throw new IllegalArgumentException("presigned URL lifetime must be in (0, 7 days]: " + ttl);
    }
  }

  private static URI toUri(URL url) {
    try {
      return url.toURI();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("the SDK presigned a malformed URL", e);
    }
  }

  private static String unquote(String eTag) {
    if (eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")) {
      return eTag.substring(1, eTag.length() - 1);
    }
    return eTag;
  }
}
