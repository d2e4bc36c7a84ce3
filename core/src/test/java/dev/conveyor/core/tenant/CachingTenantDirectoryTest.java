package dev.conveyor.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.TenantDirectory;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingTenantDirectoryTest {
  private static final Tenant ACME = new Tenant(new TenantId(UUID.randomUUID()), "acme");
  private static final String KNOWN = ApiKeys.hash("cvk_known");
  private static final String UNKNOWN = ApiKeys.hash("cvk_unknown");

  private final MutableClock clock = new MutableClock();
  private final AtomicInteger lookups = new AtomicInteger();
  private volatile CountDownLatch release = new CountDownLatch(0);
  private volatile RuntimeException failure;

  private final TenantDirectory database =
      hash -> {
        lookups.incrementAndGet();
        try {
          release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (failure != null) {
          throw failure;
        }
        return hash.equals(KNOWN) ? Optional.of(ACME) : Optional.empty();
      };

  private final CachingTenantDirectory cached =
      new CachingTenantDirectory(
          database, Duration.ofSeconds(30), Duration.ofSeconds(5), 1000, clock);

  @Test
  void aKnownKeyIsLookedUpOnceWithinItsTtl() {
    assertThat(cached.findByApiKeyHash(KNOWN)).contains(ACME);
    clock.advance(Duration.ofSeconds(29));
    assertThat(cached.findByApiKeyHash(KNOWN)).contains(ACME);

    assertThat(lookups).hasValue(1);
  }

  @Test
  void anExpiredEntryIsLookedUpAgain() {
    cached.findByApiKeyHash(KNOWN);
    clock.advance(Duration.ofSeconds(30));
    cached.findByApiKeyHash(KNOWN);

    assertThat(lookups).hasValue(2);
  }

  @Test
  void anUnknownKeyIsRememberedOnlyBriefly() {
    assertThat(cached.findByApiKeyHash(UNKNOWN)).isEmpty();
    assertThat(cached.findByApiKeyHash(UNKNOWN)).isEmpty();
    assertThat(lookups).hasValue(1);

    clock.advance(Duration.ofSeconds(5));
    cached.findByApiKeyHash(UNKNOWN);
    assertThat(lookups).hasValue(2);
  }

  @Test
  void aBurstOfColdRequestsForOneKeySharesOneLookup() throws Exception {
    release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Optional<Tenant>>> answers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        answers.add(pool.submit(() -> cached.findByApiKeyHash(KNOWN)));
      }
      Thread.sleep(200); // every request is now waiting on the one lookup in flight
      release.countDown();
      for (Future<Optional<Tenant>> answer : answers) {
        assertThat(answer.get(5, TimeUnit.SECONDS)).contains(ACME);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(lookups).hasValue(1);
  }

  @Test
  void aFailedLookupReachesItsWaitersAndIsNotCached() {
    failure = new IllegalStateException("database down");
    assertThatThrownBy(() -> cached.findByApiKeyHash(KNOWN)).hasMessage("database down");

    failure = null;
    assertThat(cached.findByApiKeyHash(KNOWN)).contains(ACME);
    assertThat(lookups).hasValue(2);
  }

  @Test
  void theCacheNeverGrowsPastItsBound() {
    CachingTenantDirectory small =
        new CachingTenantDirectory(
            database, Duration.ofMinutes(1), Duration.ofMinutes(1), 3, clock);
    for (int i = 0; i < 10; i++) {
      small.findByApiKeyHash(ApiKeys.hash("cvk_" + i));
    }
    small.findByApiKeyHash(ApiKeys.hash("cvk_9"));

    assertThat(lookups).hasValue(10); // the newest is still cached
  }
}
