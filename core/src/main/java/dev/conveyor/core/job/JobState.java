package dev.conveyor.core.job;

import java.util.Locale;

/**
 * {@code queued → running → succeeded | failed | cancelled}; a running job may return to queued to
 * retry.
 */
public enum JobState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobState fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
