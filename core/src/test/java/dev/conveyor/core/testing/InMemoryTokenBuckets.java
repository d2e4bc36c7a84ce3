package dev.conveyor.core.testing;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.Gcra;
import dev.conveyor.core.ratelimit.RateLimit;
import dev.conveyor.core.ratelimit.TokenBuckets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** {@link TokenBuckets} in memory, counting the calls a shared store would have served. */
public final class InMemoryTokenBuckets implements TokenBuckets {
  private final Clock clock;
  private final Map<String, Instant> states = new HashMap<>();
  private int calls;

  public InMemoryTokenBuckets(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Grant take(TenantId tenant, String bucket, RateLimit limit, int wanted) {
    calls++;
    String key = tenant + "#" + bucket;
    Gcra.Take take =
        Gcra.take(Optional.ofNullable(states.get(key)), clock.instant(), limit, wanted);
    take.newTat().ifPresent(tat -> states.put(key, tat));
    return take.grant();
  }

  /** How many times the store was asked for tokens. */
  public synchronized int calls() {
    return calls;
  }
}
