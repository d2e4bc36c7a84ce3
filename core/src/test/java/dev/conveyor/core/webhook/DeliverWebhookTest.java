package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.DeliveryStore;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookTransport;
import dev.conveyor.core.query.DeliveryPage;
import dev.conveyor.core.query.DeliveryQuery;
import dev.conveyor.core.testing.MutableClock;
import dev.conveyor.core.work.WorkOutcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeliverWebhookTest {
  private static final Duration LEASE = Duration.ofMinutes(2);
  private static final Duration DISABLE_AFTER_FAILING = Duration.ofDays(5);
  private static final TenantId TENANT = TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c");
  private static final URI URL = URI.create("https://hooks.example.com/conveyor");
  private static final String PAYLOAD =
      "{\"type\":\"job.succeeded\",\"timestamp\":\"2025-01-15T10:00:00Z\",\"data\":{}}";

  private final MutableClock clock = new MutableClock();
  private final SecretSealer sealer = new SecretSealer(SecretSealer.newKey());
  private final String secret = WebhookSignature.newSecret();
  private final FakeDeliveryStore deliveries = new FakeDeliveryStore();
  private final FakeTransport transport = new FakeTransport();

  private DeliverWebhook deliver(RetrySchedule schedule) {
    return new DeliverWebhook(
        deliveries, transport, sealer, schedule, clock, LEASE, DISABLE_AFTER_FAILING);
  }

  private WorkOutcome attempt(UUID deliveryId) {
    return deliver(RetrySchedule.DEFAULT).deliver(message(deliveryId));
  }

  @Test
  void eachRequestCarriesTheStandardWebhooksHeadersSignedWithTheOpenedSecret() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(200);

    attempt(id);

    Request request = transport.requests.getFirst();
    assertThat(request.url()).isEqualTo(URL);
    assertThat(request.body()).isEqualTo(PAYLOAD);
    assertThat(request.headers())
        .containsEntry("content-type", "application/json")
        .containsEntry("webhook-id", "msg_" + id.toString().replace("-", ""))
        .containsEntry("webhook-timestamp", Long.toString(clock.instant().getEpochSecond()));
    assertThat(verifies(secret, request, clock.instant())).isTrue();
    assertThat(request.headers().get("webhook-signature")).doesNotContain(secret);
  }

  @Test
  void theWebhookIdIsTheSameOnEveryAttemptAndTheTimestampIsEachAttemptsOwn() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(500);
    transport.respond(200);

    attempt(id);
    Instant first = clock.instant();
    clock.advance(Duration.ofSeconds(6));
    attempt(id);

    assertThat(transport.requests).hasSize(2);
    Request one = transport.requests.get(0);
    Request two = transport.requests.get(1);
    assertThat(two.headers().get("webhook-id")).isEqualTo(one.headers().get("webhook-id"));
    assertThat(one.headers().get("webhook-timestamp"))
        .isEqualTo(Long.toString(first.getEpochSecond()));
    assertThat(two.headers().get("webhook-timestamp"))
        .isEqualTo(Long.toString(clock.instant().getEpochSecond()));
    assertThat(verifies(secret, two, clock.instant())).isTrue();
  }

  @Test
  void duringRotationTheRequestIsSignedWithEverySecret() {
    String next = WebhookSignature.newSecret();
    UUID id = deliveries.pending(List.of(sealer.seal(secret), sealer.seal(next)));
    transport.respond(204);

    attempt(id);

    Request request = transport.requests.getFirst();
    assertThat(request.headers().get("webhook-signature").split(" ")).hasSize(2);
    assertThat(verifies(secret, request, clock.instant())).isTrue();
    assertThat(verifies(next, request, clock.instant())).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 201, 202, 204, 299})
  void aTwoHundredAnswerSucceedsTheDeliveryAndAcknowledgesTheMessage(int status) {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(status);

    WorkOutcome outcome = attempt(id);

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(deliveries.outcomes).containsExactly(new DeliveryOutcome.Succeeded());
    assertThat(deliveries.attempts)
        .singleElement()
        .satisfies(a -> {
          assertThat(a.deliveryId()).isEqualTo(id);
          assertThat(a.attempt()).isEqualTo(1);
          assertThat(a.status()).isEqualTo(status);
          assertThat(a.errorClass()).isNull();
          assertThat(a.responseBody()).isEqualTo("ok");
          assertThat(a.at()).isEqualTo(clock.instant());
          assertThat(a.latencyMillis()).isNotNegative();
        });
  }

  @Test
  void aFiveHundredOnTheFirstAttemptRetriesInAboutFiveSeconds() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(500);

    WorkOutcome outcome = attempt(id);

    Instant at = clock.instant();
    assertThat(deliveries.outcomes)
        .singleElement()
        .isInstanceOfSatisfying(
            DeliveryOutcome.RetryAt.class,
            r ->
                assertThat(r.nextAttemptAt())
                    .isBetween(at.plusMillis(4_500), at.plusMillis(5_500)));
    Instant next = ((DeliveryOutcome.RetryAt) deliveries.outcomes.getFirst()).nextAttemptAt();
    assertThat(outcome)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r -> assertThat(r.delay()).isEqualTo(Duration.between(at, next)));
    assertThat(deliveries.attempts.getFirst().status()).isEqualTo(500);
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 400, 401, 404, 429, 500, 502, 503})
  void anyOtherAnswerIsRetriedOnSchedule(int status) {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(status);

    WorkOutcome outcome = attempt(id);

    assertThat(deliveries.outcomes.getFirst()).isInstanceOf(DeliveryOutcome.RetryAt.class);
    assertThat(outcome).isInstanceOf(WorkOutcome.RetryAfter.class);
  }

  @Test
  void laterAttemptsFollowTheSchedule() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)), 2); // attempts 1 and 2 happened
    transport.respond(503);

    WorkOutcome outcome = attempt(id);

    assertThat(outcome)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r -> assertThat(r.delay()).isBetween(Duration.ofMinutes(27), Duration.ofMinutes(33)));
    assertThat(deliveries.attempts.getFirst().attempt()).isEqualTo(3);
  }

  @Test
  void aGoneEndpointFailsTheDelivery() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(410);

    WorkOutcome outcome = attempt(id);

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(deliveries.outcomes).containsExactly(new DeliveryOutcome.Failed("endpoint-gone"));
    assertThat(deliveries.state(id)).isEqualTo("failed");
  }

  @Test
  void aConnectionErrorIsLoggedAsConnectionAndRetried() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.fail(new ConnectException("Connection refused"));

    WorkOutcome outcome = attempt(id);

    assertThat(outcome).isInstanceOf(WorkOutcome.RetryAfter.class);
    assertThat(deliveries.outcomes.getFirst()).isInstanceOf(DeliveryOutcome.RetryAt.class);
    assertThat(deliveries.attempts.getFirst().errorClass()).isEqualTo("connection");
    assertThat(deliveries.attempts.getFirst().status()).isNull();
  }

  @Test
  void aTimeoutIsLoggedAsTimeoutAndRetried() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.fail(new HttpTimeoutException("request timed out"));

    WorkOutcome outcome = attempt(id);

    assertThat(outcome).isInstanceOf(WorkOutcome.RetryAfter.class);
    assertThat(deliveries.outcomes.getFirst()).isInstanceOf(DeliveryOutcome.RetryAt.class);
    assertThat(deliveries.attempts.getFirst().errorClass()).isEqualTo("timeout");
    assertThat(deliveries.attempts.getFirst().status()).isNull();
  }

  @Test
  void aRefusedEndpointFailsAtOnceWithoutRetrying() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.fail(
        new WebhookTransport.Refused(
            "forbidden-address", "resolves to 169.254.169.254 (link-local)"));

    WorkOutcome outcome = attempt(id);

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(deliveries.outcomes).containsExactly(new DeliveryOutcome.Failed("endpoint-refused"));
    assertThat(deliveries.attempts.getFirst().errorClass())
        .as("the guard's class, so the tenant sees why")
        .isEqualTo("forbidden-address");
    assertThat(deliveries.attempts.getFirst().responseBody()).contains("link-local");
  }

  @Test
  void afterTheLastScheduledAttemptTheDeliveryFailsAsExhausted() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(500);
    transport.respond(500);
    DeliverWebhook once = deliver(RetrySchedule.parse("5s"));

    WorkOutcome first = once.deliver(message(id));
    clock.advance(Duration.ofSeconds(6));
    WorkOutcome second = once.deliver(message(id));

    assertThat(first).isInstanceOf(WorkOutcome.RetryAfter.class);
    assertThat(second).isEqualTo(WorkOutcome.done());
    assertThat(deliveries.outcomes.getLast())
        .isEqualTo(new DeliveryOutcome.Failed("attempts-exhausted"));
    assertThat(deliveries.attempts).extracting(DeliveryAttempt::attempt).containsExactly(1, 2);
  }

  @Test
  void aManualRetryStartsTheScheduleAfreshWhileAttemptNumbersKeepGrowing() {
    // Eight attempts exhausted the budget, then the tenant retried: the ninth is the budget's
    // first.
    UUID retried = deliveries.pending(List.of(sealer.seal(secret)), 8, 8);
    transport.respond(500);

    WorkOutcome outcome = attempt(retried);

    assertThat(outcome)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r ->
                assertThat(r.delay())
                    .isBetween(Duration.ofMillis(4_500), Duration.ofMillis(5_500)));
    assertThat(deliveries.attempts).extracting(DeliveryAttempt::attempt).containsExactly(9);
  }

  @Test
  void everyAttemptIsRecordedWithTheTimeBeforeWhichFailingEndpointsAreDisabled() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(500);

    attempt(id);

    assertThat(deliveries.disableIfFailingSince)
        .containsExactly(clock.instant().minus(DISABLE_AFTER_FAILING));
  }

  @Test
  void theDefaultScheduleAllowsEightAttemptsInAll() {
    UUID seventh = deliveries.pending(List.of(sealer.seal(secret)), 6);
    UUID eighth = deliveries.pending(List.of(sealer.seal(secret)), 7);
    transport.respond(500);
    transport.respond(500);

    WorkOutcome afterSeventh = attempt(seventh);
    WorkOutcome afterEighth = attempt(eighth);

    assertThat(afterSeventh)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r -> assertThat(r.delay()).isBetween(Duration.ofHours(9), Duration.ofHours(11)));
    assertThat(afterEighth).isEqualTo(WorkOutcome.done());
    assertThat(deliveries.outcomes.getLast())
        .isEqualTo(new DeliveryOutcome.Failed("attempts-exhausted"));
  }

  @Test
  void aDelayLongerThanSqsCanHideAMessageIsCappedAtTwelveHours() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(500);

    WorkOutcome outcome = deliver(RetrySchedule.parse("20h")).deliver(message(id));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r -> assertThat(r.delay()).isEqualTo(Duration.ofHours(12)));
    assertThat(deliveries.outcomes.getFirst())
        .isInstanceOfSatisfying(
            DeliveryOutcome.RetryAt.class,
            r -> assertThat(r.nextAttemptAt()).isAfter(clock.instant().plus(Duration.ofHours(17))));
  }

  @Test
  void aDuplicateMessageIsAcknowledgedWithoutSendingAnything() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(200);
    attempt(id);

    WorkOutcome again = attempt(id);

    assertThat(again).isEqualTo(WorkOutcome.done());
    assertThat(transport.requests).hasSize(1);
    assertThat(deliveries.attempts).hasSize(1);
  }

  @Test
  void aMessageForADeliveryAnotherWorkerHoldsIsAcknowledgedWithoutSending() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    deliveries.claim(id, clock.instant(), clock.instant().plus(LEASE));

    WorkOutcome outcome = attempt(id);

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(transport.requests).isEmpty();
  }

  @Test
  void aRetryAfterAnswerDefersTheNextAttemptAtLeastThatLong() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.responses.add(new WebhookTransport.Response(503, Optional.of("3600"), "maintenance"));

    WorkOutcome outcome = attempt(id);

    assertThat(deliveries.outcomes.getFirst())
        .isInstanceOfSatisfying(
            DeliveryOutcome.RetryAt.class,
            r ->
                assertThat(r.nextAttemptAt())
                    .isAfterOrEqualTo(clock.instant().plus(Duration.ofHours(1))));
    assertThat(outcome)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r -> assertThat(r.delay()).isGreaterThanOrEqualTo(Duration.ofHours(1)));
  }

  @Test
  void aMessageThatComesBackBeforeItsDeliveryIsDueWaitsAgainInsteadOfBeingDropped() {
    UUID id = deliveries.pending(List.of(sealer.seal(secret)));
    transport.respond(500);
    deliver(RetrySchedule.parse("20h")).deliver(message(id));

    clock.advance(Duration.ofHours(12)); // SQS returns the message after at most 12 hours
    WorkOutcome early = deliver(RetrySchedule.parse("20h")).deliver(message(id));

    assertThat(early)
        .isInstanceOfSatisfying(
            WorkOutcome.RetryAfter.class,
            r ->
                assertThat(r.delay())
                    .isGreaterThan(Duration.ofHours(5))
                    .isLessThanOrEqualTo(Duration.ofHours(10)));
    assertThat(transport.requests).hasSize(1);

    clock.advance(Duration.ofHours(10));
    transport.respond(200);
    assertThat(deliver(RetrySchedule.parse("20h")).deliver(message(id)))
        .isEqualTo(WorkOutcome.done());
    assertThat(deliveries.state(id)).isEqualTo("succeeded");
  }

  @Test
  void aRetryAfterAsAnHttpDateIsHonouredAndAnUnreadableOneIgnored() {
    UUID dated = deliveries.pending(List.of(sealer.seal(secret)));
    String inTwoHours =
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.instant().plus(Duration.ofHours(2)).atZone(java.time.ZoneOffset.UTC));
    transport.responses.add(new WebhookTransport.Response(429, Optional.of(inTwoHours), ""));
    attempt(dated);

    UUID garbled = deliveries.pending(List.of(sealer.seal(secret)));
    transport.responses.add(new WebhookTransport.Response(429, Optional.of("soon-ish"), ""));
    attempt(garbled);

    assertThat(deliveries.outcomes.get(0))
        .isInstanceOfSatisfying(
            DeliveryOutcome.RetryAt.class,
            r ->
                assertThat(r.nextAttemptAt())
                    .isAfterOrEqualTo(clock.instant().plus(Duration.ofHours(2))));
    assertThat(deliveries.outcomes.get(1))
        .isInstanceOfSatisfying(
            DeliveryOutcome.RetryAt.class,
            r ->
                assertThat(r.nextAttemptAt())
                    .isBefore(clock.instant().plus(Duration.ofSeconds(6))));
  }

  // ---- helpers ----

  private static QueueMessage message(UUID deliveryId) {
    return QueueMessage.delivery(deliveryId, TENANT, "corr-1");
  }

  private static boolean verifies(String secret, Request request, Instant now) {
    return WebhookSignature.verify(
        secret,
        request.headers().get("webhook-id"),
        request.headers().get("webhook-timestamp"),
        request.headers().get("webhook-signature"),
        request.body(),
        now,
        WebhookSignature.DEFAULT_TOLERANCE);
  }

  // ---- fakes ----

  record Request(URI url, Map<String, String> headers, String body) {}

  /** Records each request and answers from a script (a response, or an exception). */
  static final class FakeTransport implements WebhookTransport {
    final List<Request> requests = new ArrayList<>();
    final Deque<Object> responses = new ArrayDeque<>();

    void respond(int status) {
      responses.add(new Response(status, Optional.empty(), "ok"));
    }

    void fail(IOException e) {
      responses.add(e);
    }

    @Override
    public Response post(URI url, Map<String, String> headers, String body) throws IOException {
      requests.add(new Request(url, Map.copyOf(headers), body));
      Object next = responses.poll();
      if (next == null) {
        throw new AssertionError("no scripted answer for request " + requests.size());
      }
      if (next instanceof IOException e) {
        throw e;
      }
      return (Response) next;
    }
  }

  /**
   * Deliveries as PostgresDeliveryStore keeps them: {@code pending → delivering → succeeded |
   * failed}, or back to {@code pending} with a next attempt time. Claim takes a pending delivery
   * that is due, or a delivering one whose lease expired, and increments its attempt; an outcome
   * applies only to the attempt holding the claim; every attempt is logged.
   */
  final class FakeDeliveryStore implements DeliveryStore {
    private final Map<UUID, Row> rows = new LinkedHashMap<>();
    final List<DeliveryAttempt> attempts = new ArrayList<>();
    final List<DeliveryOutcome> outcomes = new ArrayList<>();
    final List<Instant> disableIfFailingSince = new ArrayList<>();

    private static final class Row {
      DeliveryTask task;
      String state = "pending";
      Instant nextAttemptAt;
      Instant leaseUntil;
    }

    UUID pending(List<String> sealedSecrets) {
      return pending(sealedSecrets, 0);
    }

    /** A pending delivery that has already had {@code attemptsSoFar} attempts. */
    UUID pending(List<String> sealedSecrets, int attemptsSoFar) {
      return pending(sealedSecrets, attemptsSoFar, 0);
    }

    /** As above, manually retried after its first {@code attemptsBeforeRetry} attempts. */
    UUID pending(List<String> sealedSecrets, int attemptsSoFar, int attemptsBeforeRetry) {
      UUID id = Ids.newV7(clock.instant());
      Row row = new Row();
      row.task =
          new DeliveryTask(
              id,
              TENANT,
              Ids.newV7(clock.instant()),
              UUID.randomUUID(),
              URL,
              List.copyOf(sealedSecrets),
              "job.succeeded",
              PAYLOAD,
              attemptsSoFar,
              attemptsBeforeRetry,
              "corr-1");
      rows.put(id, row);
      return id;
    }

    String state(UUID id) {
      return rows.get(id).state;
    }

    @Override
    public Optional<DeliveryTask> claim(UUID deliveryId, Instant now, Instant leaseUntil) {
      Row row = rows.get(deliveryId);
      if (row == null) {
        return Optional.empty();
      }
      boolean due =
          row.state.equals("pending")
              && (row.nextAttemptAt == null || !row.nextAttemptAt.isAfter(now));
      boolean abandoned = row.state.equals("delivering") && row.leaseUntil.isBefore(now);
      if (!due && !abandoned) {
        return Optional.empty();
      }
      DeliveryTask t = row.task;
      row.task =
          new DeliveryTask(
              t.deliveryId(),
              t.tenantId(),
              t.jobId(),
              t.endpointId(),
              t.url(),
              t.sealedSecrets(),
              t.eventType(),
              t.payload(),
              t.attempt() + 1,
              t.attemptsBeforeRetry(),
              t.correlationId());
      row.state = "delivering";
      row.leaseUntil = leaseUntil;
      return Optional.of(row.task);
    }

    @Override
    public Optional<Instant> notDueUntil(UUID deliveryId, Instant now) {
      Row row = rows.get(deliveryId);
      return row != null
              && row.state.equals("pending")
              && row.nextAttemptAt != null
              && row.nextAttemptAt.isAfter(now)
          ? Optional.of(row.nextAttemptAt)
          : Optional.empty();
    }

    @Override
    public void record(
        DeliveryAttempt attempt, DeliveryOutcome outcome, Instant disableIfFailingSince) {
      attempts.add(attempt);
      outcomes.add(outcome);
      this.disableIfFailingSince.add(disableIfFailingSince);
      Row row = rows.get(attempt.deliveryId());
      if (row == null
          || !row.state.equals("delivering")
          || row.task.attempt() != attempt.attempt()) {
        return;
      }
      row.leaseUntil = null;
      switch (outcome) {
        case DeliveryOutcome.Succeeded s -> row.state = "succeeded";
        case DeliveryOutcome.RetryAt r -> {
          row.state = "pending";
          row.nextAttemptAt = r.nextAttemptAt();
        }
        case DeliveryOutcome.Failed f -> row.state = "failed";
      }
    }

    // The delivery log's reads and retries are not DeliverWebhook's concern (see the adapter's
    // and the API's tests).

    @Override
    public Optional<Delivery> find(TenantId tenant, UUID deliveryId) {
      throw new UnsupportedOperationException("not used by DeliverWebhook");
    }

    @Override
    public List<Delivery> findByJob(TenantId tenant, UUID jobId) {
      throw new UnsupportedOperationException("not used by DeliverWebhook");
    }

    @Override
    public DeliveryPage listByEndpoint(TenantId tenant, UUID endpointId, DeliveryQuery query) {
      throw new UnsupportedOperationException("not used by DeliverWebhook");
    }

    @Override
    public Optional<Retried> retry(TenantId tenant, UUID deliveryId, Instant now) {
      throw new UnsupportedOperationException("not used by DeliverWebhook");
    }
  }
}
