package dev.conveyor.core.query;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.submit.ProblemException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Where a page of the job listing ended: the last job's {@code (createdAt, id)}; the next page
 * holds the jobs strictly before it in {@code (createdAt desc, id desc)} order.
 *
 * <p>On the wire it is opaque: base64url (no padding) of 33 bytes — a version byte ({@value
 * #VERSION}), the id (16 bytes), {@code createdAt} in epoch microseconds (8 bytes, PostgreSQL's
 * precision) and the {@link JobQuery.Filters#fingerprint() fingerprint} of the filters it was made
 * for (8 bytes). It is not signed: a forged cursor can only move a tenant's position within its own
 * listing.
 *
 * @param createdAt at microsecond precision
 */
public record JobCursor(Instant createdAt, JobId id) {
  static final byte VERSION = 1;
  private static final int LENGTH = 1 + 16 + 8 + 8;

  public JobCursor {
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(id, "id");
    createdAt = createdAt.truncatedTo(ChronoUnit.MICROS);
  }

  /** The cursor just after {@code job}. */
  public static JobCursor after(Job job) {
    return new JobCursor(job.createdAt(), job.id());
  }

  /** The opaque token for a listing with {@code filters}. */
  public String encode(JobQuery.Filters filters) {
    ByteBuffer bytes = ByteBuffer.allocate(LENGTH);
    bytes.put(VERSION);
    bytes.putLong(id.value().getMostSignificantBits());
    bytes.putLong(id.value().getLeastSignificantBits());
    bytes.putLong(micros(createdAt));
    bytes.putLong(filters.fingerprint());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  /**
   * @throws ProblemException 400 {@code invalid-cursor} when the token does not decode, or was made
   *     for other filters
   */
  public static JobCursor decode(String token, JobQuery.Filters filters) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid("The cursor is not one this API issued; use a page's nextCursor as it is.");
    }
    if (raw.length != LENGTH || raw[0] != VERSION || token.endsWith("=")) {
      throw invalid("The cursor is not one this API issued; use a page's nextCursor as it is.");
    }
    ByteBuffer bytes = ByteBuffer.wrap(raw, 1, LENGTH - 1);
    UUID uuid = new UUID(bytes.getLong(), bytes.getLong());
    long micros = bytes.getLong();
    long fingerprint = bytes.getLong();
    if (uuid.version() != 7) {
      throw invalid("The cursor is not one this API issued; use a page's nextCursor as it is.");
    }
    if (fingerprint != filters.fingerprint()) {
      throw invalid(
          "The cursor was made for other filters: send the same state, type, createdAfter and"
              + " createdBefore as for the first page.");
    }
    Instant createdAt;
    try {
      createdAt =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    } catch (java.time.DateTimeException e) {
      throw invalid("The cursor is not one this API issued; use a page's nextCursor as it is.");
    }
    return new JobCursor(createdAt, new JobId(uuid));
  }

  private static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
  }

  private static ProblemException invalid(String detail) {
    return new ProblemException(
        400,
        "invalid-cursor",
        "Invalid cursor",
        detail,
        List.of(JobQuery.error("cursor", "not a cursor for this listing")),
        Map.of());
  }
}
