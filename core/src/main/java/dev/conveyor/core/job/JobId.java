package dev.conveyor.core.job;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** A job's identity; a version-7 UUID whose timestamp is the job's {@code created_at}. */
public record JobId(UUID value) {
  public JobId {
    if (value.version() != 7) {
      throw new IllegalArgumentException("job ids are version 7 UUIDs");
    }
  }

  public static JobId generate(Instant now) {
    return new JobId(Ids.newV7(now));
  }

  /** Parses a client-supplied id; anything malformed is simply not a job. */
  public static Optional<JobId> parse(String text) {
    try {
      UUID uuid = UUID.fromString(text);
      return uuid.version() == 7 && uuid.toString().equals(text.toLowerCase(java.util.Locale.ROOT))
          ? Optional.of(new JobId(uuid))
          : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public Instant createdAt() {
    return Ids.instantOf(value);
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
