package dev.conveyor.core.job;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/**
 * Time-ordered UUIDs (RFC 9562 version 7). Jobs are range-partitioned by creation time; because a
 * job's id carries its creation millisecond, a lookup by id also knows its partition.
 */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static UUID newV7(Instant now) {
    long millis = now.toEpochMilli();
    long randA = RANDOM.nextInt(1 << 12);
    long msb = (millis << 16) | (0x7L << 12) | randA;
    long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb);
  }

  /** The creation instant a version-7 UUID carries (millisecond precision). */
  public static Instant instantOf(UUID v7) {
    if (v7.version() != 7) {
      throw new IllegalArgumentException("not a version 7 UUID: " + v7);
    }
    return Instant.ofEpochMilli(v7.getMostSignificantBits() >>> 16);
  }
}
