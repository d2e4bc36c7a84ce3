package dev.conveyor.core.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.submit.ProblemException;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotencyTest {
  private static final Duration TTL = Duration.ofHours(24);
  private static final Duration IN_PROGRESS = Duration.ofSeconds(60);
  private static final TenantId ACME = new TenantId(UUID.randomUUID());
  private static final TenantId GLOBEX = new TenantId(UUID.randomUUID());
  private static final byte[] PAYLOAD = "POST /v1/jobs {\"a\":1}".getBytes(UTF_8);
  private static final byte[] OTHER_PAYLOAD = "POST /v1/jobs {\"a\":2}".getBytes(UTF_8);

  private final MutableClock clock = new MutableClock();
  private final InMemoryIdempotencyStore store =
      new InMemoryIdempotencyStore(clock, TTL, IN_PROGRESS);
  private final Idempotency idempotency = new Idempotency(store);
  private final AtomicInteger calls = new AtomicInteger();

  private Supplier<StoredResponse> answering(int status, String body) {
    return () -> {
      calls.incrementAndGet();
      return new StoredResponse(
          status, Map.of("content-type", "application/json", "location", "/v1/jobs/1"), body);
    };
  }

  @Test
  void theFirstRequestRunsTheHandlerAndGetsItsResponseUnmarked() {
    StoredResponse response = idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{\"id\":1}"));

    assertThat(calls).hasValue(1);
    assertThat(response.status()).isEqualTo(202);
    assertThat(response.body()).isEqualTo("{\"id\":1}");
    assertThat(response.headers()).doesNotContainKey(Idempotency.REPLAYED_HEADER);
  }

  @Test
  void theSameKeyAndPayloadReplaysTheFirstResponseExactlyWithoutRunningTheHandler() {
    StoredResponse first = idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{\"id\":1}"));

    StoredResponse replay =
        idempotency.apply(ACME, "k1", PAYLOAD.clone(), answering(202, "{\"id\":2}"));

    assertThat(calls).hasValue(1);
    assertThat(replay.status()).isEqualTo(first.status());
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers())
        .containsAllEntriesOf(first.headers())
        .containsEntry(Idempotency.REPLAYED_HEADER, "true")
        .hasSize(first.headers().size() + 1);
  }

  @Test
  void theSameKeyWithAnotherPayloadIs422KeyReusedAndDoesNotRunTheHandler() {
    idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}"));

    ProblemException problem =
        catchThrowableOfType(
            ProblemException.class,
            () -> idempotency.apply(ACME, "k1", OTHER_PAYLOAD, answering(202, "{}")));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.type()).isEqualTo("idempotency-key-reused");
    assertThat(calls).hasValue(1);
  }

  @Test
  void theSameKeyWhileTheFirstRequestRunsIs409WithRetryAfter() {
    List<ProblemException> refused = new ArrayList<>();
    idempotency.apply(
        ACME,
        "k1",
        PAYLOAD,
        () -> {
          refused.add(
              catchThrowableOfType(
                  ProblemException.class,
                  () -> idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}"))));
          return new StoredResponse(202, Map.of(), "{}");
        });

    assertThat(refused)
        .singleElement()
        .satisfies(p -> {
          assertThat(p.status()).isEqualTo(409);
          assertThat(p.type()).isEqualTo("idempotency-key-in-progress");
          assertThat(p.headers()).containsEntry("Retry-After", "1");
        });
    assertThat(calls).hasValue(0);
  }

  @Test
  void anotherPayloadWhileTheFirstRequestRunsIs422RatherThan409() {
    store.begin(ACME, "k1", Idempotency.payloadHash(PAYLOAD));

    assertThatThrownBy(() -> idempotency.apply(ACME, "k1", OTHER_PAYLOAD, answering(202, "{}")))
        .isInstanceOfSatisfying(
            ProblemException.class, p -> assertThat(p.type()).isEqualTo("idempotency-key-reused"));
  }

  @Test
  void twoConcurrentRequestsWithOneKeyRunTheHandlerOnceAndTheOtherIsRefusedWith409()
      throws Exception {
    CountDownLatch bothArrived = new CountDownLatch(2);
    CountDownLatch secondAnswered = new CountDownLatch(1);
    Supplier<StoredResponse> slow =
        () -> {
          calls.incrementAndGet();
          await(secondAnswered);
          return new StoredResponse(202, Map.of(), "{}");
        };
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      List<Future<Object>> results = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        results.add(
            pool.submit(() -> {
              bothArrived.countDown();
              await(bothArrived);
              try {
                return idempotency.apply(ACME, "race", PAYLOAD, slow);
              } catch (ProblemException p) {
                return p;
              } finally {
                secondAnswered.countDown();
              }
            }));
      }
      List<Object> outcomes = new ArrayList<>();
      for (Future<Object> f : results) {
        outcomes.add(f.get(10, TimeUnit.SECONDS));
      }
      assertThat(outcomes).filteredOn(StoredResponse.class::isInstance).hasSize(1);
      assertThat(outcomes)
          .filteredOn(ProblemException.class::isInstance)
          .singleElement()
          .extracting(p -> ((ProblemException) p).status())
          .isEqualTo(409);
    }
    assertThat(calls).hasValue(1);
  }

  @Test
  void clientErrorsAreAnswersKeptAndReplayed() {
    idempotency.apply(ACME, "k1", PAYLOAD, answering(422, "{\"type\":\"validation-failed\"}"));

    StoredResponse replay = idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}"));

    assertThat(replay.status()).isEqualTo(422);
    assertThat(replay.body()).isEqualTo("{\"type\":\"validation-failed\"}");
    assertThat(replay.headers()).containsEntry(Idempotency.REPLAYED_HEADER, "true");
    assertThat(calls).hasValue(1);
  }

  @Test
  void aServerErrorIsReturnedButNotKeptSoTheSameKeyRunsAgain() {
    StoredResponse failed = idempotency.apply(ACME, "k1", PAYLOAD, answering(503, "{}"));
    assertThat(failed.status()).isEqualTo(503);
    assertThat(store.size()).isZero();

    StoredResponse retried = idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}"));

    assertThat(retried.status()).isEqualTo(202);
    assertThat(retried.headers()).doesNotContainKey(Idempotency.REPLAYED_HEADER);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aThrowingHandlerReleasesTheKeyAndItsExceptionPropagates() {
    IllegalStateException boom = new IllegalStateException("database down");

    assertThatThrownBy(() ->
            idempotency.apply(
                ACME,
                "k1",
                PAYLOAD,
                () -> {
                  throw boom;
                }))
        .isSameAs(boom);
    assertThat(store.size()).isZero();

    assertThat(idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}")).status())
        .isEqualTo(202);
  }

  @Test
  void aFailureToReleaseTheKeyIsAttachedToTheHandlersException() {
    IllegalStateException boom = new IllegalStateException("handler failed");
    IllegalStateException deleteFailed = new IllegalStateException("store down");
    Idempotency withFailingDelete =
        new Idempotency(
            new ForwardingStore(store) {
              @Override
              public void delete(TenantId tenant, String key) {
                throw deleteFailed;
              }
            });

    assertThatThrownBy(() ->
            withFailingDelete.apply(
                ACME,
                "k1",
                PAYLOAD,
                () -> {
                  throw boom;
                }))
        .isSameAs(boom)
        .hasSuppressedException(deleteFailed);
  }

  @Test
  void aFailureToKeepTheResponseStillAnswersTheRequest() {
    Idempotency withFailingComplete =
        new Idempotency(
            new ForwardingStore(store) {
              @Override
              public void complete(TenantId tenant, String key, StoredResponse response) {
                throw new IllegalStateException("item too large");
              }
            });

    StoredResponse response =
        withFailingComplete.apply(ACME, "k1", PAYLOAD, answering(202, "{\"id\":1}"));

    assertThat(response.status()).isEqualTo(202);
    assertThat(response.body()).isEqualTo("{\"id\":1}");
  }

  @Test
  void keysAreScopedPerTenant() {
    idempotency.apply(ACME, "shared-key", PAYLOAD, answering(202, "{\"tenant\":\"acme\"}"));

    StoredResponse globex =
        idempotency.apply(
            GLOBEX, "shared-key", OTHER_PAYLOAD, answering(202, "{\"t\":\"globex\"}"));

    assertThat(globex.body()).isEqualTo("{\"t\":\"globex\"}");
    assertThat(globex.headers()).doesNotContainKey(Idempotency.REPLAYED_HEADER);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aCompletedRecordIsReplayedUntilItsTimeToLiveThenTheKeyRunsAgain() {
    idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}"));

    clock.advance(TTL.minusSeconds(1));
    assertThat(idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}")).headers())
        .containsEntry(Idempotency.REPLAYED_HEADER, "true");

    clock.advance(Duration.ofSeconds(1));
    assertThat(idempotency.apply(ACME, "k1", OTHER_PAYLOAD, answering(202, "{}")).headers())
        .doesNotContainKey(Idempotency.REPLAYED_HEADER);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aRequestThatCrashedInFlightBlocksItsKeyOnlyForTheInProgressWindow() {
    store.begin(ACME, "k1", Idempotency.payloadHash(PAYLOAD));

    clock.advance(IN_PROGRESS.minusSeconds(1));
    assertThatThrownBy(() -> idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}")))
        .isInstanceOfSatisfying(ProblemException.class, p -> assertThat(p.status()).isEqualTo(409));

    clock.advance(Duration.ofSeconds(1));
    assertThat(idempotency.apply(ACME, "k1", PAYLOAD, answering(202, "{}")).status())
        .isEqualTo(202);
    assertThat(calls).hasValue(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "caf\u00e9", "tab\tkey", "line\nbreak", "nul\u0000"})
  void aKeyThatIsNotPrintableAsciiIs400WithoutRunningTheHandler(String key) {
    assertThatThrownBy(() -> idempotency.apply(ACME, key, PAYLOAD, answering(202, "{}")))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> {
              assertThat(p.status()).isEqualTo(400);
              assertThat(p.type()).isEqualTo("invalid-idempotency-key");
            });
    assertThat(calls).hasValue(0);
    assertThat(store.size()).isZero();
  }

  @Test
  void aKeyIsOneTo255PrintableAsciiCharacters() {
    assertThat(Idempotency.isValidKey("a")).isTrue();
    assertThat(Idempotency.isValidKey("~".repeat(255))).isTrue();
    assertThat(Idempotency.isValidKey("order 42/retry#1")).isTrue();
    assertThat(Idempotency.isValidKey("x".repeat(256))).isFalse();
    assertThat(Idempotency.isValidKey(null)).isFalse();
  }

  @Test
  void thePayloadHashIsTheHexSha256OfTheInput() {
    assertThat(Idempotency.payloadHash("abc".getBytes(UTF_8)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Delegates everything; tests override one method to make it fail. */
  private static class ForwardingStore implements IdempotencyStore {
    private final IdempotencyStore delegate;

    ForwardingStore(IdempotencyStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public Begin begin(TenantId tenant, String key, String payloadHash) {
      return delegate.begin(tenant, key, payloadHash);
    }

    @Override
    public void complete(TenantId tenant, String key, StoredResponse response) {
      delegate.complete(tenant, key, response);
    }

    @Override
    public void delete(TenantId tenant, String key) {
      delegate.delete(tenant, key);
    }
  }
}
