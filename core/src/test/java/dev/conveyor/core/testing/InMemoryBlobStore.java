package dev.conveyor.core.testing;

import dev.conveyor.core.port.BlobStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link BlobStore} held in memory, faithful to S3 where callers can tell: objects are copied in
 * and out, {@code get} refuses objects above {@code maxBytes} and missing keys with the port's
 * exceptions, the ETag is the quoted MD5 of the content (as S3 reports it for single-part uploads),
 * and presigned URLs expire after a TTL of at most seven days (SigV4's limit). The URLs are fake
 * ({@code https://<bucket>.s3.test.invalid/<key>?...}) and lead nowhere.
 *
 * <p>Tests can inspect what was written, and how often: {@link #putCount} shows that a retry
 * overwrote an object rather than writing a second one. Thread-safe.
 */
public final class InMemoryBlobStore implements BlobStore {
  /** SigV4 presigned URLs are valid for at most seven days. */
  public static final Duration MAX_PRESIGN_TTL = Duration.ofDays(7);

  /** One stored object; {@link #content()} returns a copy of its bytes. */
  public record StoredObject(
      String bucket,
      String key,
      byte[] bytes,
      String contentType,
      Map<String, String> metadata,
      String eTag) {
    public byte[] content() {
      return bytes.clone();
    }

    public long size() {
      return bytes.length;
    }
  }

  private record Address(String bucket, String key) {}

  private final Map<Address, StoredObject> objects = new ConcurrentHashMap<>();
  private final Map<Address, Integer> puts = new ConcurrentHashMap<>();
  private final Clock clock;

  public InMemoryBlobStore() {
    this(Clock.systemUTC());
  }

  /** The clock decides presigned URLs' expiry. */
  public InMemoryBlobStore(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Optional<BlobInfo> head(String bucket, String key) {
    return Optional.ofNullable(objects.get(new Address(bucket, key)))
        .map(o -> new BlobInfo(o.size(), o.contentType(), o.eTag()));
  }

  @Override
  public byte[] get(String bucket, String key, long maxBytes) {
    StoredObject o = objects.get(new Address(bucket, key));
    if (o == null) {
      throw new BlobNotFoundException(bucket, key);
    }
    if (o.size() > maxBytes) {
      throw new BlobTooLargeException(o.size(), maxBytes);
    }
    return o.content();
  }

  @Override
  public void put(
      String bucket, String key, byte[] content, String contentType, Map<String, String> metadata) {
    Objects.requireNonNull(content, "content");
    Address at = address(bucket, key);
    byte[] copy = content.clone();
    objects.put(
        at,
        new StoredObject(
            bucket,
            key,
            copy,
            contentType == null ? "binary/octet-stream" : contentType,
            metadata == null ? Map.of() : Map.copyOf(metadata),
            eTag(copy)));
    puts.merge(at, 1, Integer::sum);
  }

  @Override
  public PresignedUpload presignPut(
      String bucket, String key, String contentType, long contentLength, Duration ttl) {
    Objects.requireNonNull(contentType, "contentType");
    if (contentLength < 0) {
      throw new IllegalArgumentException("contentLength < 0: " + contentLength);
    }
    Instant expiresAt = expiry(ttl);
    return new PresignedUpload(
        url(bucket, key, "PUT", ttl),
        Map.of("content-type", contentType, "content-length", Long.toString(contentLength)),
        expiresAt);
  }

  @Override
  public URI presignGet(String bucket, String key, Duration ttl) {
    expiry(ttl);
    return url(bucket, key, "GET", ttl);
  }

  // ---- for tests ----

  /** Seeds an object as if a client had uploaded it (counts as a put). */
  public InMemoryBlobStore with(String bucket, String key, byte[] content, String contentType) {
    put(bucket, key, content, contentType, Map.of());
    return this;
  }

  public Optional<StoredObject> object(String bucket, String key) {
    return Optional.ofNullable(objects.get(new Address(bucket, key)));
  }

  /** The object's bytes; fails the test with a clear message when it is missing. */
  public byte[] content(String bucket, String key) {
    return object(bucket, key)
        .orElseThrow(() -> new AssertionError("no object s3://" + bucket + "/" + key))
        .content();
  }

  /** How many times {@code put} wrote this key (0 if never). */
  public int putCount(String bucket, String key) {
    return puts.getOrDefault(new Address(bucket, key), 0);
  }

  /** Every put across all keys. */
  public int totalPuts() {
    return puts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The keys in a bucket under a prefix, sorted. */
  public List<String> keys(String bucket, String prefix) {
    return objects.keySet().stream()
        .filter(a -> a.bucket().equals(bucket) && a.key().startsWith(prefix))
        .map(Address::key)
        .sorted()
        .toList();
  }

  public void delete(String bucket, String key) {
    objects.remove(new Address(bucket, key));
  }

  private static Address address(String bucket, String key) {
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("bucket is required");
    }
    if (key == null || key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > 1024) {
      throw new IllegalArgumentException("S3 keys are 1 to 1024 bytes: " + key);
    }
    return new Address(bucket, key);
  }

  private Instant expiry(Duration ttl) {
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_PRESIGN_TTL) > 0) {
      throw new IllegalArgumentException("presigned URLs live 1 s to 7 days, not " + ttl);
    }
    return clock.instant().plus(ttl);
  }

  private URI url(String bucket, String key, String method, Duration ttl) {
    address(bucket, key);
    try {
      return new URI(
          "https",
          bucket + ".s3.test.invalid",
          "/" + key,
          "X-Amz-Method="
              + method
              + "&X-Amz-Date="
              + clock.instant().getEpochSecond()
              + "&X-Amz-Expires="
              + ttl.toSeconds()
              + "&X-Amz-Signature=fake",
          null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot build a URL for " + key, e);
    }
  }

  private static String eTag(byte[] content) {
    try {
      return '"' + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content)) + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
