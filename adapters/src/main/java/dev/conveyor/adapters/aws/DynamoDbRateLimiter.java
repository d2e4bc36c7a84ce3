package dev.conveyor.adapters.aws;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.Gcra;
import dev.conveyor.core.ratelimit.RateDecision;
import dev.conveyor.core.ratelimit.RateLimit;
import dev.conveyor.core.ratelimit.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Token buckets in DynamoDB, shared by every container: one item per tenant and bucket holding the
 * GCRA state (see {@link Gcra}), a single instant in microseconds.
 *
 * <p>A request is one conditional {@code UpdateItem} in the common case: while the bucket is in use
 * it moves the state forward in place ({@code tat = tat + interval}, if that stays within the
 * burst), so concurrent requests never race a read against a write; an idle or new bucket is
 * restarted from now with a second conditional update. Contention never turns into a refusal.
 *
 * <p>When DynamoDB itself fails, the request is allowed (and logged): rate limiting protects the
 * service, and refusing all traffic because the limiter is down would be the bigger outage.
 */
public final class DynamoDbRateLimiter implements RateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbRateLimiter.class);
  private static final int MAX_ROUNDS = 4;

  private final DynamoDbClient dynamoDb;
  private final String table;
  private final Clock clock;

  public DynamoDbRateLimiter(DynamoDbClient dynamoDb, String table, Clock clock) {
    this.dynamoDb = dynamoDb;
    this.table = table;
    this.clock = clock;
  }

  @Override
  public RateDecision acquire(TenantId tenant, String bucket, RateLimit limit) {
    Map<String, AttributeValue> key = Map.of("pk", s("rate#" + tenant + "#" + bucket));
    long interval = micros(limit.interval());
    long ahead = micros(Gcra.burstAllowance(limit));
    try {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        Instant nowInstant = clock.instant();
        long now = micros(nowInstant);
        long expiresAt = expiry(now + ahead + interval, limit);
        // The bucket is in use: spend a token by moving the state forward, if within the burst.
        try {
          dynamoDb.updateItem(u ->
              u.tableName(table)
                  .key(key)
                  .updateExpression("SET tat = tat + :interval, expiresAt = :expiresAt")
                  .conditionExpression("tat >= :now AND tat <= :latest")
                  .expressionAttributeValues(
                      Map.of(
                          ":interval", n(interval),
                          ":expiresAt", n(expiresAt),
                          ":now", n(now),
                          ":latest", n(now + ahead)))
                  .returnValuesOnConditionCheckFailure(
                      ReturnValuesOnConditionCheckFailure.ALL_OLD));
          return RateDecision.allow();
        } catch (ConditionalCheckFailedException e) {
          Optional<Long> tat = tatOf(e).or(() -> read(key));
          if (tat.isPresent() && tat.get() > now + ahead) {
            // Too far ahead: refused, with the wait the algorithm gives.
            return Gcra.request(tat.map(DynamoDbRateLimiter::instant), nowInstant, limit)
                .decision();
          }
        }
        // Idle or new: the bucket is full again; start it from now.
        try {
          dynamoDb.updateItem(u ->
              u.tableName(table)
                  .key(key)
                  .updateExpression("SET tat = :next, expiresAt = :expiresAt")
                  .conditionExpression("attribute_not_exists(tat) OR tat < :now")
                  .expressionAttributeValues(
                      Map.of(
                          ":next", n(now + interval),
                          ":expiresAt", n(expiresAt),
                          ":now", n(now))));
          return RateDecision.allow();
        } catch (ConditionalCheckFailedException e) {
          // Another request moved the state past now in between: go round with the first form.
        }
      }
      LOG.warn("rate bucket under heavy contention; request allowed");
      return RateDecision.allow();
    } catch (SdkException e) {
      LOG.warn("rate limiter unavailable; request allowed: {}", e.toString());
      return RateDecision.allow();
    }
  }

  private static Optional<Long> tatOf(ConditionalCheckFailedException e) {
    return e.hasItem() && e.item().containsKey("tat")
        ? Optional.of(Long.parseLong(e.item().get("tat").n()))
        : Optional.empty();
  }

  private Optional<Long> read(Map<String, AttributeValue> key) {
    var item = dynamoDb.getItem(g -> g.tableName(table).key(key).consistentRead(true));
    return item.hasItem() && item.item().containsKey("tat")
        ? Optional.of(Long.parseLong(item.item().get("tat").n()))
        : Optional.empty();
  }

  /** The item is needed only until the bucket is full again; then TTL may drop it. */
  private static long expiry(long latestTatMicros, RateLimit limit) {
    Duration refill = limit.interval().multipliedBy(limit.burst());
    return instant(latestTatMicros).plus(refill).getEpochSecond() + 60;
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }

  private static long micros(Duration duration) {
    return duration.toNanos() / 1_000;
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000);
  }

  private static AttributeValue s(String value) {
    return AttributeValue.builder().s(value).build();
  }

  private static AttributeValue n(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }
}
