package dev.conveyor.core.job;

import java.util.UUID;

public record TenantId(UUID value) {
  public static TenantId of(String text) {
    return new TenantId(UUID.fromString(text));
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
