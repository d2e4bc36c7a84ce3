package dev.conveyor.core.ratelimit;

import dev.conveyor.core.job.TenantId;

/**
 * Per-tenant rate limits shared by every container of a function (DynamoDB on AWS), not per
 * process: a tenant cannot multiply its limit by the number of warm Lambda containers.
 */
public interface RateLimiter {
  /**
   * Takes one token from the tenant's bucket named {@code bucket}.
   *
   * @param bucket e.g. {@code writes}; tenants' buckets are independent
   */
  RateDecision acquire(TenantId tenant, String bucket, RateLimit limit);
}
