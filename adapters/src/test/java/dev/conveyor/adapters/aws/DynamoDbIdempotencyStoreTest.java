package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.idempotency.IdempotencyStore;
import dev.conveyor.core.idempotency.IdempotencyStore.Begin;
import dev.conveyor.core.idempotency.IdempotencyStore.Completed;
import dev.conveyor.core.idempotency.IdempotencyStore.InProgress;
import dev.conveyor.core.idempotency.IdempotencyStore.Started;
import dev.conveyor.core.idempotency.StoredResponse;
import dev.conveyor.core.job.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The DynamoDB idempotency store on DynamoDB Local, in the API-state table the stack creates. */
class DynamoDbIdempotencyStoreTest {
  private static final Duration TTL = Duration.ofHours(24);
  private static final Duration IN_PROGRESS = Duration.ofSeconds(60);

  /**
   * Real time, not a fixed date: DynamoDB Local's TTL sweeper deletes items whose {@code expiresAt}
   * is in the real past, which would make records vanish mid-test.
   */
  private static final Instant START =
      Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  private static TestInfrastructure.Provisioned env;
  private static DynamoDbClient dynamoDb;
  private static String table;

  private final SettableClock clock = new SettableClock(START);
  private final TenantId tenant = new TenantId(UUID.randomUUID());
  private IdempotencyStore store;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    dynamoDb = env.infra().aws().dynamoDb();
    table = env.env().get("API_STATE_TABLE");
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @BeforeEach
  void newStore() {
    store = new DynamoDbIdempotencyStore(dynamoDb, table, clock, TTL, IN_PROGRESS);
  }

  @Test
  void beginOnAFreshKeyStartsAndWritesAnInProgressItemThatExpiresAfterTheInProgressWindow() {
    assertThat(store.begin(tenant, "order-1", "hash-1")).isEqualTo(new Started());

    Map<String, AttributeValue> item = rawItem(tenant, "order-1");
    assertThat(item.get("pk").s()).isEqualTo("idem#" + tenant + "#order-1");
    assertThat(item.get("status").s()).isEqualTo("INPROGRESS");
    assertThat(item.get("payloadHash").s()).isEqualTo("hash-1");
    assertThat(Long.parseLong(item.get("expiresAt").n()))
        .isEqualTo(START.plus(IN_PROGRESS).getEpochSecond());
  }

  @Test
  void beginWhileTheKeyIsInProgressReportsItWithItsPayloadHash() {
    store.begin(tenant, "order-1", "hash-1");

    assertThat(store.begin(tenant, "order-1", "hash-2")).isEqualTo(new InProgress("hash-1"));
  }

