package dev.conveyor.adapters.aws;

import dev.conveyor.core.idempotency.IdempotencyStore;
import dev.conveyor.core.idempotency.StoredResponse;
import dev.conveyor.core.job.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * {@link IdempotencyStore} in the API-state DynamoDB table ({@code API_STATE_TABLE}: string hash
 * key {@value #PK}, TTL attribute {@value #EXPIRES_AT} in epoch seconds), shared with other API
 * state, so every item here has a key starting {@value #KEY_PREFIX}{@code <tenant id>#<idempotency
 * key>}.
 *
 * <p>An item is {@code INPROGRESS} with {@value #EXPIRES_AT} at the end of the in-progress window
 * (so DynamoDB's TTL also sweeps the records of requests that crashed), then {@code COMPLETED} with
 * the response and {@value #EXPIRES_AT} one time-to-live after completion. An item is live while
 * {@code now < expiresAt}; TTL deletion lags (by up to days on AWS, forever on DynamoDB Local), so
 * every read and every condition treats an expired item as absent.
 *
 * <ul>
 *   <li>{@link #begin}: one conditional {@code PutItem} ({@code attribute_not_exists(pk) OR
 *       expiresAt <= :now}); when the condition fails the existing item comes back with the failure
 *       ({@code ReturnValuesOnConditionCheckFailure=ALL_OLD}), or is read consistently.
 *   <li>{@link #complete}: {@code UpdateItem} to {@code COMPLETED}, only while still in progress.
 *   <li>{@link #delete}: {@code DeleteItem}, only while still in progress.
 * </ul>
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
  static final String PK = "pk";
  static final String EXPIRES_AT = "expiresAt";
  static final String KEY_PREFIX = "idem#";
  static final String IN_PROGRESS = "INPROGRESS";
  static final String COMPLETED = "COMPLETED";

  private static final String STATUS = "status";
  private static final String PAYLOAD_HASH = "payloadHash";
  private static final String RESPONSE_STATUS = "responseStatus";
  private static final String RESPONSE_HEADERS = "responseHeaders";
  private static final String RESPONSE_BODY = "responseBody";
  private static final Map<String, String> NAMES = Map.of("#status", STATUS, "#exp", EXPIRES_AT);

  /** Tries of begin when the blocking item vanishes or expires between the put and the read. */
  private static final int BEGIN_ATTEMPTS = 3;

  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbIdempotencyStore.class);

  private final DynamoDbClient dynamoDb;
  private final String table;
  private final Clock clock;
  private final Duration ttl;
  private final Duration inProgressExpiry;

  /**
   * @param ttl how long a completed response is replayed
   * @param inProgressExpiry how long a request holds its key before another may take it over
   *     (longer than the API's timeout)
   */
  public DynamoDbIdempotencyStore(
      DynamoDbClient dynamoDb, String table, Clock clock, Duration ttl, Duration inProgressExpiry) {
    this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
    this.table = Objects.requireNonNull(table, "table");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ttl = positive(ttl, "ttl");
    this.inProgressExpiry = positive(inProgressExpiry, "inProgressExpiry");
  }

  @Override
  public Begin begin(TenantId tenant, String key, String payloadHash) {
    Objects.requireNonNull(payloadHash, "payloadHash");
    AttributeValue pk = s(pk(tenant, key));
    for (int attempt = 1; attempt <= BEGIN_ATTEMPTS; attempt++) {
      long now = clock.instant().getEpochSecond();
      Map<String, AttributeValue> item = new HashMap<>();
      item.put(PK, pk);
      item.put(STATUS, s(IN_PROGRESS));
      item.put(PAYLOAD_HASH, s(payloadHash));
      item.put(EXPIRES_AT, n(now + inProgressExpiry.toSeconds()));
      try {
        dynamoDb.putItem(p ->
            p.tableName(table)
                .item(item)
                .conditionExpression("attribute_not_exists(pk) OR #exp <= :now")
                .expressionAttributeNames(Map.of("#exp", EXPIRES_AT))
                .expressionAttributeValues(Map.of(":now", n(now)))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
        return new Started();
      } catch (ConditionalCheckFailedException e) {
        Map<String, AttributeValue> existing =
            e.hasItem() && !e.item().isEmpty() ? e.item() : read(pk);
        Begin found = live(existing);
        if (found != null) {
          return found;
        }
        // It was deleted or expired since the put: try to take it again.
      }
    }
    throw new IllegalStateException(
        "could not begin an idempotency record after " + BEGIN_ATTEMPTS + " attempts");
  }

  @Override
  public void complete(TenantId tenant, String key, StoredResponse response) {
    long now = clock.instant().getEpochSecond();
    Map<String, AttributeValue> headers = new HashMap<>();
    response.headers().forEach((name, value) -> headers.put(name, s(value)));
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":completed", s(COMPLETED));
    values.put(":inProgress", s(IN_PROGRESS));
    values.put(":now", n(now));
    values.put(":expiresAt", n(now + ttl.toSeconds()));
    values.put(":status", n(response.status()));
    values.put(":headers", AttributeValue.fromM(headers));
    values.put(":body", s(response.body()));
    try {
      dynamoDb.updateItem(u ->
          u.tableName(table)
              .key(Map.of(PK, s(pk(tenant, key))))
              .updateExpression(
                  "SET #status = :completed, #exp = :expiresAt, "
                      + RESPONSE_STATUS
                      + " = :status, "
                      + RESPONSE_HEADERS
                      + " = :headers, "
                      + RESPONSE_BODY
                      + " = :body")
              .conditionExpression("#status = :inProgress AND #exp > :now")
              .expressionAttributeNames(NAMES)
              .expressionAttributeValues(values));
    } catch (ConditionalCheckFailedException e) {
      LOG.warn(
          "idempotency record no longer in progress when its request completed (it outlived the"
              + " in-progress window of {}); its response is not kept",
          inProgressExpiry);
    }
  }

  @Override
  public void delete(TenantId tenant, String key) {
    try {
      dynamoDb.deleteItem(d ->
          d.tableName(table)
              .key(Map.of(PK, s(pk(tenant, key))))
              .conditionExpression("#status = :inProgress")
              .expressionAttributeNames(Map.of("#status", STATUS))
              .expressionAttributeValues(Map.of(":inProgress", s(IN_PROGRESS))));
    } catch (ConditionalCheckFailedException e) {
      // Absent or completed: nothing of this request to release.
    }
  }

  /** The table key of a tenant's idempotency key. */
  static String pk(TenantId tenant, String key) {
    return KEY_PREFIX + tenant + "#" + key;
  }

  private Map<String, AttributeValue> read(AttributeValue pk) {
    return dynamoDb
        .getItem(g -> g.tableName(table).key(Map.of(PK, pk)).consistentRead(true))
        .item();
  }

  /** The live record as begin reports it, or null when absent or expired. */
  private Begin live(Map<String, AttributeValue> item) {
    if (item == null || item.isEmpty() || !item.containsKey(EXPIRES_AT)) {
      return null;
    }
    long expiresAt = Long.parseLong(item.get(EXPIRES_AT).n());
    if (expiresAt <= clock.instant().getEpochSecond()) {
      return null;
    }
    String hash = item.get(PAYLOAD_HASH).s();
    if (!COMPLETED.equals(item.get(STATUS).s())) {
      return new InProgress(hash);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    item.get(RESPONSE_HEADERS).m().forEach((name, value) -> headers.put(name, value.s()));
    StoredResponse response =
        new StoredResponse(
            Integer.parseInt(item.get(RESPONSE_STATUS).n()), headers, item.get(RESPONSE_BODY).s());
    return new Completed(response, hash);
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.toSeconds() < 1) {
      throw new IllegalArgumentException(name + " must be at least one second, got " + d);
    }
    return d;
  }
}
