package dev.conveyor.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it. Thread-safe; clocks made with {@link
 * #withZone} share this one's time, so advancing either advances both.
 */
public final class MutableClock extends Clock {
  /** A fixed, unremarkable default start: 2025-01-15T10:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2025-01-15T10:00:00Z");

  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /** Starts at {@link #DEFAULT_START}, in UTC. */
  public MutableClock() {
    this(DEFAULT_START);
  }

  public MutableClock(Instant start) {
    this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new MutableClock(now, Objects.requireNonNull(zone, "zone"));
  }

  /** Moves time forward (or back, with a negative duration) and returns the new instant. */
  public Instant advance(Duration by) {
    Objects.requireNonNull(by, "by");
    return now.updateAndGet(t -> t.plus(by));
  }

  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  @Override
  public String toString() {
    return "MutableClock[" + now.get() + ", " + zone + "]";
  }
}
