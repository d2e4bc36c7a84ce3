package dev.conveyor.adapters;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value built on first use and then kept: how composition roots build clients and pools once per
 * Lambda container, and only if the function needs them.
 */
public final class Lazy<T> implements Supplier<T> {
  private final Supplier<? extends T> factory;
  private volatile T value;

  private Lazy(Supplier<? extends T> factory) {
    this.factory = Objects.requireNonNull(factory);
  }

  public static <T> Lazy<T> of(Supplier<? extends T> factory) {
    return new Lazy<>(factory);
  }

  @Override
  public T get() {
    T local = value;
    if (local == null) {
      synchronized (this) {
        local = value;
        if (local == null) {
          local = Objects.requireNonNull(factory.get(), "factory returned null");
          value = local;
        }
      }
    }
    return local;
  }

  /** Whether the value was built (so {@code close} only closes what exists). */
  public boolean isBuilt() {
    return value != null;
  }
}
