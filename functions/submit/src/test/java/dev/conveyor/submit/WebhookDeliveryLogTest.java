package dev.conveyor.submit;

import static dev.conveyor.submit.ApiTestCalls.assertProblem;
import static dev.conveyor.submit.ApiTestCalls.authorize;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.idempotency.Idempotency;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.port.WebhookTransport;
import dev.conveyor.core.testing.MutableClock;
import dev.conveyor.core.webhook.DeliverWebhook;
import dev.conveyor.core.webhook.RetrySchedule;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The webhook delivery log through the API — {@code GET /v1/jobs/{id}/deliveries}, {@code GET
 * /v1/webhook-endpoints/{id}/deliveries}, {@code POST /v1/deliveries/{id}/retry} and {@code POST
 * /v1/webhook-endpoints/{id}/enable} — as Lambda invokes it, on real adapters over the emulators.
 * Attempts are made by core's {@code DeliverWebhook} on the real delivery store, against a scripted
 * receiver and a clock the test moves.
 */
class WebhookDeliveryLogTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration DISABLE_AFTER = Duration.ofHours(120);

  private static TestInfrastructure.Provisioned env;
  private static ApiHandler handler;
  private static JobStore jobs;

  private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
  private final ScriptedReceiver receiver = new ScriptedReceiver();
  private LocalTenant acme;
  private LocalTenant globex;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = new ApiHandler(new SubmitFunction(env.infra()).api());
    jobs = env.infra().jobStore();
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @BeforeEach
  void tenants() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    acme = env.tenantWithWebhook("acme-" + suffix, URI.create("https://hooks.example.com/acme"));
    globex = env.tenant("globex-" + suffix);
  }

  // ---- GET /v1/jobs/{id}/deliveries ----

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void aJobsLogShowsAFailedThenASuccessfulAttemptNewestFirst(APIGatewayV2HTTPEvent event) {
    Ended ended = aJobEnded(acme);
    String errorPage = "E".repeat(5000);
    receiver.then(slowly(Duration.ofMillis(25), answer(500, errorPage))).then(answer(200, "ok"));
    attempt(RetrySchedule.DEFAULT, ended);
    clock.advance(Duration.ofSeconds(6));
    attempt(RetrySchedule.DEFAULT, ended);
    String path = "/v1/jobs/" + ended.job().id() + "/deliveries";
    event.setRawPath(path);
    event.getRequestContext().getHttp().setPath(path);
    authorize(event, acme);

    JsonNode log = ok(handler.handleRequest(event, null));

    JsonNode delivery = log.path("data").get(0);
    assertThat(log.path("data")).hasSize(1);
    assertThat(delivery.path("id").asText()).isEqualTo(ended.deliveryId().toString());
    assertThat(delivery.path("jobId").asText()).isEqualTo(ended.job().id().toString());
    assertThat(delivery.path("endpointId").asText()).isEqualTo(endpointId(acme));
    assertThat(delivery.path("eventType").asText()).isEqualTo("job.succeeded");
    assertThat(delivery.path("state").asText()).isEqualTo("succeeded");
    assertThat(delivery.path("attemptCount").asInt()).isEqualTo(2);
    assertThat(delivery.has("nextAttemptAt")).isFalse();
    JsonNode latest = delivery.path("attempts").get(0);
    JsonNode first = delivery.path("attempts").get(1);
    assertThat(delivery.path("attempts")).hasSize(2);
    assertThat(latest.path("attempt").asInt()).isEqualTo(2);
    assertThat(latest.path("status").asInt()).isEqualTo(200);
    assertThat(latest.path("responseBody").asText()).isEqualTo("ok");
    assertThat(latest.has("errorClass")).isFalse();
    assertThat(Instant.parse(latest.path("at").asText())).isEqualTo(clock.instant());
    assertThat(first.path("attempt").asInt()).isEqualTo(1);
    assertThat(first.path("status").asInt()).isEqualTo(500);
    assertThat(first.path("responseBody").asText()).isEqualTo(errorPage.substring(0, 4096));
    assertThat(first.path("latencyMs").asLong()).isGreaterThanOrEqualTo(25);
    assertThat(first.has("errorClass")).isFalse();
  }

  @Test
  void anAttemptWithoutAResponseShowsItsErrorClassAndThePendingDeliveryItsNextAttempt() {
    Ended ended = aJobEnded(acme);
    receiver.then(() -> {
      throw new HttpTimeoutException("request timed out");
    });
    attempt(RetrySchedule.parse("5m"), ended);

    JsonNode delivery = ok(get(acme, "/v1/jobs/" + ended.job().id() + "/deliveries"));

    JsonNode pending = delivery.path("data").get(0);
    assertThat(pending.path("state").asText()).isEqualTo("pending");
    assertThat(Instant.parse(pending.path("nextAttemptAt").asText()))
        .isBetween(clock.instant().plusSeconds(270), clock.instant().plusSeconds(330));
    JsonNode attempt = pending.path("attempts").get(0);
    assertThat(attempt.path("errorClass").asText()).isEqualTo("timeout");
    assertThat(attempt.has("status")).isFalse();
    assertThat(attempt.has("responseBody")).isFalse();
  }

  @Test
  void anotherTenantsUnknownOrMalformedJobIs404AndAJobWithoutEndpointsHasAnEmptyLog() {
    Ended ended = aJobEnded(acme);

    assertProblem(get(globex, "/v1/jobs/" + ended.job().id() + "/deliveries"), 404, "not-found");
    assertProblem(
        get(acme, "/v1/jobs/" + JobId.generate(clock.instant()) + "/deliveries"), 404, "not-found");
    assertProblem(get(acme, "/v1/jobs/nope/deliveries"), 404, "not-found");
    Job quiet = queued(globex);
    assertThat(ok(get(globex, "/v1/jobs/" + quiet.id() + "/deliveries")).path("data")).isEmpty();
  }

  // ---- GET /v1/webhook-endpoints/{id}/deliveries ----

  @Test
  void anEndpointsDeliveriesArePagedNewestFirstThroughTheirCursor() {
    List<String> newestFirst = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      newestFirst.addFirst(aJobEnded(acme).deliveryId().toString());
      clock.advance(Duration.ofSeconds(1));
    }
    String path = "/v1/webhook-endpoints/" + endpointId(acme) + "/deliveries";

    List<JsonNode> pages = new ArrayList<>();
    Map<String, String> query = new HashMap<>(Map.of("limit", "2"));
    do {
      pages.add(ok(get(acme, path, query)));
      query.put("cursor", pages.getLast().path("nextCursor").asText());
    } while (!pages.getLast().path("nextCursor").isNull());

    assertThat(pages).extracting(p -> p.path("data").size()).containsExactly(2, 2, 1);
    assertThat(pages.stream().flatMap(p -> p.path("data").valueStream()))
        .extracting(d -> d.path("id").asText())
        .containsExactlyElementsOf(newestFirst);
    assertThat(pages.getFirst().path("data").get(0).path("attempts")).isEmpty();
    assertThat(ok(get(acme, path)).path("data")).hasSize(5);
  }

  @Test
  void anotherTenantsEndpointIs404AndBadParametersAreProblems() {
    String path = "/v1/webhook-endpoints/" + endpointId(acme) + "/deliveries";

    assertProblem(get(globex, path), 404, "not-found");
    assertProblem(
        get(acme, "/v1/webhook-endpoints/" + UUID.randomUUID() + "/deliveries"), 404, "not-found");
    JsonNode cursor =
        assertProblem(get(acme, path, Map.of("cursor", "garbage")), 400, "invalid-cursor");
    assertThat(cursor.path("errors").get(0).path("pointer").asText()).isEqualTo("/query/cursor");
    JsonNode invalid =
        assertProblem(
            get(acme, path, Map.of("limit", "51", "state", "failed")), 422, "validation-failed");
    assertThat(invalid.path("errors").findValuesAsText("pointer"))
        .containsExactlyInAnyOrder("/query/limit", "/query/state");
  }

  // ---- POST /v1/deliveries/{id}/retry ----

  @Test
  void retryingAFailedDeliveryMakesItPendingSendsItAndGivesItAFreshBudget() throws SQLException {
    Ended ended = failedAfterItsBudget(acme);

    APIGatewayV2HTTPResponse response = retry(acme, ended.deliveryId().toString());

    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
    JsonNode retried = Json.parseTrusted(response.getBody());
    assertThat(retried.path("state").asText()).isEqualTo("pending");
    assertThat(retried.path("attemptCount").asInt()).isEqualTo(2);
    assertThat(retried.has("failureReason")).isFalse();
    assertThat(retried.path("attempts").findValuesAsText("attempt")).containsExactly("2", "1");
    List<Map<String, Object>> outbox =
        rows(
            "select tier, sent_at from outbox where subject_id = ? order by id",
            ended.deliveryId());
    assertThat(outbox).hasSize(2); // the job's end announced it, the retry announced it again
    assertThat(outbox.getLast()).containsEntry("tier", "critical");
    assertThat(outbox.getLast().get("sent_at")).as("sent after the commit").isNotNull();
    assertThat(criticalMessages())
        .contains(
            QueueMessage.delivery(ended.deliveryId(), acme.tenant().id(), ended.correlationId()));

    // The schedule ("5s") starts over: a failure is retried again rather than final.
    receiver.then(answer(503, "still busy")).then(answer(204, ""));
    attempt(RetrySchedule.parse("5s"), ended);
    assertThat(state(ended)).isEqualTo("pending");
    clock.advance(Duration.ofSeconds(6));
    attempt(RetrySchedule.parse("5s"), ended);

    JsonNode delivered =
        ok(get(acme, "/v1/jobs/" + ended.job().id() + "/deliveries")).path("data").get(0);
    assertThat(delivered.path("state").asText()).isEqualTo("succeeded");
    assertThat(delivered.path("attempts").findValuesAsText("attempt"))
        .containsExactly("4", "3", "2", "1");
  }

  @Test
  void retryingAPendingOrSucceededDeliveryIs409() {
    Ended pending = aJobEnded(acme);
    Ended succeeded = aJobEnded(acme);
    receiver.then(answer(200, "ok"));
    attempt(RetrySchedule.DEFAULT, succeeded);

    JsonNode notFailed =
        assertProblem(retry(acme, pending.deliveryId().toString()), 409, "delivery-not-failed");
    assertProblem(retry(acme, succeeded.deliveryId().toString()), 409, "delivery-not-failed");

    assertThat(notFailed.path("detail").asText()).contains("pending");
    assertThat(state(pending)).isEqualTo("pending");
    assertThat(state(succeeded)).isEqualTo("succeeded");
  }

  @Test
  void retryingAnUnknownMalformedOrAnotherTenantsDeliveryIs404() {
    Ended failed = failedAfterItsBudget(acme);

    assertProblem(retry(globex, failed.deliveryId().toString()), 404, "not-found");
    assertProblem(retry(acme, UUID.randomUUID().toString()), 404, "not-found");
    assertProblem(retry(acme, "nope"), 404, "not-found");
    assertThat(state(failed)).isEqualTo("failed");
  }

  @Test
  void aRetryWithAnIdempotencyKeyIsReplayedNotRepeated() throws SQLException {
    Ended failed = failedAfterItsBudget(acme);
    String key = "retry-" + UUID.randomUUID();

    APIGatewayV2HTTPResponse first = retry(acme, failed.deliveryId().toString(), key);
    APIGatewayV2HTTPResponse again = retry(acme, failed.deliveryId().toString(), key);

    assertThat(first.getStatusCode()).isEqualTo(202);
    assertThat(again.getStatusCode()).isEqualTo(202);
    assertThat(again.getHeaders()).containsEntry(Idempotency.REPLAYED_HEADER, "true");
    assertThat(again.getBody()).isEqualTo(first.getBody());
    assertThat(rows("select id from outbox where subject_id = ?", failed.deliveryId())).hasSize(2);
    assertProblem(retry(acme, failed.deliveryId().toString()), 409, "delivery-not-failed");
  }

  // ---- endpoint health and POST /v1/webhook-endpoints/{id}/enable ----

  @Test
  void anEndpointThatAnsweredGoneShowsWhyRefusesRetriesAndGetsNoNewDeliveriesUntilEnabled() {
    Ended gone = aJobEnded(acme);
    receiver.then(answer(410, "no such hook"));
    attempt(RetrySchedule.DEFAULT, gone);
    String endpointPath = "/v1/webhook-endpoints/" + endpointId(acme);

    JsonNode disabled = ok(get(acme, endpointPath));
    assertThat(disabled.path("enabled").asBoolean()).isFalse();
    assertThat(disabled.path("disabledReason").asText()).isEqualTo("gone");
    assertThat(Instant.parse(disabled.path("disabledAt").asText())).isEqualTo(clock.instant());
    assertThat(Instant.parse(disabled.path("failingSince").asText())).isEqualTo(clock.instant());
    assertProblem(retry(acme, gone.deliveryId().toString()), 409, "endpoint-disabled");
    assertThat(deliveriesOfAJobEnding(acme)).as("no delivery to a disabled endpoint").isEmpty();

    APIGatewayV2HTTPResponse response =
        handler.handleRequest(
            ApiTestCalls.post(endpointPath + "/enable", null, acme.apiKey()), null);

    JsonNode enabled = ok(response);
    assertThat(enabled.path("enabled").asBoolean()).isTrue();
    assertThat(enabled.has("disabledReason")).isFalse();
    assertThat(enabled.has("disabledAt")).isFalse();
    assertThat(enabled.has("failingSince")).isFalse();
    assertThat(ok(get(acme, endpointPath))).isEqualTo(enabled);
    assertThat(retry(acme, gone.deliveryId().toString()).getStatusCode()).isEqualTo(202);
    assertThat(deliveriesOfAJobEnding(acme)).as("deliveries resume").hasSize(1);
  }

  @Test
  void anEndpointFailingForLongerThanTheSettingIsShownDisabledAsFailingSinceItsFirstFailure() {
    Ended ended = aJobEnded(acme);
    receiver.then(answer(500, "")).then(answer(500, ""));
    Instant firstFailure = clock.instant();
    attempt(RetrySchedule.DEFAULT, ended);
    Instant disabledAt = clock.advance(DISABLE_AFTER.plusMinutes(1));
    attempt(RetrySchedule.DEFAULT, ended);

    JsonNode endpoint = ok(get(acme, "/v1/webhook-endpoints/" + endpointId(acme)));

    assertThat(endpoint.path("enabled").asBoolean()).isFalse();
    assertThat(endpoint.path("disabledReason").asText()).isEqualTo("failing");
    assertThat(Instant.parse(endpoint.path("failingSince").asText())).isEqualTo(firstFailure);
    assertThat(Instant.parse(endpoint.path("disabledAt").asText())).isEqualTo(disabledAt);
  }

  @Test
  void enablingAnotherTenantsOrAnUnknownEndpointIs404() {
    String path = "/v1/webhook-endpoints/" + endpointId(acme) + "/enable";

    assertProblem(
        handler.handleRequest(ApiTestCalls.post(path, null, globex.apiKey()), null),
        404,
        "not-found");
    assertProblem(
        handler.handleRequest(
            ApiTestCalls.post(
                "/v1/webhook-endpoints/" + UUID.randomUUID() + "/enable", null, acme.apiKey()),
            null),
        404,
        "not-found");
  }

  @Test
  void everyNewRouteNeedsAnApiKeyAndAnswersAWrongMethodWith405() {
    Ended ended = aJobEnded(acme);
    for (String[] op :
        List.of(
            new String[] {"GET", "/v1/jobs/" + ended.job().id() + "/deliveries"},
            new String[] {"GET", "/v1/webhook-endpoints/" + endpointId(acme) + "/deliveries"},
            new String[] {"POST", "/v1/webhook-endpoints/" + endpointId(acme) + "/enable"},
            new String[] {"POST", "/v1/deliveries/" + ended.deliveryId() + "/retry"})) {
      APIGatewayV2HTTPEvent anonymous = request(op[0], op[1], Map.of(), null);
      assertProblem(handler.handleRequest(anonymous, null), 401, "unauthorized");
    }

    APIGatewayV2HTTPResponse wrong =
        handler.handleRequest(
            request("GET", "/v1/deliveries/" + ended.deliveryId() + "/retry", Map.of(), acme),
            null);
    assertProblem(wrong, 405, "method-not-allowed");
    assertThat(wrong.getHeaders()).containsEntry("Allow", "POST");
  }

  // ---- helpers ----

  /** A job of the tenant that ended now (by the test's clock), and its one delivery. */
  private record Ended(Job job, UUID deliveryId) {
    String correlationId() {
      return job.correlationId();
    }
  }

  private Ended aJobEnded(LocalTenant owner) {
    Job job = queued(owner);
    return new Ended(job, finish(job).getFirst().message().id());
  }

  /** The deliveries (their outbox rows) a job of the tenant creates as it ends now. */
  private List<PendingMessage> deliveriesOfAJobEnding(LocalTenant owner) {
    return finish(queued(owner));
  }

  private static Job queued(LocalTenant owner) {
    Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Job job =
        Job.queued(
            JobId.generate(created),
            owner.tenant().id(),
            JobType.IMAGE_TRANSFORM,
            Json.parseTrusted("{\"source\":{\"uploadId\":\"" + UUID.randomUUID() + "\"}}"),
            "corr-" + UUID.randomUUID());
    jobs.insert(job);
    jobs.claim(job.id(), created, created.plusSeconds(60)).orElseThrow();
    return job;
  }

  private List<PendingMessage> finish(Job job) {
    return jobs.finish(
            Finish.succeeded(job.id(), 1, Json.MAPPER.createObjectNode(), clock.instant()),
            new WebhookEvent("job.succeeded", "{\"type\":\"job.succeeded\"}"))
        .orElseThrow();
  }

  /** Two failed attempts under the schedule "5s": the delivery failed, its attempts exhausted. */
  private Ended failedAfterItsBudget(LocalTenant owner) {
    Ended ended = aJobEnded(owner);
    receiver.then(answer(500, "oops")).then(answer(502, "bad gateway"));
    attempt(RetrySchedule.parse("5s"), ended);
    clock.advance(Duration.ofSeconds(6));
    attempt(RetrySchedule.parse("5s"), ended);
    assertThat(state(ended)).isEqualTo("failed");
    return ended;
  }

  /** One attempt by the webhook worker, as if the delivery's message had just arrived. */
  private void attempt(RetrySchedule schedule, Ended ended) {
    new DeliverWebhook(
            env.infra().deliveryStore(),
            receiver,
            env.infra().sealer(),
            schedule,
            clock,
            LEASE,
            DISABLE_AFTER)
        .deliver(
            QueueMessage.delivery(
                ended.deliveryId(), ended.job().tenantId(), ended.correlationId()));
  }

  private static String state(Ended ended) {
    return env.infra()
        .deliveryStore()
        .find(ended.job().tenantId(), ended.deliveryId())
        .orElseThrow()
        .state()
        .wireName();
  }

  private static String endpointId(LocalTenant tenant) {
    return tenant.endpoint().orElseThrow().id().toString();
  }

  private static APIGatewayV2HTTPResponse get(LocalTenant caller, String path) {
    return get(caller, path, Map.of());
  }

  private static APIGatewayV2HTTPResponse get(
      LocalTenant caller, String path, Map<String, String> query) {
    return handler.handleRequest(request("GET", path, query, caller), null);
  }

  private static APIGatewayV2HTTPResponse retry(LocalTenant caller, String deliveryId) {
    return handler.handleRequest(
        ApiTestCalls.post("/v1/deliveries/" + deliveryId + "/retry", null, caller.apiKey()), null);
  }

  private static APIGatewayV2HTTPResponse retry(
      LocalTenant caller, String deliveryId, String idempotencyKey) {
    APIGatewayV2HTTPEvent event =
        ApiTestCalls.post("/v1/deliveries/" + deliveryId + "/retry", null, caller.apiKey());
    Map<String, String> headers = new HashMap<>(event.getHeaders());
    headers.put("idempotency-key", idempotencyKey);
    event.setHeaders(headers);
    return handler.handleRequest(event, null);
  }

  private static APIGatewayV2HTTPEvent request(
      String method, String path, Map<String, String> query, LocalTenant caller) {
    return ApiTestCalls.request(method, path, query, null, caller == null ? null : caller.apiKey());
  }

  private static JsonNode ok(APIGatewayV2HTTPResponse response) {
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
    assertThat(response.getHeaders()).containsEntry("content-type", "application/json");
    return Json.parseTrusted(response.getBody());
  }

  private static List<QueueMessage> criticalMessages() {
    List<QueueMessage> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      var batch =
          env.infra()
              .aws()
              .sqs()
              .receiveMessage(
                  r -> r.queueUrl(env.env().get("QUEUE_URL_CRITICAL")).maxNumberOfMessages(10))
              .messages();
      if (batch.isEmpty()) {
        break;
      }
      batch.forEach(m -> all.add(QueueMessage.fromJson(m.body())));
    }
    return all;
  }

  private static List<Map<String, Object>> rows(String sql, Object param) throws SQLException {
    try (Connection connection = env.infra().dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setObject(1, param);
      List<Map<String, Object>> result = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        int columns = rows.getMetaData().getColumnCount();
        while (rows.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= columns; c++) {
            row.put(rows.getMetaData().getColumnLabel(c), rows.getObject(c));
          }
          result.add(row);
        }
      }
      return result;
    }
  }

  /** What the receiver does with one attempt. */
  @FunctionalInterface
  private interface Reply {
    WebhookTransport.Response reply() throws IOException;
  }

  private static Reply answer(int status, String body) {
    return () -> new WebhookTransport.Response(status, Optional.empty(), body);
  }

  private static Reply slowly(Duration delay, Reply reply) {
    return () -> {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      return reply.reply();
    };
  }

  /** A receiver that answers each attempt with the next scripted reply. */
  private static final class ScriptedReceiver implements WebhookTransport {
    private final Deque<Reply> replies = new ArrayDeque<>();

    ScriptedReceiver then(Reply reply) {
      replies.add(reply);
      return this;
    }

    @Override
    public Response post(URI url, Map<String, String> headers, String body) throws IOException {
      Reply next = replies.poll();
      if (next == null) {
        throw new AssertionError("an attempt the test did not expect, to " + url);
      }
      return next.reply();
    }
  }
}
