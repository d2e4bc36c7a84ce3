package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.RateDecision;
import dev.conveyor.core.ratelimit.RateLimit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token buckets in DynamoDB Local, shared the way Lambda containers share them. */
class DynamoDbRateLimiterTest {
  private static final RateLimit TEN_PER_SECOND_BURST_FIVE = new RateLimit(10, 5);

  private static TestInfrastructure.Provisioned env;
  private final AtomicReference<Instant> now =
      // Real time: DynamoDB Local deletes items whose TTL attribute is in the real past.
      new AtomicReference<>(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  private final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
  }

  @AfterAll
  static void close() {
    env.close();
  }

  private DynamoDbRateLimiter container() {
    return new DynamoDbRateLimiter(
        env.infra().aws().dynamoDb(), env.env().get("API_STATE_TABLE"), clock);
  }

  private static TenantId newTenant() {
    return new TenantId(UUID.randomUUID());
  }

  @Test
  void twoContainersShareOneBucket() {
    TenantId tenant = newTenant();
    DynamoDbRateLimiter a = container();
    DynamoDbRateLimiter b = container();

    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      DynamoDbRateLimiter either = i % 2 == 0 ? a : b;
      if (either.acquire(tenant, "writes", TEN_PER_SECOND_BURST_FIVE).allowed()) {
        allowed++;
      }
    }

    assertThat(allowed).isEqualTo(5);
  }

  @Test
  void aRefusalSaysHowLongToWaitAndTheBucketRefills() {
    TenantId tenant = newTenant();
    DynamoDbRateLimiter limiter = container();
    for (int i = 0; i < 5; i++) {
      limiter.acquire(tenant, "writes", TEN_PER_SECOND_BURST_FIVE);
    }

    RateDecision refused = limiter.acquire(tenant, "writes", TEN_PER_SECOND_BURST_FIVE);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100));

    now.set(now.get().plusMillis(100));
    assertThat(limiter.acquire(tenant, "writes", TEN_PER_SECOND_BURST_FIVE).allowed()).isTrue();
  }

  @Test
  void bucketsAreSeparatePerTenantAndPerClass() {
    TenantId busy = newTenant();
    DynamoDbRateLimiter limiter = container();
    for (int i = 0; i < 5; i++) {
      limiter.acquire(busy, "writes", TEN_PER_SECOND_BURST_FIVE);
    }

    assertThat(limiter.acquire(busy, "writes", TEN_PER_SECOND_BURST_FIVE).allowed()).isFalse();
    assertThat(limiter.acquire(busy, "reads", TEN_PER_SECOND_BURST_FIVE).allowed()).isTrue();
    assertThat(limiter.acquire(newTenant(), "writes", TEN_PER_SECOND_BURST_FIVE).allowed())
        .isTrue();
  }

  @Test
  void concurrentRequestsNeverSpendMoreThanTheBurst() throws Exception {
    TenantId tenant = newTenant();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<RateDecision>> decisions = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        DynamoDbRateLimiter own = container(); // as many containers as requests
        decisions.add(pool.submit(() -> own.acquire(tenant, "writes", TEN_PER_SECOND_BURST_FIVE)));
      }
      long allowed = 0;
      for (Future<RateDecision> d : decisions) {
        allowed += d.get().allowed() ? 1 : 0;
      }
      // Exactly the burst: contention between containers neither over- nor under-spends.
      assertThat(allowed).isEqualTo(5);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void whenDynamoDbIsDownRequestsAreAllowed() {
    var broken = new java.util.HashMap<>(env.env());
    broken.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1");
    broken.put("AWS_MAX_ATTEMPTS", "1");
    try (AwsClients clients =
        AwsClients.fromEnvironment(dev.conveyor.adapters.config.Env.of(broken))) {
      DynamoDbRateLimiter limiter =
          new DynamoDbRateLimiter(clients.dynamoDb(), env.env().get("API_STATE_TABLE"), clock);

      assertThat(limiter.acquire(newTenant(), "writes", TEN_PER_SECOND_BURST_FIVE).allowed())
          .isTrue();
    }
  }
}
