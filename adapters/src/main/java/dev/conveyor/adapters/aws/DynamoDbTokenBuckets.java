package dev.conveyor.adapters.aws;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.Gcra;
import dev.conveyor.core.ratelimit.RateLimit;
import dev.conveyor.core.ratelimit.TokenBuckets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * Token buckets in DynamoDB, shared by every container: one item per tenant and bucket holding the
 * GCRA state (see {@link Gcra}), a single instant in microseconds.
 *
 * <p>Taking tokens is one conditional {@code UpdateItem} in the common case, in one of two forms: a
 * bucket in use moves its state forward in place ({@code tat = tat + n × interval}, if that stays
 * within the burst), so concurrent takers never race a read against a write; an idle or new bucket
 * restarts from now. Which form to try first comes from the state this container saw last (the
 * stored state is never behind it); a failed condition returns the current state, and the take goes
 * round with the right form and what the bucket holds. Contention never turns into a refusal.
 *
 * <p>When DynamoDB itself fails, one token is granted (and the failure logged): rate limiting
 * protects the service, and refusing all traffic because the limiter is down would be the bigger
 * outage.
 */
public final class DynamoDbTokenBuckets implements TokenBuckets {
  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbTokenBuckets.class);
  private static final int MAX_ROUNDS = 4;

  /** Buckets whose last seen state is kept, so a take starts with the form that will succeed. */
  private static final int MAX_REMEMBERED = 10_000;

  private final ConcurrentHashMap<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final DynamoDbClient dynamoDb;
  private final String table;
  private final Clock clock;

  public DynamoDbTokenBuckets(DynamoDbClient dynamoDb, String table, Clock clock) {
    this.dynamoDb = dynamoDb;
    this.table = table;
    this.clock = clock;
  }

  @Override
  public Grant take(TenantId tenant, String bucket, RateLimit limit, int wanted) {
    if (wanted < 1) {
      throw new IllegalArgumentException("take at least one token");
    }
    String id = "rate#" + tenant + "#" + bucket;
    Map<String, AttributeValue> key = Map.of("pk", s(id));
    long interval = micros(limit.interval());
    long ahead = micros(Gcra.burstAllowance(limit));
    int tokens = Math.min(wanted, limit.burst());
    // The state as last seen: it only moves forward, so the stored one is never behind it.
    Long tat = lastSeen.get(id);
    try {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        Instant nowInstant = clock.instant();
        long now = micros(nowInstant);
        long expiresAt = expiry(now + ahead + interval, limit);
        if (tat == null || tat < now) {
          // Idle or new: the bucket is full again; start it from now.
          try {
            long next = now + interval * tokens;
            dynamoDb.updateItem(
                UpdateItemRequest.builder()
                    .tableName(table)
                    .key(key)
                    .updateExpression("SET tat = :next, expiresAt = :expiresAt")
                    .conditionExpression("attribute_not_exists(tat) OR tat < :now")
                    .expressionAttributeValues(
                        Map.of(":next", n(next), ":expiresAt", n(expiresAt), ":now", n(now)))
                    .returnValuesOnConditionCheckFailure(
                        ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            remember(id, next);
            return Grant.of(tokens);
          } catch (ConditionalCheckFailedException e) {
            tat = tatOf(e).or(() -> read(key)).orElse(null);
            if (tat == null || tat < now) {
              continue;
            }
          }
        }
        // In use: spend what is there by moving the state forward, if that stays within the burst.
        Gcra.Take available = Gcra.take(Optional.of(instant(tat)), nowInstant, limit, tokens);
        if (!available.grant().granted()) {
          remember(id, tat);
          return available.grant();
        }
        tokens = available.grant().tokens();
        try {
          UpdateItemResponse updated =
              dynamoDb.updateItem(
                  UpdateItemRequest.builder()
                      .tableName(table)
                      .key(key)
                      .updateExpression("SET tat = tat + :advance, expiresAt = :expiresAt")
                      .conditionExpression("tat >= :now AND tat <= :latest")
                      .expressionAttributeValues(
                          Map.of(
                              ":advance", n(interval * tokens),
                              ":expiresAt", n(expiresAt),
                              ":now", n(now),
                              ":latest", n(now + ahead - interval * (tokens - 1))))
                      .returnValues(ReturnValue.UPDATED_NEW)
                      .returnValuesOnConditionCheckFailure(
                          ReturnValuesOnConditionCheckFailure.ALL_OLD)
                      .build());
          if (updated.hasAttributes() && updated.attributes().containsKey("tat")) {
            remember(id, Long.parseLong(updated.attributes().get("tat").n()));
          }
          return Grant.of(tokens);
        } catch (ConditionalCheckFailedException e) {
          // Another container moved the state meanwhile (or TTL dropped it): go round.
          tat = tatOf(e).or(() -> read(key)).orElse(null);
        }
      }
      LOG.warn("rate bucket under heavy contention; one token granted");
      return Grant.of(1);
    } catch (SdkException e) {
      LOG.warn("rate limiter unavailable; one token granted: {}", e.toString());
      return Grant.of(1);
    }
  }

  private void remember(String id, long tat) {
    if (lastSeen.size() >= MAX_REMEMBERED) {
      lastSeen.clear();
    }
    lastSeen.put(id, tat);
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
