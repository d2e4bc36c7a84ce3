package dev.conveyor.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.aws.AwsClients;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.adapters.testing.TestInfrastructure.Provisioned;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.testing.MutableClock;
import dev.conveyor.core.webhook.DeliveryState;
import dev.conveyor.core.webhook.WebhookEndpoint;
import dev.conveyor.webhook.Receiver.Answer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An endpoint's health as the webhook function keeps it: every attempt failing for longer than
 * {@code WEBHOOK_DISABLE_AFTER_FAILING_HOURS} disables it ({@code failing}), a success in between
 * starts the count afresh, a 410 disables it at once ({@code gone}), and a disabled endpoint gets
 * no new deliveries until it is enabled again. Real adapters on the emulators, a real receiver on
 * loopback, and a clock the test moves: days pass in milliseconds.
 */
class EndpointHealthTest {
  private static final String BATCH = "events/sqs/critical-delivery-batch.json";
  private static final Duration DISABLE_AFTER = Duration.ofHours(48);

  private static Receiver receiver;
  private static Provisioned provisioned;
  private static Infrastructure infra;
  private static SqsBatchProcessor batch;
  private static WebhookHandler handler;
  private static String criticalQueueArn;
  private static final MutableClock clock = new MutableClock(Instant.now());

  @BeforeAll
  static void provision() {
    receiver = Receiver.start();
    provisioned = TestInfrastructure.provision();
    Map<String, String> settings = new HashMap<>(provisioned.env());
    settings.put("WEBHOOK_DISABLE_AFTER_FAILING_HOURS", Long.toString(DISABLE_AFTER.toHours()));
    settings.put("DB_MIGRATE", "false");
    Env env = Env.of(settings);
    infra = new Infrastructure(env, clock, AwsClients.fromEnvironment(env));
    criticalQueueArn =
        infra
            .aws()
            .sqs()
            .getQueueAttributes(b ->
                b.queueUrl(env.require("QUEUE_URL_CRITICAL"))
                    .attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    batch = infra.batchProcessor(1);
    handler = new WebhookHandler(new WebhookFunction(infra).deliverWebhook(), batch);
  }

  @AfterAll
  static void close() {
    if (batch != null) {
      batch.close();
    }
    if (infra != null) {
      infra.close();
    }
    if (provisioned != null) {
      provisioned.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @BeforeEach
  void resetReceiverAndClock() {
    receiver.reset();
    clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void anEndpointFailingEveryAttemptForLongerThanTheSettingIsDisabledAsFailing(SQSEvent event) {
    LocalTenant tenant = tenantReceivingAt("/down");
    receiver.answer("/down", Answer.status(500).withBody("down for maintenance"));
    PendingMessage delivery = aJobEndedFor(tenant).getFirst();
    Instant firstFailure = clock.instant();

    deliver(event, delivery);
    assertThat(endpoint(tenant).failingSince()).isEqualTo(firstFailure);

    clock.advance(DISABLE_AFTER.minusHours(1));
    deliver(event, delivery);
    assertThat(endpoint(tenant).enabled()).as("failing, but not for long enough").isTrue();

    Instant disabledAt = clock.advance(Duration.ofHours(2));
    deliver(event, delivery);

    WebhookEndpoint disabled = endpoint(tenant);
    assertThat(disabled.enabled()).isFalse();
    assertThat(disabled.disabledReason()).isEqualTo(WebhookEndpoint.FAILING);
    assertThat(disabled.disabledAt()).isEqualTo(disabledAt);
    assertThat(disabled.failingSince()).isEqualTo(firstFailure);
    assertThat(receiver.requestsTo("/down")).hasSize(3);

    // Its pending delivery goes no further, and the next job's end creates none for it.
    clock.advance(Duration.ofHours(1));
    deliver(event, delivery);
    assertThat(receiver.requestsTo("/down")).hasSize(3);
    assertThat(state(tenant, delivery)).isEqualTo(DeliveryState.FAILED);
    assertThat(aJobEndedFor(tenant)).isEmpty();
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aSuccessInBetweenStartsTheRunOfFailuresAfresh(SQSEvent event) {
    LocalTenant tenant = tenantReceivingAt("/flaky");
    PendingMessage first = aJobEndedFor(tenant).getFirst();
    receiver.answer("/flaky", Answer.status(503));
    deliver(event, first);

    clock.advance(DISABLE_AFTER.minusHours(1));
    receiver.answer("/flaky", Answer.status(204));
    deliver(event, first);
    assertThat(endpoint(tenant).failingSince()).as("cleared by the success").isNull();

    clock.advance(Duration.ofHours(2));
    PendingMessage second = aJobEndedFor(tenant).getFirst();
    receiver.answer("/flaky", Answer.status(502));
    Instant failingAgain = clock.instant();
    deliver(event, second);

    WebhookEndpoint endpoint = endpoint(tenant);
    assertThat(endpoint.enabled())
        .as("the first failure was %s ago, but a success came since", DISABLE_AFTER.plusHours(1))
        .isTrue();
    assertThat(endpoint.failingSince()).isEqualTo(failingAgain);
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void aGoneAnswerDisablesTheEndpointAtOnceAsGone(SQSEvent event) {
    LocalTenant tenant = tenantReceivingAt("/gone");
    receiver.answer("/gone", Answer.status(410));
    PendingMessage delivery = aJobEndedFor(tenant).getFirst();

    deliver(event, delivery);

    WebhookEndpoint gone = endpoint(tenant);
    assertThat(gone.enabled()).isFalse();
    assertThat(gone.disabledReason()).isEqualTo(WebhookEndpoint.GONE);
    assertThat(gone.disabledAt()).isEqualTo(clock.instant());
    assertThat(aJobEndedFor(tenant)).isEmpty();
  }

  @ParameterizedTest
  @Event(value = BATCH, type = SQSEvent.class)
  void anEnabledAgainEndpointReceivesTheNextJobsEvent(SQSEvent event) {
    LocalTenant tenant = tenantReceivingAt("/back");
    receiver.answer("/back", Answer.status(410));
    deliver(event, aJobEndedFor(tenant).getFirst());
    assertThat(endpoint(tenant).enabled()).isFalse();

    WebhookEndpoint enabled =
        infra.webhookEndpointStore().enable(tenant.tenant().id(), endpointId(tenant)).orElseThrow();
    receiver.answer("/back", Answer.status(200));
    PendingMessage next = aJobEndedFor(tenant).getFirst();
    deliver(event, next);

    assertThat(enabled.enabled()).isTrue();
    assertThat(enabled.disabledReason()).isNull();
    assertThat(enabled.disabledAt()).isNull();
    assertThat(enabled.failingSince()).isNull();
    assertThat(state(tenant, next)).isEqualTo(DeliveryState.SUCCEEDED);
    assertThat(receiver.requestsTo("/back")).hasSize(2);
  }

  // --- fixtures ---------------------------------------------------------------------------------

  private static LocalTenant tenantReceivingAt(String path) {
    return provisioned.tenantWithWebhook("tenant-" + UUID.randomUUID(), receiver.url(path));
  }

  /** A job of the tenant that ends now, by the test's clock: the deliveries it creates. */
  private static List<PendingMessage> aJobEndedFor(LocalTenant tenant) {
    // The job's id (and so its partition) comes from real time; only its end is on the clock.
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
    return infra
        .jobStore()
        .finish(
            Finish.succeeded(
                running.id(), running.attempt(), Json.MAPPER.createObjectNode(), clock.instant()),
            new WebhookEvent(JobEvents.SUCCEEDED, "{\"type\":\"job.succeeded\"}"))
        .orElseThrow();
  }

  /** One attempt (or none, when the delivery is not due or ended), through the handler. */
  private static SQSBatchResponse deliver(SQSEvent event, PendingMessage pending) {
    SQSEvent.SQSMessage record = event.getRecords().getFirst();
    record.setBody(pending.message().toJson());
    record.setEventSourceArn(criticalQueueArn);
    return handler.handleRequest(event, null);
  }

  private static UUID endpointId(LocalTenant tenant) {
    return tenant.endpoint().orElseThrow().id();
  }

  private static WebhookEndpoint endpoint(LocalTenant tenant) {
    return infra
        .webhookEndpointStore()
        .find(tenant.tenant().id(), endpointId(tenant))
        .orElseThrow();
  }

  private static DeliveryState state(LocalTenant tenant, PendingMessage pending) {
    return infra
        .deliveryStore()
        .find(tenant.tenant().id(), pending.message().id())
        .orElseThrow()
        .state();
  }
}
