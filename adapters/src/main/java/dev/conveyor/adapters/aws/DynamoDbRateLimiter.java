package dev.conveyor.adapters.aws;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.Gcra;
import dev.conveyor.core.ratelimit.RateDecision;
import dev.conveyor.core.ratelimit.RateLimit;
import dev.conveyor.core.ratelimit.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * Token buckets in DynamoDB, shared by every container: one item per tenant and bucket holding the
 * GCRA state (a single instant), advanced with a conditional write so concurrent requests in
 * different containers can never spend the same token twice.
 *
 * <p>When DynamoDB itself fails, the request is allowed (and logged): rate limiting protects the
 * service, and refusing all traffic because the limiter is down would be the bigger outage.
 */
public final class DynamoDbRateLimiter implements RateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbRateLimiter.class);
  private static final int MAX_RACES = 5;

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
    try {
      for (int race = 0; race < MAX_RACES; race++) {
        Instant now = clock.instant();
        GetItemResponse current =
            dynamoDb.getItem(g -> g.tableName(table).key(key).consistentRead(true));
        Optional<Long> stored =
            current.hasItem() && current.item().containsKey("tat")
                ? Optional.of(Long.parseLong(current.item().get("tat").n()))
                : Optional.empty();
        Gcra.Step step = Gcra.request(stored.map(DynamoDbRateLimiter::fromMicros), now, limit);
        if (step.newTat().isEmpty()) {
          return step.decision();
        }
        if (write(key, stored, step.newTat().get(), limit)) {
          return step.decision();
        }
        // Another container spent a token between our read and write: read again.
      }
      return RateDecision.deny(limit.interval());
    } catch (SdkException e) {
      LOG.warn("rate limiter unavailable; request allowed: {}", e.toString());
      return RateDecision.allow();
    }
  }

  private boolean write(
      Map<String, AttributeValue> key, Optional<Long> expected, Instant newTat, RateLimit limit) {
    Map<String, AttributeValue> item = new HashMap<>(key);
    item.put("tat", n(micros(newTat)));
    // The item is only needed while the bucket is not full again; then TTL may drop it.
    Duration refill = limit.interval().multipliedBy(limit.burst());
    item.put("expiresAt", n(newTat.plus(refill).getEpochSecond() + 60));
    try {
      if (expected.isPresent()) {
        dynamoDb.putItem(p ->
            p.tableName(table)
                .item(item)
                .conditionExpression("tat = :expected")
                .expressionAttributeValues(Map.of(":expected", n(expected.get()))));
      } else {
        dynamoDb.putItem(
            p -> p.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      }
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }

  private static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000);
  }

  private static AttributeValue s(String value) {
    return AttributeValue.builder().s(value).build();
  }

  private static AttributeValue n(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }
}
