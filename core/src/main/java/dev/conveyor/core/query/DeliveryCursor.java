package dev.conveyor.core.query;

import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.webhook.Delivery;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Where a page of an endpoint's delivery listing ended: the last delivery's {@code (createdAt,
 * id)}; the next page holds the deliveries strictly before it in {@code (createdAt desc, id desc)}
 * order.
 *
 * <p>On the wire it is opaque: base64url (no padding) of 25 bytes — a version byte ({@value
 * #VERSION}), the id (16 bytes) and {@code createdAt} in epoch microseconds (8 bytes, PostgreSQL's
 * precision). Like {@link JobCursor} it is not signed: a forged cursor can only move a tenant's
 * position within a listing the tenant may read anyway.
 *
 * @param createdAt at microsecond precision
 */
public record DeliveryCursor(Instant createdAt, UUID id) {
  static final byte VERSION = 1;
  private static final int LENGTH = 1 + 16 + 8;

  public DeliveryCursor {
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(id, "id");
    createdAt = createdAt.truncatedTo(ChronoUnit.MICROS);
  }

  /** The cursor just after {@code delivery}. */
  public static DeliveryCursor after(Delivery delivery) {
    return new DeliveryCursor(delivery.createdAt(), delivery.id());
  }

  public String encode() {
    ByteBuffer bytes = ByteBuffer.allocate(LENGTH);
    bytes.put(VERSION);
    bytes.putLong(id.getMostSignificantBits());
    bytes.putLong(id.getLeastSignificantBits());
    bytes.putLong(
        Math.addExact(
            Math.multiplyExact(createdAt.getEpochSecond(), 1_000_000L),
            createdAt.getNano() / 1_000L));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  /**
   * @throws ProblemException 400 {@code invalid-cursor} when the token does not decode
   */
  public static DeliveryCursor decode(String token) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (raw.length != LENGTH || raw[0] != VERSION || token.endsWith("=")) {
      throw invalid();
    }
    ByteBuffer bytes = ByteBuffer.wrap(raw, 1, LENGTH - 1);
    UUID id = new UUID(bytes.getLong(), bytes.getLong());
    long micros = bytes.getLong();
    try {
      return new DeliveryCursor(
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
          id);
    } catch (DateTimeException e) {
      throw invalid();
    }
  }

  private static ProblemException invalid() {
    return new ProblemException(
        400,
        "invalid-cursor",
        "Invalid cursor",
        "The cursor is not one this API issued; use a page's nextCursor as it is.",
        List.of(JobQuery.error("cursor", "not a cursor for this listing")),
        Map.of());
  }
}
