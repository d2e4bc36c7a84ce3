package dev.conveyor.core.job;

import java.util.Locale;

/**
 * A queue tier. Each tier has its own SQS queue, DLQ and consumer concurrency, so a flood of slow
 * work on one tier never delays another: webhooks are never stuck behind transcodes.
 */
public enum Tier {
  /** Webhook deliveries: small, latency-sensitive. */
  CRITICAL,
  /** Image transforms: the bulk of the work. */
  STANDARD,
  /** Video transcodes and maintenance. */
  BACKGROUND;

  /** The lower-case name used in queue names, environment variables and JSON. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Tier fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