  @Test
  void eightThreadsRacingToBeginOneKeyGetExactlyOneStarted() throws Exception {
    int threads = 8;
    CountDownLatch ready = new CountDownLatch(threads);
    List<Begin> outcomes = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<Begin>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(
            pool.submit(() -> {
              ready.countDown();
              ready.await(10, TimeUnit.SECONDS);
              return store.begin(tenant, "race", "hash");
            }));
      }
      for (Future<Begin> f : futures) {
        outcomes.add(f.get(30, TimeUnit.SECONDS));
      }
    }

    assertThat(outcomes).filteredOn(Started.class::isInstance).hasSize(1);
    assertThat(outcomes)
        .filteredOn(InProgress.class::isInstance)
        .hasSize(threads - 1)
        .allSatisfy(b -> assertThat(b).isEqualTo(new InProgress("hash")));
  }

  @Test
  void aCompletedRecordReturnsTheResponseItHoldsAndLivesForTheTtlFromCompletion() {
    store.begin(tenant, "order-1", "hash-1");
    clock.advance(Duration.ofSeconds(2));
    StoredResponse response =
        new StoredResponse(
            202,
            Map.of("content-type", "application/json", "location", "/v1/jobs/42"),
            "{\"id\":\"42\",\"note\":\"caf\u00e9 \u2713\"}");

    store.complete(tenant, "order-1", response);

    assertThat(store.begin(tenant, "order-1", "hash-2"))
        .isEqualTo(new Completed(response, "hash-1"));
    Map<String, AttributeValue> item = rawItem(tenant, "order-1");
    assertThat(item.get("status").s()).isEqualTo("COMPLETED");
    assertThat(Long.parseLong(item.get("expiresAt").n()))
        .isEqualTo(START.plusSeconds(2).plus(TTL).getEpochSecond());
  }

  @Test
  void aResponseWithNoHeadersAndAnEmptyBodyRoundTrips() {
    store.begin(tenant, "empty", "h");
    StoredResponse empty = new StoredResponse(204, Map.of(), "");

    store.complete(tenant, "empty", empty);

    assertThat(store.begin(tenant, "empty", "h")).isEqualTo(new Completed(empty, "h"));
  }

  @Test
  void aCompletedRecordIsNotOverwrittenByASecondCompletionNorDeleted() {
    store.begin(tenant, "order-1", "h");
    StoredResponse first = new StoredResponse(202, Map.of(), "first");
    store.complete(tenant, "order-1", first);

    store.complete(tenant, "order-1", new StoredResponse(201, Map.of(), "second"));
    store.delete(tenant, "order-1");

    assertThat(store.begin(tenant, "order-1", "h")).isEqualTo(new Completed(first, "h"));
  }

  @Test
  void deletingAnInProgressRecordFreesTheKeyAtOnce() {
    store.begin(tenant, "order-1", "h");

    store.delete(tenant, "order-1");

    assertThat(rawItem(tenant, "order-1")).isEmpty();
    assertThat(store.begin(tenant, "order-1", "h")).isEqualTo(new Started());
  }

  @Test
  void deletingAKeyWithNoRecordIsHarmless() {
    store.delete(tenant, "never-used");

    assertThat(store.begin(tenant, "never-used", "h")).isEqualTo(new Started());
  }

  @Test
  void anInProgressRecordBlocksItsKeyOnlyUntilTheInProgressWindowEnds() {
    store.begin(tenant, "crashed", "h");

    clock.advance(IN_PROGRESS.minusSeconds(1));
    assertThat(store.begin(tenant, "crashed", "h")).isEqualTo(new InProgress("h"));

    clock.advance(Duration.ofSeconds(1));
    assertThat(rawItem(tenant, "crashed")).as("DynamoDB Local has not swept it").isNotEmpty();
    assertThat(store.begin(tenant, "crashed", "h2")).isEqualTo(new Started());
    assertThat(rawItem(tenant, "crashed").get("payloadHash").s()).isEqualTo("h2");
  }

  @Test
  void aCompletionAfterTheInProgressWindowEndedKeepsNothing() {
    store.begin(tenant, "slow", "h");
    clock.advance(IN_PROGRESS);

    store.complete(tenant, "slow", new StoredResponse(202, Map.of(), "late"));

    assertThat(store.begin(tenant, "slow", "h")).isEqualTo(new Started());
  }

  @Test
  void aCompletedRecordIsReplayedUntilItsTtlEndsThenTheKeyIsFree() {
    store.begin(tenant, "order-1", "h");
    StoredResponse response = new StoredResponse(202, Map.of(), "{}");
    store.complete(tenant, "order-1", response);

    clock.advance(TTL.minusSeconds(1));
    assertThat(store.begin(tenant, "order-1", "h")).isEqualTo(new Completed(response, "h"));

    clock.advance(Duration.ofSeconds(1));
    assertThat(store.begin(tenant, "order-1", "h")).isEqualTo(new Started());
  }

  @Test
  void keysAreScopedPerTenant() {
    TenantId other = new TenantId(UUID.randomUUID());
    store.begin(tenant, "shared", "h-a");
    StoredResponse forA = new StoredResponse(202, Map.of(), "a");
    store.complete(tenant, "shared", forA);

    assertThat(store.begin(other, "shared", "h-b")).isEqualTo(new Started());
    store.delete(other, "shared");

    assertThat(store.begin(tenant, "shared", "h-a")).isEqualTo(new Completed(forA, "h-a"));
    assertThat(store.begin(other, "shared", "h-b")).isEqualTo(new Started());
  }

  @Test
  void aKeyOfTheLongestAllowedPrintableAsciiIsStored() {
    String key = "#~ !" + "k".repeat(251);

    assertThat(store.begin(tenant, key, "h")).isEqualTo(new Started());
    assertThat(store.begin(tenant, key, "h")).isEqualTo(new InProgress("h"));
  }

  private static Map<String, AttributeValue> rawItem(TenantId tenant, String key) {
    return dynamoDb
        .getItem(g ->
            g.tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(DynamoDbIdempotencyStore.pk(tenant, key))))
                .consistentRead(true))
        .item();
  }

  /** A clock that stands still until the test moves it. */
  private static final class SettableClock extends Clock {
    private final AtomicReference<Instant> now;

    SettableClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    void advance(Duration by) {
      now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
