package dev.conveyor.emulators;

import java.time.Instant;

/**
 * One successful object creation seen by {@link EmbeddedS3}. S3Proxy emits no bucket notifications,
 * so the local stack turns these into the {@code ObjectCreated:*} events S3 would have delivered to
 * a Lambda.
 *
 * @param bucket the bucket
 * @param key the object key, not URL-encoded (S3 event notifications encode it; callers that build
 *     one must do the same)
 * @param size the object's size in bytes
 * @param eTag the entity tag without quotes, as S3 events carry it
 * @param contentType the stored Content-Type, or {@code null} when none was stored
 * @param eventTime when the creation completed
 */
public record S3ObjectCreated(
    String bucket, String key, long size, String eTag, String contentType, Instant eventTime) {}
