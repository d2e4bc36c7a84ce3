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
import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.JobStore.Finish;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.work.Backoff;
import dev.conveyor.core.work.JobExecutor;
import dev.conveyor.core.work.JobRunner;
import dev.conveyor.core.work.WorkOutcome;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@code GET /v1/jobs} and {@code DELETE /v1/jobs/{id}} as Lambda invokes them: API Gateway v2
 * events, real adapters over the emulators.
 */
class JobListingAndCancelTest {
  private static final Duration LEASE = Duration.ofMinutes(16);

  private static TestInfrastructure.Provisioned env;
  private static ApiHandler handler;
  private static JobStore store;

  private LocalTenant acme;
  private LocalTenant globex;
  private Instant now;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = new ApiHandler(new SubmitFunction(env.infra()).api());
    store = env.infra().jobStore();
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
    now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  // ---- GET /v1/jobs ----

  @Test
  void pagingThroughTheListingReturnsEveryJobExactlyOnceNewestFirst() {
    List<Job> inserted = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      inserted.add(queued(acme, now.minusMillis(i / 2))); // pairs share a millisecond
    }
    List<String> expected =
        inserted.stream()
            .sorted(
                Comparator.comparing(Job::createdAt).thenComparing(j -> j.id().value()).reversed())
            .map(j -> j.id().toString())
            .toList();

    List<JsonNode> pages = pages(acme, Map.of("limit", "7"));

