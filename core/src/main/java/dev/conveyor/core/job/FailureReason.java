package dev.conveyor.core.job;

import java.util.Objects;

/**
 * Why a job failed: a stable, machine-readable {@code code} (e.g. {@code source-too-large}) and a
 * human-readable message. Codes are part of the API; messages may change.
 */
public record FailureReason(String code, String message) {
  public FailureReason {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    if (!code.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
      throw new IllegalArgumentException("failure codes are kebab-case: " + code);
    }
    if (message.length() > 1000) {
      message = message.substring(0, 1000);
    }
  }
}
