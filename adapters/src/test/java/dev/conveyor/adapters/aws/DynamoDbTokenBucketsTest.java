package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.ratelimit.RateLimit;
import dev.conveyor.core.ratelimit.TokenBuckets.Grant;
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
class DynamoDbTokenBucketsTest {
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

  private DynamoDbTokenBuckets container() {
    return new DynamoDbTokenBuckets(
        env.infra().aws().dynamoDb(), env.env().get("API_STATE_TABLE"), clock);
  }

  private static TenantId newTenant() {
    return new TenantId(UUID.randomUUID());
  }

  @Test
  void twoContainersShareOneBucket() {
    TenantId tenant = newTenant();
    DynamoDbTokenBuckets a = container();
    DynamoDbTokenBuckets b = container();

    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      DynamoDbTokenBuckets either = i % 2 == 0 ? a : b;
      if (either.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 1).granted()) {
        allowed++;
      }
    }

    assertThat(allowed).isEqualTo(5);
  }

  @Test
  void aRefusalSaysHowLongToWaitAndTheBucketRefills() {
    TenantId tenant = newTenant();
    DynamoDbTokenBuckets limiter = container();
    for (int i = 0; i < 5; i++) {
      limiter.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 1);
    }

    Grant refused = limiter.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 1);
    assertThat(refused.granted()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100));

    now.set(now.get().plusMillis(100));
    assertThat(limiter.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 1).granted()).isTrue();
  }

  @Test
  void bucketsAreSeparatePerTenantAndPerClass() {
    TenantId busy = newTenant();
    DynamoDbTokenBuckets limiter = container();
    for (int i = 0; i < 5; i++) {
      limiter.take(busy, "writes", TEN_PER_SECOND_BURST_FIVE, 1);
    }

    assertThat(limiter.take(busy, "writes", TEN_PER_SECOND_BURST_FIVE, 1).granted()).isFalse();
    assertThat(limiter.take(busy, "reads", TEN_PER_SECOND_BURST_FIVE, 1).granted()).isTrue();
    assertThat(limiter.take(newTenant(), "writes", TEN_PER_SECOND_BURST_FIVE, 1).granted())
        .isTrue();
  }

  @Test
  void concurrentRequestsNeverSpendMoreThanTheBurst() throws Exception {
    TenantId tenant = newTenant();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Grant>> decisions = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        DynamoDbTokenBuckets own = container(); // as many containers as requests
        int wanted = 1 + i % 3;
        decisions.add(
            pool.submit(() -> own.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, wanted)));
      }
      long allowed = 0;
      for (Future<Grant> d : decisions) {
        allowed += d.get().tokens();
      }
      // Exactly the burst, whatever each asked for: contention neither over- nor under-spends.
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
      DynamoDbTokenBuckets limiter =
          new DynamoDbTokenBuckets(clients.dynamoDb(), env.env().get("API_STATE_TABLE"), clock);

      assertThat(limiter.take(newTenant(), "writes", TEN_PER_SECOND_BURST_FIVE, 1).granted())
          .isTrue();
    }
  }

  @Test
  void severalTokensAtOnceSpendTheBucketLikeThatManyRequests() {
    TenantId tenant = newTenant();
    DynamoDbTokenBuckets buckets = container();

    Grant three = buckets.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 3);
    Grant rest = buckets.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 3);
    Grant none = buckets.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 3);

    assertThat(three.tokens()).isEqualTo(3);
    assertThat(rest.tokens()).as("only two were left").isEqualTo(2);
    assertThat(none.granted()).isFalse();
    assertThat(none.retryAfter()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void noTakeGetsMoreThanTheBurst() {
    Grant grant = container().take(newTenant(), "writes", TEN_PER_SECOND_BURST_FIVE, 50);

    assertThat(grant.tokens()).isEqualTo(5);
  }

  @Test
  void aBusyBucketGrantsWhatHasRefilled() {
    TenantId tenant = newTenant();
    DynamoDbTokenBuckets buckets = container();
    buckets.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 5);

    now.set(now.get().plusMillis(250));

    assertThat(buckets.take(tenant, "writes", TEN_PER_SECOND_BURST_FIVE, 5).tokens()).isEqualTo(2);
  }
}
