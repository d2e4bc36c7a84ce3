package dev.conveyor.core.ratelimit;

import dev.conveyor.core.job.TenantId;
import java.time.Duration;

/**
 * The shared store of every tenant's token buckets (DynamoDB on AWS): what all containers of a
 * function spend from together, so a tenant cannot multiply its limit by the number of warm
 * containers.
 */
public interface TokenBuckets {

  /**
   * Takes up to {@code wanted} tokens at once from the tenant's bucket named {@code bucket}.
   *
   * @param bucket e.g. {@code writes}; tenants' buckets are independent
   * @param wanted at least 1; more than {@code limit.burst()} is never granted
   * @return between 1 and {@code wanted} tokens, or none with the wait until one is available
   */
  Grant take(TenantId tenant, String bucket, RateLimit limit, int wanted);

  /**
   * @param tokens how many tokens were taken (0 when refused)
   * @param retryAfter when refused, how long until a token is available; else zero
   */
  record Grant(int tokens, Duration retryAfter) {
    public Grant {
      boolean waits = retryAfter.compareTo(Duration.ZERO) > 0;
      if (tokens < 0 || (tokens == 0) != waits) {
        throw new IllegalArgumentException("a refusal needs a wait, a grant needs tokens and none");
      }
    }

    public static Grant of(int tokens) {
      if (tokens < 1) {
        throw new IllegalArgumentException("a grant needs at least one token");
      }
      return new Grant(tokens, Duration.ZERO);
    }

    public static Grant refused(Duration retryAfter) {
      return new Grant(0, retryAfter);
    }

    public boolean granted() {
      return tokens > 0;
    }
  }
}
