package dev.conveyor.core.ratelimit;

import dev.conveyor.core.job.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-tenant limits, spent from the shared {@link TokenBuckets} in small leases rather than one
 * token per request: a container that serves a busy tenant takes as many tokens as it used in the
 * last lease window (at most a tenth of the burst, and at most one window's worth of the rate) and
 * hands them out locally until they run out or the window ends. A busy tenant then costs the shared
 * store one call per lease instead of one per request.
 *
 * <p>The limit stays global and is never exceeded: every token a container hands out was taken from
 * the shared bucket first. The price is strictness at the edges: tokens a container leased but did
 * not use before the window ended are lost, so a tenant spread thinly over many containers may get
 * a little less than its limit, never more. Small limits (burst under 20) are not leased at all.
 *
 * <p>A refusal is remembered until its wait is over, so a tenant hammering a spent bucket is
 * answered locally without calling the shared store.
 */
public final class LeasingRateLimiter implements RateLimiter {
  /** Beyond this many buckets in memory, idle ones are dropped on the next lease. */
  private static final int MAX_TRACKED_BUCKETS = 10_000;

  private final TokenBuckets buckets;
  private final Duration leaseWindow;
  private final Clock clock;
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();

  /**
   * @param leaseWindow how long leased tokens stay usable; zero takes one token per request
   */
  public LeasingRateLimiter(TokenBuckets buckets, Duration leaseWindow, Clock clock) {
    if (leaseWindow.isNegative()) {
      throw new IllegalArgumentException("the lease window cannot be negative");
    }
    this.buckets = Objects.requireNonNull(buckets, "buckets");
    this.leaseWindow = leaseWindow;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public RateDecision acquire(TenantId tenant, String bucket, RateLimit limit) {
    Lease lease = leases.computeIfAbsent(tenant + "#" + bucket, key -> new Lease());
    RateDecision decision;
    // One caller per bucket talks to the shared store at a time; the others wait for its lease.
    synchronized (lease) {
      decision = lease.acquire(tenant, bucket, limit, clock.instant());
    }
    if (leases.size() > MAX_TRACKED_BUCKETS) {
      Instant now = clock.instant();
      leases.values().removeIf(idle -> idle.isIdle(now));
    }
    return decision;
  }

  /** The most tokens one lease may take: a tenth of the burst, and one window of the rate. */
  int maxLease(RateLimit limit) {
    double perWindow = limit.perSecond() * leaseWindow.toNanos() / 1e9;
    return (int) Math.max(1, Math.min(limit.burst() / 10, Math.floor(perWindow)));
  }

  /** One bucket's tokens in this container. Guarded by its own monitor. */
  private final class Lease {
    private int tokens;
    private int handedOut;
    private Instant leasedAt;
    private Instant expiresAt = Instant.MIN;
    private Instant refusedUntil = Instant.MIN;

    RateDecision acquire(TenantId tenant, String bucket, RateLimit limit, Instant now) {
      if (now.isBefore(refusedUntil)) {
        return RateDecision.deny(Duration.between(now, refusedUntil));
      }
      if (tokens > 0 && now.isBefore(expiresAt)) {
        tokens--;
        handedOut++;
        return RateDecision.allow();
      }
      TokenBuckets.Grant grant = buckets.take(tenant, bucket, limit, nextLeaseSize(limit, now));
      if (!grant.granted()) {
        tokens = 0;
        refusedUntil = now.plus(grant.retryAfter());
        return RateDecision.deny(grant.retryAfter());
      }
      tokens = grant.tokens() - 1;
      handedOut = 1;
      leasedAt = now;
      expiresAt = now.plus(leaseWindow);
      return RateDecision.allow();
    }

    /**
     * As many tokens as this container handed out per window during the last lease: 1 for a new or
     * quiet bucket, growing while leases run out early.
     */
    private int nextLeaseSize(RateLimit limit, Instant now) {
      if (leasedAt == null || leaseWindow.isZero()) {
        return 1;
      }
      long elapsed = Math.max(1, Duration.between(leasedAt, now).toNanos());
      double demand = (double) handedOut * leaseWindow.toNanos() / elapsed;
      return (int) Math.max(1, Math.min(maxLease(limit), Math.ceil(demand)));
    }

    boolean isIdle(Instant now) {
      synchronized (this) {
        return !now.isBefore(expiresAt) && !now.isBefore(refusedUntil);
      }
    }
  }
}
