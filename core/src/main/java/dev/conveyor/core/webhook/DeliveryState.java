package dev.conveyor.core.webhook;

import java.util.Locale;

/**
 * {@code pending → delivering → succeeded | failed}, or back to {@code pending} to retry; a failed
 * delivery goes back to {@code pending} when its tenant retries it.
 */
public enum DeliveryState {
  PENDING,
  DELIVERING,
  SUCCEEDED,
  FAILED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DeliveryState fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