    assertThat(pages).hasSize(4);
    assertThat(pages).extracting(p -> p.path("data").size()).containsExactly(7, 7, 7, 4);
    assertThat(ids(pages)).containsExactlyElementsOf(expected);
    assertThat(pages.getLast().has("nextCursor")).isTrue();
    assertThat(pages.getLast().path("nextCursor").isNull()).isTrue();
  }

  @Test
  void eachListedJobIsPresentedAsGetPresentsIt() {
    Job job = queued(acme, now);

    JsonNode listed = list(acme, Map.of()).path("data").get(0);

    APIGatewayV2HTTPResponse single =
        handler.handleRequest(request("GET", "/v1/jobs/" + job.id(), Map.of(), acme), null);
    assertThat(listed).isEqualTo(Json.parseTrusted(single.getBody()));
    assertThat(listed.path("state").asText()).isEqualTo("queued");
    assertThat(listed.path("type").asText()).isEqualTo("image.transform");
    assertThat(listed.path("createdAt").asText()).isEqualTo(job.createdAt().toString());
  }

  @Test
  void theDefaultPageHoldsTwentyJobs() {
    for (int i = 0; i < 21; i++) {
      queued(acme, now.minusSeconds(i));
    }

    JsonNode page = list(acme, Map.of());

    assertThat(page.path("data").size()).isEqualTo(20);
    assertThat(page.path("nextCursor").isTextual()).isTrue();
  }

  @Test
  void anotherTenantsJobsAreNeverListedNotEvenWithACursorFromTheirListing() {
    Job own = queued(acme, now.minusSeconds(5));
    List<String> theirs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      theirs.add(queued(globex, now.minusSeconds(i)).id().toString());
    }

    assertThat(ids(pages(acme, Map.of("limit", "1")))).containsExactly(own.id().toString());
    assertThat(ids(pages(globex, Map.of("limit", "2")))).containsExactlyElementsOf(theirs);
    String globexCursor = list(globex, Map.of("limit", "1")).path("nextCursor").asText();
    assertThat(ids(List.of(list(acme, Map.of("limit", "1", "cursor", globexCursor)))))
        .containsExactly(own.id().toString());
  }

  @Test
  void theStateTypeAndTimeFiltersSelectAndPageTogether() {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Job job = queued(acme, now.minusSeconds(10 + i));
      if (i % 2 == 0) {
        store.claim(job.id(), now, now.plus(LEASE));
      } else if (i < 7) {
        expected.add(job.id().toString());
      }
    }
    queued(acme, now); // queued, but after createdBefore

    List<JsonNode> pages =
        pages(
            acme,
            Map.of(
                "state", "queued",
                "type", "image.transform",
                "createdAfter", now.minusSeconds(17).toString(),
                "createdBefore", now.minusSeconds(1).toString(),
                "limit", "1"));

    assertThat(ids(pages)).containsExactlyElementsOf(expected);
    assertThat(pages.stream().flatMap(p -> p.path("data").valueStream()))
        .allSatisfy(j -> assertThat(j.path("state").asText()).isEqualTo("queued"));
    assertThat(ids(pages(acme, Map.of("state", "running")))).hasSize(4);
    assertThat(ids(pages(acme, Map.of("state", "failed")))).isEmpty();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void theQueryStringParametersOfAnApiGatewayEventAreRead(APIGatewayV2HTTPEvent event) {
    Job older = queued(acme, now.minusSeconds(1));
    queued(acme, now);
    event.setRawPath("/v1/jobs");
    event.getRequestContext().getHttp().setPath("/v1/jobs");
    event.setRawQueryString("limit=1&createdBefore=" + now.toString().replace(":", "%3A"));
    event.setQueryStringParameters(Map.of("limit", "1", "createdBefore", now.toString()));
    authorize(event, acme);

    JsonNode page = ok(handler.handleRequest(event, null));

    assertThat(ids(List.of(page))).containsExactly(older.id().toString());
  }

  @Test
  void aCursorThatDoesNotDecodeIs400InvalidCursor() {
    for (String cursor : new String[] {"garbage", "", "AAAA", "%%%", "x".repeat(44)}) {
      JsonNode problem = assertProblem(get(acme, Map.of("cursor", cursor)), 400, "invalid-cursor");
      assertThat(problem.path("errors").get(0).path("pointer").asText()).isEqualTo("/query/cursor");
    }
  }

  @Test
  void aCursorMadeForOtherFiltersIs400InvalidCursor() {
    for (int i = 0; i < 3; i++) {
      queued(acme, now.minusSeconds(i));
    }
    String cursor = list(acme, Map.of("state", "queued", "limit", "1")).path("nextCursor").asText();

    assertProblem(get(acme, Map.of("state", "running", "cursor", cursor)), 400, "invalid-cursor");
    assertProblem(get(acme, Map.of("cursor", cursor)), 400, "invalid-cursor");
    assertThat(list(acme, Map.of("state", "queued", "limit", "5", "cursor", cursor)).path("data"))
        .as("the same filters with another limit")
        .hasSize(2);
  }

  @Test
  void badFilterValuesAre422NamingEachQueryParameter() {
    JsonNode problem =
        assertProblem(
            get(
                acme,
                Map.of(
                    "state", "finished",
                    "type", "video.transcode",
                    "createdAfter", "last tuesday",
                    "createdBefore", "2025-02-30T00:00:00Z",
                    "limit", "101")),
            422,
            "validation-failed");

    assertThat(problem.path("errors").findValuesAsText("pointer"))
        .containsExactlyInAnyOrder(
            "/query/state",
            "/query/type",
            "/query/createdAfter",
            "/query/createdBefore",
            "/query/limit");
    for (String limit : new String[] {"0", "-3", "abc", "1.5"}) {
      assertThat(
              assertProblem(get(acme, Map.of("limit", limit)), 422, "validation-failed")
                  .path("errors")
                  .findValuesAsText("pointer"))
          .containsExactly("/query/limit");
    }
    assertThat(
            assertProblem(get(acme, Map.of("sort", "asc")), 422, "validation-failed")
                .path("errors")
                .findValuesAsText("pointer"))
        .containsExactly("/query/sort");
  }

  @Test
  void listingWithoutAnApiKeyIs401() {
    APIGatewayV2HTTPEvent event = request("GET", "/v1/jobs", Map.of(), acme);
    event.setHeaders(Map.of());

    assertProblem(handler.handleRequest(event, null), 401, "unauthorized");
  }

  // ---- DELETE /v1/jobs/{id} ----

  @Test
  void cancellingAQueuedJobAnswers200WithTheCancelledJob() {
    Job job = queued(acme, now);

    JsonNode cancelled = ok(delete(acme, job.id().toString()));

    assertThat(cancelled.path("id").asText()).isEqualTo(job.id().toString());
    assertThat(cancelled.path("state").asText()).isEqualTo("cancelled");
    assertThat(cancelled.path("finishedAt").isTextual()).isTrue();
    Job stored = store.find(job.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(JobState.CANCELLED);
    assertThat(stored.finishedAt()).isEqualTo(Instant.parse(cancelled.path("finishedAt").asText()));
  }

  @Test
  void aCancellationIsDeliveredAsJobCancelledToTheSubscribedEndpoint() throws SQLException {
    Job job = queued(acme, now);

    ok(delete(acme, job.id().toString()));

    List<Map<String, Object>> deliveries = deliveriesOf(job);
    assertThat(deliveries)
        .singleElement()
        .satisfies(d -> {
          assertThat(d).containsEntry("endpoint_id", acme.endpoint().orElseThrow().id());
          assertThat(d).containsEntry("event_type", "job.cancelled");
          JsonNode payload = Json.parseTrusted((String) d.get("payload"));
          assertThat(payload.path("type").asText()).isEqualTo("job.cancelled");
          assertThat(payload.path("data").path("id").asText()).isEqualTo(job.id().toString());
          assertThat(payload.path("data").path("state").asText()).isEqualTo("cancelled");
        });
    UUID deliveryId = (UUID) deliveries.getFirst().get("id");
    assertThat(criticalMessages())
        .extracting(m -> QueueMessage.fromJson(m.body()))
        .contains(QueueMessage.delivery(deliveryId, acme.tenant().id(), job.correlationId()));
    assertThat(rows("select sent_at from outbox where subject_id = ?", deliveryId))
        .singleElement()
        .satisfies(row -> assertThat(row.get("sent_at")).isNotNull());
  }

  @Test
  void cancellingACancelledJobAgainIs200AndDeliversNothingMore() throws SQLException {
    Job job = queued(acme, now);
    JsonNode first = ok(delete(acme, job.id().toString()));

    JsonNode again = ok(delete(acme, job.id().toString()));

    assertThat(again).isEqualTo(first);
    assertThat(deliveriesOf(job)).hasSize(1);
  }

  @Test
  void aRunningJobIs409JobRunning() {
    Job job = queued(acme, now);
    store.claim(job.id(), now, now.plus(LEASE));

    JsonNode problem = assertProblem(delete(acme, job.id().toString()), 409, "job-running");

    assertThat(problem.path("detail").asText()).contains(job.id().toString());
    assertThat(store.find(job.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
  }

  @Test
  void aSucceededOrFailedJobIs409JobFinished() throws SQLException {
    Job succeeded = queued(acme, now);
    store.claim(succeeded.id(), now, now.plus(LEASE));
    store.finish(
        Finish.succeeded(succeeded.id(), 1, Json.MAPPER.createObjectNode(), now),
        new WebhookEvent("job.succeeded", "{}"));
    Job failed = queued(acme, now);
    store.claim(failed.id(), now, now.plus(LEASE));
    store.finish(
        Finish.failed(failed.id(), 1, new FailureReason("bad-media", "not an image"), now),
        new WebhookEvent("job.failed", "{}"));

    assertProblem(delete(acme, succeeded.id().toString()), 409, "job-finished");
    assertProblem(delete(acme, failed.id().toString()), 409, "job-finished");

    assertThat(store.find(succeeded.id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(store.find(failed.id()).orElseThrow().state()).isEqualTo(JobState.FAILED);
    assertThat(deliveriesOf(succeeded))
        .extracting(d -> d.get("event_type"))
        .containsExactly("job.succeeded");
  }

  @Test
  void anUnknownMalformedOrAnotherTenantsJobIs404() throws SQLException {
    Job job = queued(acme, now);

    for (String id :
        new String[] {"nope", UUID.randomUUID().toString(), JobId.generate(now).toString()}) {
      assertProblem(delete(acme, id), 404, "not-found");
    }
    assertProblem(delete(globex, job.id().toString()), 404, "not-found");

    assertThat(store.find(job.id()).orElseThrow().state()).isEqualTo(JobState.QUEUED);
    assertThat(deliveriesOf(job)).isEmpty();
  }

  @Test
  void theWorkerThatLaterReceivesACancelledJobsMessageFindsNothingToClaim() {
    Job job =
        Job.queued(
            JobId.generate(now), acme.tenant().id(), JobType.IMAGE_TRANSFORM, spec(), "corr-late");
    PendingMessage pending = store.insert(job);
    env.infra().outboxDispatcher().dispatch(pending);
    ok(delete(acme, job.id().toString()));
    QueueMessage received =
        standardMessages().stream()
            .map(m -> QueueMessage.fromJson(m.body()))
            .filter(m -> m.id().equals(job.id().value()))
            .findFirst()
            .orElseThrow();
    AtomicInteger executed = new AtomicInteger();
    JobExecutor executor =
        claimed -> {
          executed.incrementAndGet();
          return Json.MAPPER.createObjectNode();
        };
    JobRunner worker =
        new JobRunner(
            store,
            Map.of(JobType.IMAGE_TRANSFORM, executor),
            env.infra().jobEvents(),
            env.infra().outboxDispatcher(),
            env.infra().clock(),
            LEASE,
            new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(15)));

    WorkOutcome outcome = worker.run(received);

    assertThat(outcome).isEqualTo(WorkOutcome.done());
    assertThat(executed).hasValue(0);
    Job after = store.find(job.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(JobState.CANCELLED);
    assertThat(after.attempt()).isZero();
  }

  @Test
  void theJobsRoutesAnswerWrongMethodsWith405ListingTheAllowedOnes() {
    APIGatewayV2HTTPResponse collection =
        handler.handleRequest(request("PUT", "/v1/jobs", Map.of(), acme), null);
    assertProblem(collection, 405, "method-not-allowed");
    assertThat(collection.getHeaders()).containsEntry("Allow", "POST, GET");

    APIGatewayV2HTTPResponse item =
        handler.handleRequest(
            request("PATCH", "/v1/jobs/" + JobId.generate(now), Map.of(), acme), null);
    assertProblem(item, 405, "method-not-allowed");
    assertThat(item.getHeaders()).containsEntry("Allow", "GET, DELETE");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void theSampleGetEventTurnedIntoADeleteCancels(APIGatewayV2HTTPEvent event) {
    Job job = queued(acme, now);
    event.getRequestContext().getHttp().setMethod("DELETE");
    event.getRequestContext().getHttp().setPath("/v1/jobs/" + job.id());
    event.setRawPath("/v1/jobs/" + job.id());
    authorize(event, acme);

    JsonNode cancelled = ok(handler.handleRequest(event, null));

    assertThat(cancelled.path("state").asText()).isEqualTo("cancelled");
  }

  // ---- helpers ----

  private static Job queued(LocalTenant owner, Instant createdAt) {
    Job job =
        Job.queued(
            JobId.generate(createdAt),
            owner.tenant().id(),
            JobType.IMAGE_TRANSFORM,
            spec(),
            "corr-" + UUID.randomUUID());
    store.insert(job);
    return job;
  }

  private static JsonNode spec() {
    return Json.parseTrusted(
        "{\"source\":{\"uploadId\":\""
            + UUID.randomUUID()
            + "\"},\"renditions\":[{\"name\":\"thumb\",\"width\":320,\"format\":\"jpeg\"}]}");
  }

  private static APIGatewayV2HTTPEvent request(
      String method, String path, Map<String, String> query, LocalTenant caller) {
    return ApiTestCalls.request(method, path, query, null, caller.apiKey());
  }

  private static APIGatewayV2HTTPResponse get(LocalTenant caller, Map<String, String> query) {
    return handler.handleRequest(request("GET", "/v1/jobs", query, caller), null);
  }

  private static APIGatewayV2HTTPResponse delete(LocalTenant caller, String id) {
    return handler.handleRequest(request("DELETE", "/v1/jobs/" + id, Map.of(), caller), null);
  }

  private static JsonNode list(LocalTenant caller, Map<String, String> query) {
    return ok(get(caller, query));
  }

  /** Every page, following nextCursor with the same filters. */
  private static List<JsonNode> pages(LocalTenant caller, Map<String, String> query) {
    List<JsonNode> pages = new ArrayList<>();
    Map<String, String> next = new LinkedHashMap<>(query);
    while (true) {
      JsonNode page = list(caller, next);
      pages.add(page);
      if (page.path("nextCursor").isNull()) {
        return pages;
      }
      assertThat(pages).as("runaway paging").hasSizeLessThan(100);
      next.put("cursor", page.path("nextCursor").asText());
    }
  }

  private static List<String> ids(List<JsonNode> pages) {
    return pages.stream()
        .flatMap(p -> p.path("data").valueStream())
        .map(j -> j.path("id").asText())
        .toList();
  }

  private static JsonNode ok(APIGatewayV2HTTPResponse response) {
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
    assertThat(response.getHeaders()).containsEntry("content-type", "application/json");
    return Json.parseTrusted(response.getBody());
  }

  private static List<Message> criticalMessages() {
    return receive("QUEUE_URL_CRITICAL");
  }

  private static List<Message> standardMessages() {
    return receive("QUEUE_URL_STANDARD");
  }

  private static List<Message> receive(String queue) {
    List<Message> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<Message> batch =
          env.infra()
              .aws()
              .sqs()
              .receiveMessage(r -> r.queueUrl(env.env().get(queue)).maxNumberOfMessages(10))
              .messages();
      if (batch.isEmpty()) {
        break;
      }
      all.addAll(batch);
    }
    return all;
  }

  private static List<Map<String, Object>> deliveriesOf(Job job) throws SQLException {
    return rows("select * from deliveries where job_id = ?", job.id().value());
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
}
