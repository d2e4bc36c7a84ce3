package dev.conveyor.core.tenant;

import dev.conveyor.core.port.TenantDirectory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API-key lookups cached in the container (cache-aside) with request coalescing: concurrent misses
 * for one key share a single database lookup, so a burst of cold requests never stampedes the
 * database. Unknown keys are remembered briefly too, which blunts floods of invalid keys.
 *
 * <p>A revoked key keeps working for at most {@code ttl} in a container that cached it: keep the
 * TTL short (seconds), the price of not reading the database on every request.
 */
public final class CachingTenantDirectory implements TenantDirectory {
  private record Entry(Optional<Tenant> tenant, Instant expiresAt) {}

  private final TenantDirectory delegate;
  private final Duration ttl;
  private final Duration negativeTtl;
  private final int maxEntries;
  private final Clock clock;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<Optional<Tenant>>> inFlight =
      new ConcurrentHashMap<>();

  public CachingTenantDirectory(
      TenantDirectory delegate, Duration ttl, Duration negativeTtl, int maxEntries, Clock clock) {
    this.delegate = delegate;
    this.ttl = ttl;
    this.negativeTtl = negativeTtl;
    this.maxEntries = maxEntries;
    this.clock = clock;
  }

  @Override
  public Optional<Tenant> findByApiKeyHash(String apiKeySha256Hex) {
    Entry cached = cache.get(apiKeySha256Hex);
    if (cached != null && clock.instant().isBefore(cached.expiresAt())) {
      return cached.tenant();
    }
    CompletableFuture<Optional<Tenant>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<Tenant>> leader = inFlight.putIfAbsent(apiKeySha256Hex, mine);
    if (leader != null) {
      return await(leader);
    }
    try {
      Optional<Tenant> tenant = delegate.findByApiKeyHash(apiKeySha256Hex);
      remember(apiKeySha256Hex, tenant);
      mine.complete(tenant);
      return tenant;
    } catch (RuntimeException e) {
      // Failures are not cached: the next request tries the database again.
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(apiKeySha256Hex, mine);
    }
  }

  private void remember(String key, Optional<Tenant> tenant) {
    Instant now = clock.instant();
    if (cache.size() >= maxEntries) {
      cache.values().removeIf(e -> !now.isBefore(e.expiresAt()));
      if (cache.size() >= maxEntries) {
        cache.clear(); // A flood of distinct keys: start over rather than grow without bound.
      }
    }
    cache.put(key, new Entry(tenant, now.plus(tenant.isPresent() ? ttl : negativeTtl)));
  }

  private static Optional<Tenant> await(CompletableFuture<Optional<Tenant>> leader) {
    try {
      return leader.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}
