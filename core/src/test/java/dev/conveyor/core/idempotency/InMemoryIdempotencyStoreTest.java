package dev.conveyor.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The in-memory store the use-case tests rely on keeps the port's contract. */
class InMemoryIdempotencyStoreTest {
  private static final TenantId TENANT = new TenantId(UUID.randomUUID());

  private final MutableClock clock = new MutableClock();
  private final InMemoryIdempotencyStore store =
      new InMemoryIdempotencyStore(clock, Duration.ofHours(24), Duration.ofSeconds(60));

  @RepeatedTest(20)
  void twoThreadsRacingToBeginOneKeyGetExactlyOneStarted() throws Exception {
    CountDownLatch ready = new CountDownLatch(2);
    List<IdempotencyStore.Begin> outcomes = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      List<Future<IdempotencyStore.Begin>> futures = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        futures.add(
            pool.submit(() -> {
              ready.countDown();
              ready.await(5, TimeUnit.SECONDS);
              return store.begin(TENANT, "race", "h");
            }));
      }
      for (Future<IdempotencyStore.Begin> f : futures) {
        outcomes.add(f.get(5, TimeUnit.SECONDS));
      }
    }
    assertThat(outcomes).filteredOn(IdempotencyStore.Started.class::isInstance).hasSize(1);
    assertThat(outcomes)
        .filteredOn(IdempotencyStore.InProgress.class::isInstance)
        .singleElement()
        .isEqualTo(new IdempotencyStore.InProgress("h"));
  }

  @Test
  void aCompletedRecordIsNotOverwrittenByALateCompletionOrDeleted() {
    store.begin(TENANT, "k", "h");
    StoredResponse first = new StoredResponse(202, Map.of(), "first");
    store.complete(TENANT, "k", first);

    store.complete(TENANT, "k", new StoredResponse(202, Map.of(), "second"));
    store.delete(TENANT, "k");

    assertThat(store.begin(TENANT, "k", "h")).isEqualTo(new IdempotencyStore.Completed(first, "h"));
  }

  @Test
  void anExpiredRecordCountsAsAbsentEvenWhileStillStored() {
    store.begin(TENANT, "k", "h");
    clock.advance(Duration.ofSeconds(60));

    assertThat(store.size()).isEqualTo(1);
    assertThat(store.begin(TENANT, "k", "other")).isEqualTo(new IdempotencyStore.Started());
  }
}
