package dev.conveyor.core.idempotency;

import dev.conveyor.core.job.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link IdempotencyStore} in a map, with the DynamoDB store's rules: an in-progress record
 * lives for the in-progress window, a completed one for the time to live from completion, and an
 * expired record is absent whether or not it is still in the map. Thread-safe; {@link #begin} is
 * atomic.
 */
final class InMemoryIdempotencyStore implements IdempotencyStore {
  private record Key(TenantId tenant, String key) {}

  private record Entry(String payloadHash, Instant expiresAt, StoredResponse response) {
    boolean completed() {
      return response != null;
    }
  }

  private final Clock clock;
  private final Duration ttl;
  private final Duration inProgressExpiry;
  private final Map<Key, Entry> entries = new HashMap<>();
  private final AtomicInteger completions = new AtomicInteger();

  InMemoryIdempotencyStore(Clock clock, Duration ttl, Duration inProgressExpiry) {
    this.clock = clock;
    this.ttl = ttl;
    this.inProgressExpiry = inProgressExpiry;
  }

  @Override
  public synchronized Begin begin(TenantId tenant, String key, String payloadHash) {
    Instant now = clock.instant();
    Key id = new Key(tenant, key);
    Entry live = live(id, now);
    if (live == null) {
      entries.put(id, new Entry(payloadHash, now.plus(inProgressExpiry), null));
      return new Started();
    }
    return live.completed()
        ? new Completed(live.response(), live.payloadHash())
        : new InProgress(live.payloadHash());
  }

  @Override
  public synchronized void complete(TenantId tenant, String key, StoredResponse response) {
    Instant now = clock.instant();
    Key id = new Key(tenant, key);
    Entry live = live(id, now);
    if (live != null && !live.completed()) {
      entries.put(id, new Entry(live.payloadHash(), now.plus(ttl), response));
      completions.incrementAndGet();
    }
  }

  @Override
  public synchronized void delete(TenantId tenant, String key) {
    Key id = new Key(tenant, key);
    Entry entry = entries.get(id);
    if (entry != null && !entry.completed()) {
      entries.remove(id);
    }
  }

  /** How many records exist, expired ones included (as in a table TTL has not swept yet). */
  synchronized int size() {
    return entries.size();
  }

  int completions() {
    return completions.get();
  }

  private Entry live(Key id, Instant now) {
    Entry entry = entries.get(id);
    return entry == null || !now.isBefore(entry.expiresAt()) ? null : entry;
  }
}
