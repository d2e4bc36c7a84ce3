package dev.conveyor.submit;

import static dev.conveyor.submit.ApiTestCalls.assertProblem;
import static dev.conveyor.submit.ApiTestCalls.imageJob;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.aws.DynamoDbIdempotencyStore;
import dev.conveyor.adapters.aws.DynamoDbTokenBuckets;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.idempotency.Idempotency;
import dev.conveyor.core.idempotency.IdempotencyStore;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Authenticator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code Idempotency-Key} on the API as Lambda invokes it: API Gateway v2 events, the real DynamoDB
 * store in the API-state table, real jobs in PostgreSQL.
 */
class IdempotencyTest {
  private static TestInfrastructure.Provisioned env;
  private static ApiHandler handler;
  private static IdempotencyStore store;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = new ApiHandler(new SubmitFunction(env.infra()).api());
    store =
        new DynamoDbIdempotencyStore(
            env.infra().aws().dynamoDb(),
            env.env().get("API_STATE_TABLE"),
            Clock.systemUTC(),
            Duration.ofHours(24),
            Duration.ofSeconds(60));
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void theSameKeyAndBodyReplaysThe202WithItsBodyAndLocationAndRecordsOneJob(
      APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    event.setBody(imageJob(uploadedImage(tenant)));
    prepare(event, tenant, "order-1001");

    APIGatewayV2HTTPResponse first = handler.handleRequest(event, null);
    APIGatewayV2HTTPResponse replay = handler.handleRequest(event, null);

    assertThat(first.getStatusCode()).isEqualTo(202);
    assertThat(first.getHeaders()).doesNotContainKey(Idempotency.REPLAYED_HEADER);
    String jobId = Json.parseTrusted(first.getBody()).path("id").asText();
    assertThat(first.getHeaders()).containsEntry("location", "/v1/jobs/" + jobId);

    assertThat(replay.getStatusCode()).isEqualTo(202);
    assertThat(replay.getBody()).isEqualTo(first.getBody());
    assertThat(replay.getHeaders())
        .containsEntry("location", "/v1/jobs/" + jobId)
        .containsEntry("content-type", "application/json")
        .containsEntry(Idempotency.REPLAYED_HEADER, "true");
    assertThat(jobRows(tenant)).isEqualTo(1);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void withoutAKeyEveryPostCreatesAJob(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    event.setBody(imageJob(uploadedImage(tenant)));
    prepare(event, tenant, null);

    assertThat(handler.handleRequest(event, null).getStatusCode()).isEqualTo(202);
    assertThat(handler.handleRequest(event, null).getStatusCode()).isEqualTo(202);

    assertThat(jobRows(tenant)).isEqualTo(2);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void theSameKeyWithAnotherBodyIs422KeyReusedAndCreatesNothing(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    UUID upload = uploadedImage(tenant);
    event.setBody(imageJob(upload));
    prepare(event, tenant, "order-1002");
    assertThat(handler.handleRequest(event, null).getStatusCode()).isEqualTo(202);

    event.setBody(imageJob(upload).replace("320", "640"));
    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

    assertProblem(response, 422, "idempotency-key-reused");
    assertThat(jobRows(tenant)).isEqualTo(1);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aRequestWhileTheFirstWithItsKeyIsInFlightIs409WithRetryAfter(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    event.setBody(imageJob(uploadedImage(tenant)));
    prepare(event, tenant, "order-1003");
    String payloadHash =
        Idempotency.payloadHash(IdempotencyFilter.payload(ApiHandler.toRequest(event)));
    assertThat(store.begin(tenant.tenant().id(), "order-1003", payloadHash))
        .isEqualTo(new IdempotencyStore.Started());

    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

    assertProblem(response, 409, "idempotency-key-in-progress");
    assertThat(response.getHeaders()).containsEntry("Retry-After", "1");
    assertThat(jobRows(tenant)).isZero();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void keysAreScopedPerTenantSoAnotherTenantMayReuseOne(APIGatewayV2HTTPEvent event) {
    LocalTenant acme = newTenant();
    LocalTenant globex = newTenant();
    event.setBody(imageJob(uploadedImage(acme)));
    prepare(event, acme, "shared-key");
    APIGatewayV2HTTPResponse acmes = handler.handleRequest(event, null);

    event.setBody(imageJob(uploadedImage(globex)));
    prepare(event, globex, "shared-key");
    APIGatewayV2HTTPResponse globexs = handler.handleRequest(event, null);

    assertThat(acmes.getStatusCode()).isEqualTo(202);
    assertThat(globexs.getStatusCode()).isEqualTo(202);
    assertThat(globexs.getHeaders()).doesNotContainKey(Idempotency.REPLAYED_HEADER);
    assertThat(globexs.getHeaders().get("location"))
        .isNotEqualTo(acmes.getHeaders().get("location"));
    assertThat(jobRows(acme)).isEqualTo(1);
    assertThat(jobRows(globex)).isEqualTo(1);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aClientErrorIsAnAnswerKeptAndReplayed(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    event.setBody("{\"type\":\"image.transform\",\"source\":{},\"renditions\":[]}");
    prepare(event, tenant, "order-1004");

    APIGatewayV2HTTPResponse first = handler.handleRequest(event, null);
    APIGatewayV2HTTPResponse replay = handler.handleRequest(event, null);

    assertProblem(first, 422, "validation-failed");
    assertProblem(replay, 422, "validation-failed");
    assertThat(replay.getBody()).isEqualTo(first.getBody());
    assertThat(replay.getHeaders()).containsEntry(Idempotency.REPLAYED_HEADER, "true");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aHandlerThatThrowsAnswers500AndLeavesNoRecordSoTheKeyMayBeRetried(
      APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    AtomicInteger calls = new AtomicInteger();
    ApiHandler failingOnce =
        apiWith(request -> {
          if (calls.incrementAndGet() == 1) {
            throw new IllegalStateException("database connection lost");
          }
          return Api.json(202, Json.MAPPER.createObjectNode().put("ok", true));
        });
    event.getRequestContext().getHttp().setPath("/v1/flaky");
    prepare(event, tenant, "order-1005");

    APIGatewayV2HTTPResponse failed = failingOnce.handleRequest(event, null);

    assertProblem(failed, 500, "internal");
    assertThat(record(tenant, "order-1005")).isEmpty();
    APIGatewayV2HTTPResponse retried = failingOnce.handleRequest(event, null);
    assertThat(retried.getStatusCode()).isEqualTo(202);
    assertThat(retried.getHeaders()).doesNotContainKey(Idempotency.REPLAYED_HEADER);
    assertThat(calls).hasValue(2);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aServerErrorResponseIsNotKept(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    AtomicInteger calls = new AtomicInteger();
    ApiHandler unavailable =
        apiWith(request -> {
          calls.incrementAndGet();
          throw new ProblemException(503, "unavailable", "Unavailable", "Try again later.");
        });
    event.getRequestContext().getHttp().setPath("/v1/flaky");
    prepare(event, tenant, "order-1006");

    assertProblem(unavailable.handleRequest(event, null), 503, "unavailable");
    assertThat(record(tenant, "order-1006")).isEmpty();
    assertProblem(unavailable.handleRequest(event, null), 503, "unavailable");
    assertThat(calls).hasValue(2);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aKeyThatIsNotOneTo255PrintableAsciiCharactersIs400(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    event.setBody(imageJob(uploadedImage(tenant)));
    for (String key : List.of("", "k".repeat(256), "cl\u00e9", "tab\there")) {
      prepare(event, tenant, key);

      APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

      JsonNode problem = assertProblem(response, 400, "invalid-idempotency-key");
      assertThat(problem.path("detail").asText()).contains("255");
    }
    assertThat(jobRows(tenant)).isZero();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void aKeyOnAGetIsIgnored(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = newTenant();
    prepare(event, tenant, "not-for-reads");
    event.getRequestContext().getHttp().setPath("/v1/jobs/" + UUID.randomUUID());

    assertProblem(handler.handleRequest(event, null), 404, "not-found");
    assertProblem(handler.handleRequest(event, null), 404, "not-found");
    assertThat(record(tenant, "not-for-reads")).isEmpty();
  }

  // --- helpers -------------------------------------------------------------------------------

  private static LocalTenant newTenant() {
    return env.tenant("idem-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** An API whose only route, {@code POST /v1/flaky}, is {@code route}, with the real store. */
  private static ApiHandler apiWith(Function<ApiRequest, HttpResponse> route) {
    return new ApiHandler(
        new Api(
            new Authenticator(env.infra().tenantDirectory()),
            List.of(new Route("POST", "/v1/flaky", Route.RouteClass.WRITES, route::apply)),
            64 * 1024,
            new IdempotencyFilter(new Idempotency(store)),
            RouteLimits.fromEnvironment(
                new DynamoDbTokenBuckets(
                    env.infra().aws().dynamoDb(),
                    env.env().get("API_STATE_TABLE"),
                    java.time.Clock.systemUTC()),
                env.infra().env(),
                java.time.Clock.systemUTC())));
  }

  /** Authorizes as {@code tenant} and sets (or, when null, removes) the Idempotency-Key. */
  private static void prepare(APIGatewayV2HTTPEvent event, LocalTenant tenant, String key) {
    Map<String, String> headers = new HashMap<>(event.getHeaders());
    headers.put("authorization", "Bearer " + tenant.apiKey());
    headers.remove("idempotency-key");
    if (key != null) {
      headers.put("idempotency-key", key);
    }
    event.setHeaders(headers);
  }

  private static Map<String, AttributeValue> record(LocalTenant tenant, String key) {
    String pk = "idem#" + tenant.tenant().id() + "#" + key;
    return env.infra()
        .aws()
        .dynamoDb()
        .getItem(g ->
            g.tableName(env.env().get("API_STATE_TABLE"))
                .key(Map.of("pk", AttributeValue.fromS(pk)))
                .consistentRead(true))
        .item();
  }

  private static int jobRows(LocalTenant tenant) {
    try (Connection c = env.infra().dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("select count(*) from jobs where tenant_id = ?")) {
      s.setObject(1, tenant.tenant().id().value());
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static UUID uploadedImage(LocalTenant owner) {
    return ApiTestCalls.uploadedImage(handler, env, owner);
  }
}
