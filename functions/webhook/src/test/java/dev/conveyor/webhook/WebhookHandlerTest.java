package dev.conveyor.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.adapters.testing.TestInfrastructure.Provisioned;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.webhook.WebhookSignature;
import dev.conveyor.webhook.Receiver.Answer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The webhook function end to end: real adapters on the emulators (PostgreSQL, ElasticMQ, the
 * Secrets Manager stub), a real HTTP receiver on loopback, and SQS events built from the sample
 * event in {@code events/sqs/}.
 */
class WebhookHandlerTest {
  private static final String BATCH = "events/sqs/critical-delivery-batch.json";

  private static Receiver receiver;
  private static Provisioned provisioned;
  private static Infrastructure infra;
  private static SqsBatchProcessor batch;
  private static WebhookHandler handler;
  private static String criticalQueueUrl;
  private static String criticalQueueArn;

  @BeforeAll
  static void provision() {
    receiver = Receiver.start();
    provisioned = TestInfrastructure.provision();
    infra = provisioned.infra();
    assertThat(infra.env().flag("WEBHOOK_ALLOW_LOOPBACK_HTTP", false)).isTrue();
    criticalQueueUrl = provisioned.env().get("QUEUE_URL_CRITICAL");
    criticalQueueArn =
        infra
            .aws()
            .sqs()
            .getQueueAttributes(
                b -> b.queueUrl(criticalQueueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    batch = infra.batchProcessor(2);
    handler = new WebhookHandler(new WebhookFunction(infra).deliverWebhook(), batch);
  }

  @AfterAll
  static void close() {
    if (batch != null) {
      batch.close();
    }
    if (provisioned != null) {
      provisioned.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @BeforeEach
  void resetReceiver() {
    receiver.reset();
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aSucceededJobIsPostedOnceSignedAndTheAttemptIsLogged(SQSEvent event) throws Exception {
    Ended ended = aJobSucceededFor(receiver.url("/acme"));
    receiver.answer(Answer.status(200).withBody("thanks"));

    Instant before = Instant.now();
    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);
    Instant after = Instant.now();

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(receiver.requests()).hasSize(1);
    Receiver.Request request = receiver.requests().getFirst();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/acme");
    assertThat(request.header("content-type")).isEqualTo("application/json");

    // Standard Webhooks: webhook-id (the same for every attempt), timestamp, v1 signature.
    String id = request.header("webhook-id");
    String timestamp = request.header("webhook-timestamp");
    String signature = request.header("webhook-signature");
    assertThat(id).isEqualTo("msg_" + ended.deliveryId().toString().replace("-", ""));
    assertThat(Long.parseLong(timestamp))
        .isBetween(before.getEpochSecond(), after.getEpochSecond());
    assertThat(
            WebhookSignature.verify(
                ended.secret(),
                id,
                timestamp,
                signature,
                request.body(),
                Instant.now(),
                WebhookSignature.DEFAULT_TOLERANCE))
        .isTrue();
    assertThat(signature).isEqualTo("v1," + hmac(ended.secret(), id, timestamp, request.body()));
    assertThat(
            WebhookSignature.verify(
                WebhookSignature.newSecret(),
                id,
                timestamp,
                signature,
                request.body(),
                Instant.now(),
                WebhookSignature.DEFAULT_TOLERANCE))
        .as("another endpoint's secret does not verify")
        .isFalse();

    // The body is the job.succeeded event, byte for byte as recorded when the job ended.
    assertThat(request.body()).isEqualTo(ended.event().payload());
    JsonNode body = Json.parseTrusted(request.body());
    assertThat(body.path("type").asText()).isEqualTo("job.succeeded");
    assertThat(body.path("data").path("id").asText()).isEqualTo(ended.job().id().toString());
    assertThat(body.path("data").path("state").asText()).isEqualTo("succeeded");

    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "succeeded")
        .containsEntry("attempt", 1)
        .containsEntry("last_status", 200)
        .containsEntry("failure_reason", null)
        .containsEntry("next_attempt_at", null)
        .containsEntry("lease_until", null);
    List<Map<String, Object>> attempts = attempts(ended.deliveryId());
    assertThat(attempts).hasSize(1);
    assertThat(attempts.getFirst())
        .containsEntry("attempt", 1)
        .containsEntry("status", 200)
        .containsEntry("response_body", "thanks")
        .containsEntry("error_class", null);
    assertThat((Long) attempts.getFirst().get("latency_ms"))
        .isBetween(0L, Duration.between(before, after).toMillis() + 1);
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aDuplicateMessageSendsNothingMore(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/acme-dup"));
    SQSEvent message = carrying(event, ended.pending());
    assertThat(handler.handleRequest(message, null).getBatchItemFailures()).isEmpty();

    SQSBatchResponse again = handler.handleRequest(message, null);

    assertThat(again.getBatchItemFailures()).isEmpty();
    assertThat(receiver.requests()).hasSize(1);
    assertThat(attempts(ended.deliveryId())).hasSize(1);
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "succeeded")
        .containsEntry("attempt", 1);
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aServerErrorIsRetriedAfterFiveSecondsAndTheMessageHiddenUntilThen(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/flaky"));
    String errorPage = "E".repeat(5000);
    receiver.answer(Answer.status(500).withBody(errorPage));
    // A real message on the critical queue (60 s default visibility), so the visibility change
    // can be observed.
    infra
        .aws()
        .sqs()
        .sendMessage(
            b -> b.queueUrl(criticalQueueUrl).messageBody(ended.pending().message().toJson()));
    Message received = receiveOne(Duration.ofSeconds(5)).orElseThrow();
    SQSEvent.SQSMessage record = carrying(event, ended.pending()).getRecords().getFirst();
    record.setMessageId(received.messageId());
    record.setReceiptHandle(received.receiptHandle());

    Instant before = Instant.now();
    SQSBatchResponse response = handler.handleRequest(event, null);
    Instant after = Instant.now();

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactly(received.messageId());
    assertThat(receiver.requests()).hasSize(1);

    Map<String, Object> delivery = delivery(ended.deliveryId());
    assertThat(delivery)
        .containsEntry("state", "pending")
        .containsEntry("attempt", 1)
        .containsEntry("last_status", 500)
        .containsEntry("failure_reason", null)
        .containsEntry("lease_until", null);
    List<Map<String, Object>> attempts = attempts(ended.deliveryId());
    assertThat(attempts).hasSize(1);
    Map<String, Object> attempt = attempts.getFirst();
    assertThat(attempt)
        .containsEntry("attempt", 1)
        .containsEntry("status", 500)
        .containsEntry("error_class", null)
        .containsEntry("response_body", errorPage.substring(0, 4096));

    // The first delay of the schedule is 5 s ± 10 % jitter.
    Instant nextAttemptAt = (Instant) delivery.get("next_attempt_at");
    Instant attemptedAt = (Instant) attempt.get("at");
    assertThat(Duration.between(attemptedAt, nextAttemptAt))
        .isBetween(Duration.ofMillis(4_499), Duration.ofMillis(5_501));
    assertThat(nextAttemptAt).isBetween(before.plusMillis(4_499), after.plusMillis(5_501));

    // The message comes back after the backoff, not after the queue's 60 s visibility timeout.
    Optional<Message> redelivered = receiveOne(Duration.ofSeconds(20));
    Duration hidden = Duration.between(before, Instant.now());
    assertThat(redelivered).map(Message::messageId).contains(received.messageId());
    assertThat(hidden).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(20));
    infra
        .aws()
        .sqs()
        .deleteMessage(b ->
            b.queueUrl(criticalQueueUrl).receiptHandle(redelivered.orElseThrow().receiptHandle()));
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aRetryThatIsDueIsSentAgainWithTheSameWebhookId(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/flaky-then-ok"));
    SQSEvent message = carrying(event, ended.pending());
    receiver.answer(503);
    assertThat(handler.handleRequest(message, null).getBatchItemFailures()).hasSize(1);
    // Time passes: the first retry is due.
    execute(
        "update deliveries set next_attempt_at = now() - interval '1 second' where id = ?",
        ended.deliveryId());
    receiver.answer(204);

    SQSBatchResponse response = handler.handleRequest(message, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    List<Receiver.Request> requests = receiver.requests();
    assertThat(requests).hasSize(2);
    assertThat(requests)
        .extracting(r -> r.header("webhook-id"))
        .containsOnly("msg_" + ended.deliveryId().toString().replace("-", ""));
    assertThat(requests).extracting(Receiver.Request::body).containsOnly(ended.event().payload());
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "succeeded")
        .containsEntry("attempt", 2)
        .containsEntry("next_attempt_at", null);
    assertThat(attempts(ended.deliveryId()))
        .extracting(a -> a.get("attempt"), a -> a.get("status"))
        .containsExactly(tuple(1, 503), tuple(2, 204));
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aMessageBackBeforeItsRetryIsDueWaitsAgainAndSendsNothing(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/early"));
    SQSEvent message = carrying(event, ended.pending());
    receiver.answer(500);
    assertThat(handler.handleRequest(message, null).getBatchItemFailures()).hasSize(1);

    // The same message again at once (e.g. its visibility change was lost): not due for ~5 s.
    SQSBatchResponse early = handler.handleRequest(message, null);

    assertThat(early.getBatchItemFailures())
        .as("reported for retry, not acknowledged: acknowledging would strand the delivery")
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactly(message.getRecords().getFirst().getMessageId());
    assertThat(receiver.requests()).hasSize(1);
    assertThat(attempts(ended.deliveryId())).hasSize(1);
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "pending")
        .containsEntry("attempt", 1);
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aRetryAfterLongerThanTheScheduleIsHonoured(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/busy"));
    receiver.answer(Answer.status(503).withHeader("Retry-After", "120"));

    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);

    assertThat(response.getBatchItemFailures()).hasSize(1);
    Instant nextAttemptAt = (Instant) delivery(ended.deliveryId()).get("next_attempt_at");
    Instant attemptedAt = (Instant) attempts(ended.deliveryId()).getFirst().get("at");
    assertThat(Duration.between(attemptedAt, nextAttemptAt))
        .isBetween(Duration.ofSeconds(119), Duration.ofSeconds(121));
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aGoneEndpointFailsTheDeliveryDisablesTheEndpointAndIsAcknowledged(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/gone"));
    receiver.answer(Answer.status(410).withBody("no such hook"));

    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(receiver.requests()).hasSize(1);
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "failed")
        .containsEntry("failure_reason", "endpoint-gone")
        .containsEntry("last_status", 410)
        .containsEntry("next_attempt_at", null);
    assertThat(attempts(ended.deliveryId()))
        .singleElement()
        .satisfies(a ->
            assertThat(a)
                .containsEntry("status", 410)
                .containsEntry("response_body", "no such hook"));
    assertThat(
            one(
                "select enabled, disabled_reason from webhook_endpoints where id = ?",
                ended.tenant().endpoint().orElseThrow().id()))
        .containsEntry("enabled", false)
        .containsEntry("disabled_reason", "gone");
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void plainHttpToLoopbackIsRefusedWithoutTheOptIn(SQSEvent event) {
    Map<String, String> env = new HashMap<>(provisioned.env());
    env.put("WEBHOOK_ALLOW_LOOPBACK_HTTP", "false");
    env.put("DB_MIGRATE", "false");
    try (Infrastructure strict = Infrastructure.fromEnvironment(Env.of(env));
        SqsBatchProcessor strictBatch = strict.batchProcessor(1)) {
      WebhookHandler strictHandler =
          new WebhookHandler(new WebhookFunction(strict).deliverWebhook(), strictBatch);
      Ended ended = aJobSucceededFor(receiver.url("/no-opt-in"));

      SQSBatchResponse response =
          strictHandler.handleRequest(carrying(event, ended.pending()), null);

      assertThat(response.getBatchItemFailures()).isEmpty();
      assertThat(receiver.requests()).isEmpty();
      assertRefused(ended, "forbidden-scheme: must use https");
    }
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void plainHttpToANonLoopbackHostIsRefusedEvenWithTheOptIn(SQSEvent event) {
    // 192.0.2.1 (TEST-NET-1): not loopback; refused before any connection is tried.
    Ended ended = aJobSucceededFor(URI.create("http://192.0.2.1/hook"));

    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertRefused(ended, "forbidden-scheme: must use https (http only to a loopback host)");
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void anEndpointWhoseNameNowResolvesToTheMetadataServiceIsRefusedAtDelivery(SQSEvent event) {
    // Registered while it pointed elsewhere, say; this module's hosts file points it inwards now.
    Ended ended = aJobSucceededFor(URI.create("https://metadata.evil.test/hook"));

    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertRefused(
        ended,
        "forbidden-address: must not reach a link-local address (metadata.evil.test resolves to"
            + " 169.254.169.254, in 169.254.0.0/16)");
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aRedirectToTheMetadataServiceIsAFailedAttemptAndIsNotFollowed(SQSEvent event) {
    Ended ended = aJobSucceededFor(receiver.url("/moved"));
    receiver.answer(
        "/moved",
        Answer.status(302).withHeader("Location", "http://169.254.169.254/latest/meta-data/iam/"));

    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);

    assertThat(response.getBatchItemFailures()).hasSize(1);
    assertThat(receiver.requests()).extracting(Receiver.Request::path).containsExactly("/moved");
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "pending")
        .containsEntry("last_status", 302);
    assertThat(delivery(ended.deliveryId()).get("next_attempt_at")).isNotNull();
    assertThat(attempts(ended.deliveryId()))
        .singleElement()
        .satisfies(
            a -> assertThat(a).containsEntry("status", 302).containsEntry("error_class", null));
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void anHttpsEndpointThatCannotBeReachedIsRetriedNotFailed(SQSEvent event) {
    // .invalid never resolves (RFC 6761): no connection can be made, and that may be transient.
    Ended ended = aJobSucceededFor(URI.create("https://conveyor-receiver.invalid/hook"));

    SQSBatchResponse response = handler.handleRequest(carrying(event, ended.pending()), null);

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactly(event.getRecords().getFirst().getMessageId());
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "pending")
        .containsEntry("attempt", 1)
        .containsEntry("last_status", null);
    assertThat(delivery(ended.deliveryId()).get("next_attempt_at")).isNotNull();
    assertThat(attempts(ended.deliveryId()))
        .singleElement()
        .satisfies(a ->
            assertThat(a).containsEntry("status", null).containsEntry("error_class", "connection"));
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void oneFailingMessageDoesNotFailTheOthersInTheBatch(SQSEvent event) {
    Ended ok = aJobSucceededFor(receiver.url("/batch-ok"));
    Ended flaky = aJobSucceededFor(receiver.url("/batch-flaky"));
    receiver.answer("/batch-flaky", Answer.status(502));
    SQSEvent.SQSMessage first = carrying(event, ok.pending()).getRecords().getFirst();
    SQSEvent.SQSMessage second = copyOf(first);
    second.setMessageId(UUID.randomUUID().toString());
    second.setBody(flaky.pending().message().toJson());
    event.setRecords(List.of(first, second));

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactly(second.getMessageId());
    assertThat(delivery(ok.deliveryId())).containsEntry("state", "succeeded");
    assertThat(delivery(flaky.deliveryId())).containsEntry("state", "pending");
    assertThat(receiver.requests())
        .extracting(Receiver.Request::path)
        .containsExactlyInAnyOrder("/batch-ok", "/batch-flaky");
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aMessageForAnUnknownDeliveryIsAcknowledgedAndSendsNothing(SQSEvent event) {
    // The sample's body names a delivery that does not exist here.
    event.getRecords().getFirst().setEventSourceArn(criticalQueueArn);

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(receiver.requests()).isEmpty();
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aPoisonMessageIsAcknowledgedAndSendsNothing(SQSEvent event) {
    SQSEvent.SQSMessage record = event.getRecords().getFirst();
    record.setEventSourceArn(criticalQueueArn);
    record.setBody("{\"Type\":\"Notification\",\"Message\":\"s3:TestEvent\"}");

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(receiver.requests()).isEmpty();
  }

  // --- fixtures ---------------------------------------------------------------------------------

  /** A job that succeeded for a tenant with one endpoint: its event, delivery and outbox row. */
  private record Ended(LocalTenant tenant, Job job, WebhookEvent event, PendingMessage pending) {
    UUID deliveryId() {
      return pending.message().id();
    }

    String secret() {
      return tenant.webhookSecret().orElseThrow();
    }
  }

  private static Ended aJobSucceededFor(URI endpoint) {
    LocalTenant tenant =
        provisioned.tenantWithWebhook("tenant-" + UUID.randomUUID().toString(), endpoint);
    Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Job queued =
        Job.queued(
            JobId.generate(created),
            tenant.tenant().id(),
            JobType.IMAGE_TRANSFORM,
            Json.parseTrusted("{\"source\":{\"uploadId\":\"" + UUID.randomUUID() + "\"}}"),
            "corr-" + UUID.randomUUID());
    infra.jobStore().insert(queued);
    Job running =
        infra.jobStore().claim(queued.id(), created, created.plusSeconds(60)).orElseThrow();
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    JsonNode result = Json.parseTrusted("{\"renditions\":[]}");
    Job finished =
        new Job(
            running.id(),
            running.tenantId(),
            running.type(),
            running.tier(),
            JobState.SUCCEEDED,
            running.attempt(),
            running.spec(),
            result,
            null,
            running.correlationId(),
            running.createdAt(),
            at,
            running.startedAt(),
            at);
    WebhookEvent event = new JobEvents(infra.jobPresenter()).ended(finished, at);
    List<PendingMessage> pending =
        infra
            .jobStore()
            .finish(Finish.succeeded(running.id(), running.attempt(), result, at), event)
            .orElseThrow();
    assertThat(pending).hasSize(1);
    return new Ended(tenant, finished, event, pending.getFirst());
  }

  /** The sample event, carrying {@code pending}'s message from the provisioned critical queue. */
  private static SQSEvent carrying(SQSEvent event, PendingMessage pending) {
    SQSEvent.SQSMessage record = event.getRecords().getFirst();
    record.setBody(pending.message().toJson());
    record.setEventSourceArn(criticalQueueArn);
    return event;
  }

  private static SQSEvent.SQSMessage copyOf(SQSEvent.SQSMessage m) {
    SQSEvent.SQSMessage copy = new SQSEvent.SQSMessage();
    copy.setMessageId(m.getMessageId());
    copy.setReceiptHandle(m.getReceiptHandle());
    copy.setBody(m.getBody());
    copy.setAttributes(m.getAttributes());
    copy.setMessageAttributes(m.getMessageAttributes());
    copy.setMd5OfBody(m.getMd5OfBody());
    copy.setEventSource(m.getEventSource());
    copy.setEventSourceArn(m.getEventSourceArn());
    copy.setAwsRegion(m.getAwsRegion());
    return copy;
  }

  /**
   * Failed at once, without retries, the refusal's reason in the log and its class (the reason's
   * prefix, e.g. {@code forbidden-address}) as the attempt's error class.
   */
  private static void assertRefused(Ended ended, String reason) {
    assertThat(delivery(ended.deliveryId()))
        .containsEntry("state", "failed")
        .containsEntry("failure_reason", "endpoint-refused")
        .containsEntry("last_status", null)
        .containsEntry("next_attempt_at", null);
    assertThat(attempts(ended.deliveryId()))
        .singleElement()
        .satisfies(a ->
            assertThat(a)
                .containsEntry("status", null)
                .containsEntry("error_class", reason.substring(0, reason.indexOf(':')))
                .containsEntry("response_body", reason));
  }

  private static Optional<Message> receiveOne(Duration within) {
    Instant deadline = Instant.now().plus(within);
    while (Instant.now().isBefore(deadline)) {
      List<Message> messages =
          infra
              .aws()
              .sqs()
              .receiveMessage(
                  b -> b.queueUrl(criticalQueueUrl).maxNumberOfMessages(1).waitTimeSeconds(1))
              .messages();
      if (!messages.isEmpty()) {
        return Optional.of(messages.getFirst());
      }
    }
    return Optional.empty();
  }

  /** Base64 HMAC-SHA256 of {@code id.timestamp.body}, computed here independently of core. */
  private static String hmac(String whsec, String id, String timestamp, String body)
      throws Exception {
    byte[] key = Base64.getDecoder().decode(whsec.substring("whsec_".length()));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return Base64.getEncoder()
        .encodeToString(
            mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  // --- direct reads of what the adapters wrote ---------------------------------------------------

  private static Map<String, Object> delivery(UUID id) {
    return one(
        "select state, attempt, next_attempt_at, lease_until, last_status, failure_reason"
            + " from deliveries where id = ?",
        id);
  }

  private static List<Map<String, Object>> attempts(UUID deliveryId) {
    return rows(
        "select attempt, at, status, latency_ms, response_body, error_class"
            + " from delivery_attempts where delivery_id = ? order by attempt",
        deliveryId);
  }

  private static Map<String, Object> one(String sql, Object... params) {
    List<Map<String, Object>> rows = rows(sql, params);
    assertThat(rows).as(sql).hasSize(1);
    return rows.getFirst();
  }

  private static List<Map<String, Object>> rows(String sql, Object... params) {
    try (Connection connection = infra.dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      List<Map<String, Object>> result = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        int columns = rows.getMetaData().getColumnCount();
        while (rows.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= columns; c++) {
            Object value = rows.getObject(c);
            row.put(
                rows.getMetaData().getColumnLabel(c),
                value instanceof Timestamp t ? t.toInstant() : value);
          }
          result.add(row);
        }
      }
      return result;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static void execute(String sql, Object... params) {
    try (Connection connection = infra.dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      statement.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
