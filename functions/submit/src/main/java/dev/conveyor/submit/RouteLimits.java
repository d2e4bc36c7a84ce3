package dev.conveyor.submit;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.LeasingRateLimiter;
import dev.conveyor.core.ratelimit.RateDecision;
import dev.conveyor.core.ratelimit.RateLimit;
import dev.conveyor.core.ratelimit.RateLimiter;
import dev.conveyor.core.ratelimit.TokenBuckets;
import dev.conveyor.core.submit.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-tenant limits by route class, answered with 429 and {@code Retry-After} when spent.
 *
 * <p>Settings per class ({@code READS}, {@code WRITES}, {@code UPLOADS}): {@code
 * RATE_LIMIT_<CLASS>_PER_SECOND} and {@code RATE_LIMIT_<CLASS>_BURST}; defaults 100/200 for reads,
 * 50/100 for writes, 20/40 for uploads. The buckets are shared by all containers ({@link
 * TokenBuckets}) and spent in leases of up to {@code RATE_LIMIT_LEASE_MILLIS} (5000; 0 asks the
 * shared store on every request): see {@link LeasingRateLimiter}.
 */
final class RouteLimits {
  private static final Map<Route.RouteClass, int[]> DEFAULTS =
      Map.of(
          Route.RouteClass.READS, new int[] {100, 200},
          Route.RouteClass.WRITES, new int[] {50, 100},
          Route.RouteClass.UPLOADS, new int[] {20, 40});

  private final RateLimiter limiter;
  private final Map<Route.RouteClass, RateLimit> limits;

  RouteLimits(RateLimiter limiter, Map<Route.RouteClass, RateLimit> limits) {
    this.limiter = limiter;
    this.limits = new EnumMap<>(limits);
  }

  static RouteLimits fromEnvironment(TokenBuckets buckets, Env env, Clock clock) {
    RateLimiter limiter =
        new LeasingRateLimiter(
            buckets,
            Duration.ofMillis(env.intValue("RATE_LIMIT_LEASE_MILLIS", 5000, 0, 60_000)),
            clock);
    Map<Route.RouteClass, RateLimit> limits = new EnumMap<>(Route.RouteClass.class);
    for (Route.RouteClass routeClass : Route.RouteClass.values()) {
      int[] defaults = DEFAULTS.get(routeClass);
      String prefix = "RATE_LIMIT_" + routeClass.name() + "_";
      limits.put(
          routeClass,
          new RateLimit(
              env.intValue(prefix + "PER_SECOND", defaults[0], 1, 1_000_000),
              env.intValue(prefix + "BURST", defaults[1], 1, 1_000_000)));
    }
    return new RouteLimits(limiter, limits);
  }

  /**
   * @throws ProblemException 429 with {@code Retry-After} (whole seconds, at least 1)
   */
  void spend(TenantId tenant, Route.RouteClass routeClass) {
    RateDecision decision =
        limiter.acquire(tenant, routeClass.name().toLowerCase(Locale.ROOT), limits.get(routeClass));
    if (decision.allowed()) {
      return;
    }
    long seconds = Math.max(1, (decision.retryAfter().toMillis() + 999) / 1000);
    throw new ProblemException(
        429,
        "rate-limited",
        "Too many requests",
        "This API key's "
            + routeClass.name().toLowerCase(Locale.ROOT)
            + " limit is spent; retry in "
            + seconds
            + " s.",
        List.of(),
        Map.of("Retry-After", Long.toString(seconds)));
  }
}
