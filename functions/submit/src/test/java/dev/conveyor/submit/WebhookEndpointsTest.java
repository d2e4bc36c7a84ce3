package dev.conveyor.submit;

import static dev.conveyor.submit.ApiTestCalls.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.webhook.WebhookSignature;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/webhook-endpoints} as Lambda invokes it (API Gateway v2 events), on real adapters over
 * the emulators.
 */
class WebhookEndpointsTest {
  private static final String PATH = "/v1/webhook-endpoints";

  private static TestInfrastructure.Provisioned env;
  private static ApiHandler handler;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = new ApiHandler(new SubmitFunction(env.infra()).api());
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @Test
  void aCreatedEndpointShowsItsSecretOnceAndIsReadAndListedWithoutIt() {
    LocalTenant tenant = env.tenant("acme");

    APIGatewayV2HTTPResponse created =
        call(
            tenant,
            "POST",
            PATH,
            "{\"url\":\"https://hooks.example.com/in\",\"eventTypes\":[\"job.failed\"],"
                + "\"description\":\"alerts\"}");

    assertThat(created.getStatusCode()).isEqualTo(201);
    JsonNode endpoint = Json.parseTrusted(created.getBody());
    String id = endpoint.path("id").asText();
    assertThat(created.getHeaders()).containsEntry("location", PATH + "/" + id);
    assertThat(endpoint.path("url").asText()).isEqualTo("https://hooks.example.com/in");
    assertThat(endpoint.path("eventTypes").toString()).isEqualTo("[\"job.failed\"]");
    assertThat(endpoint.path("description").asText()).isEqualTo("alerts");
    assertThat(endpoint.path("enabled").asBoolean()).isTrue();
    assertThat(endpoint.path("secret").asText()).startsWith("whsec_");

    APIGatewayV2HTTPResponse read = call(tenant, "GET", PATH + "/" + id, null);
    assertThat(read.getStatusCode()).isEqualTo(200);
    JsonNode withoutSecret = endpoint.deepCopy();
    ((ObjectNode) withoutSecret).remove("secret");
    assertThat(Json.parseTrusted(read.getBody())).isEqualTo(withoutSecret);
    assertThat(read.getBody()).doesNotContain("whsec_");

    APIGatewayV2HTTPResponse listed = call(tenant, "GET", PATH, null);
    assertThat(listed.getStatusCode()).isEqualTo(200);
    assertThat(list(tenant)).containsExactly(withoutSecret);
    assertThat(listed.getBody()).doesNotContain("whsec_");
  }

  @Test
  void theSecretIsStoredOnlySealed() throws Exception {
    LocalTenant tenant = env.tenant("acme");
    JsonNode endpoint = created(tenant, "https://hooks.example.com/in");

    List<String> stored = sealedSecrets(endpoint.path("id").asText());

    assertThat(stored).hasSize(1);
    assertThat(stored.getFirst()).startsWith("v1:").doesNotContain("whsec_");
    assertThat(env.infra().sealer().open(stored.getFirst()))
        .isEqualTo(endpoint.path("secret").asText());
  }

  @Test
  void anEndpointSubscribesToEveryJobEventByDefault() {
    JsonNode endpoint = created(env.tenant("acme"), "https://hooks.example.com/in");

    assertThat(endpoint.path("eventTypes").toString())
        .isEqualTo("[\"job.succeeded\",\"job.failed\",\"job.cancelled\"]");
  }

  @Test
  void anInvalidEndpointIs422ProblemJsonNamingEveryField() {
    LocalTenant tenant = env.tenant("acme");

    JsonNode problem =
        assertProblem(
            call(
                tenant,
                "POST",
                PATH,
                "{\"url\":\"https://user:pw@hooks.example.com/in#x\",\"eventTypes\":[\"job.done\"]}"),
            422,
            "validation-failed");

    assertThat(problem.path("detail").asText()).isNotBlank();
    assertThat(problem.path("errors").findValuesAsText("pointer"))
        .containsExactlyInAnyOrder("/url", "/url", "/eventTypes/0");
    assertThat(problem.path("errors").findValuesAsText("detail"))
        .contains("must not contain user info", "must not contain a fragment");
    assertThat(list(tenant)).isEmpty();
  }

  @Test
  void aPlainHttpUrlIsRefusedUnlessLoopbackHttpIsExplicitlyAllowed() {
    LocalTenant tenant = env.tenant("acme");
    // The local stack (and so this environment) opts in to plain-HTTP loopback receivers.
    assertThat(env.env()).containsEntry("WEBHOOK_ALLOW_LOOPBACK_HTTP", "true");
    assertThat(call(tenant, "POST", PATH, "{\"url\":\"http://127.0.0.1:9/in\"}").getStatusCode())
        .isEqualTo(201);
    assertProblem(
        call(tenant, "POST", PATH, "{\"url\":\"http://192.0.2.10/in\"}"), 422, "validation-failed");

    Map<String, String> strict = new HashMap<>(env.env());
    strict.put("WEBHOOK_ALLOW_LOOPBACK_HTTP", "false");
    try (Infrastructure infra = Infrastructure.fromEnvironment(Env.of(strict))) {
      ApiHandler strictHandler = new ApiHandler(new SubmitFunction(infra).api());
      APIGatewayV2HTTPEvent event =
          event(tenant, "POST", PATH, "{\"url\":\"http://127.0.0.1:9/in\"}");

      JsonNode problem =
          assertProblem(strictHandler.handleRequest(event, null), 422, "validation-failed");
      assertThat(problem.path("errors").get(0).path("detail").asText()).isEqualTo("must use https");
    }
  }

  @Test
  void theTwentyFirstEndpointIs422() {
    LocalTenant tenant = env.tenant("acme");
    for (int i = 0; i < 20; i++) {
      created(tenant, "https://hooks.example.com/" + i);
    }

    JsonNode problem =
        assertProblem(
            call(tenant, "POST", PATH, "{\"url\":\"https://hooks.example.com/20\"}"),
            422,
            "endpoint-limit-reached");

    assertThat(problem.path("detail").asText()).contains("20");
    assertThat(list(tenant)).hasSize(20);
  }

  @Test
  void anotherTenantsEndpointIs404ForEveryOperation() {
    LocalTenant owner = env.tenant("acme");
    LocalTenant stranger = env.tenant("globex");
    String id = created(owner, "https://hooks.example.com/in").path("id").asText();

    assertProblem(call(stranger, "GET", PATH + "/" + id, null), 404, "not-found");
    assertProblem(call(stranger, "DELETE", PATH + "/" + id, null), 404, "not-found");
    assertProblem(
        call(stranger, "POST", PATH + "/" + id + "/rotate-secret", "{}"), 404, "not-found");
    assertThat(list(stranger)).isEmpty();
    assertThat(call(owner, "GET", PATH + "/" + id, null).getStatusCode()).isEqualTo(200);
  }

  @Test
  void aMalformedOrUnknownIdIs404() {
    LocalTenant tenant = env.tenant("acme");

    assertProblem(call(tenant, "GET", PATH + "/nope", null), 404, "not-found");
    assertProblem(call(tenant, "GET", PATH + "/" + UUID.randomUUID(), null), 404, "not-found");
  }

  @Test
  void aDeletedEndpointIs204ThenGoneAndItsEndpointIsDisabledAsDeleted() throws Exception {
    LocalTenant tenant = env.tenant("acme");
    String id = created(tenant, "https://hooks.example.com/in").path("id").asText();

    APIGatewayV2HTTPResponse deleted = call(tenant, "DELETE", PATH + "/" + id, null);

    assertThat(deleted.getStatusCode()).isEqualTo(204);
    assertThat(deleted.getBody()).isEmpty();
    assertProblem(call(tenant, "GET", PATH + "/" + id, null), 404, "not-found");
    assertProblem(call(tenant, "DELETE", PATH + "/" + id, null), 404, "not-found");
    assertThat(list(tenant)).isEmpty();
    assertThat(row("select disabled_reason from webhook_endpoints where id = ?", id))
        .isEqualTo("deleted");
  }

  @Test
  void aRotationReturnsANewSecretAndBothSignUntilTheGracePeriodEnds() throws Exception {
    LocalTenant tenant = env.tenant("acme");
    JsonNode endpoint = created(tenant, "https://hooks.example.com/in");
    String id = endpoint.path("id").asText();
    Instant before = Instant.now();

    APIGatewayV2HTTPResponse response =
        call(tenant, "POST", PATH + "/" + id + "/rotate-secret", "{\"graceSeconds\":3600}");

    assertThat(response.getStatusCode()).isEqualTo(200);
    JsonNode rotated = Json.parseTrusted(response.getBody());
    String newSecret = rotated.path("secret").asText();
    assertThat(newSecret).startsWith("whsec_").isNotEqualTo(endpoint.path("secret").asText());
    assertThat(rotated.path("id").asText()).isEqualTo(id);
    Instant expiry = Instant.parse(rotated.path("previousSecretsExpireAt").asText());
    assertThat(expiry)
        .isBetween(
            before.plus(Duration.ofHours(1)).minusMillis(1),
            Instant.now().plus(Duration.ofHours(1)));

    List<String> valid = sealedSecrets(id).stream().map(env.infra().sealer()::open).toList();
    assertThat(valid).containsExactlyInAnyOrder(newSecret, endpoint.path("secret").asText());
    String payload = "{\"type\":\"job.succeeded\"}";
    Map<String, String> headers = WebhookSignature.headers("msg_1", Instant.now(), payload, valid);
    for (String secret : List.of(newSecret, endpoint.path("secret").asText())) {
      assertThat(
              WebhookSignature.verify(
                  secret,
                  "msg_1",
                  headers.get("webhook-timestamp"),
                  headers.get("webhook-signature"),
                  payload,
                  Instant.now(),
                  WebhookSignature.DEFAULT_TOLERANCE))
          .as("a receiver holding %s", secret.equals(newSecret) ? "the new secret" : "the old one")
          .isTrue();
    }
  }

  @Test
  void aRotationWithoutABodyKeepsTheOldSecretForADay() {
    LocalTenant tenant = env.tenant("acme");
    String id = created(tenant, "https://hooks.example.com/in").path("id").asText();
    Instant before = Instant.now();

    APIGatewayV2HTTPResponse response =
        call(tenant, "POST", PATH + "/" + id + "/rotate-secret", null);

    assertThat(response.getStatusCode()).isEqualTo(200);
    Instant expiry =
        Instant.parse(
            Json.parseTrusted(response.getBody()).path("previousSecretsExpireAt").asText());
    assertThat(expiry)
        .isAfterOrEqualTo(before.plus(Duration.ofDays(1)).minusMillis(1))
        .isBeforeOrEqualTo(Instant.now().plus(Duration.ofDays(1)));
  }

  @Test
  void aGracePeriodOverSevenDaysIs422() {
    LocalTenant tenant = env.tenant("acme");
    String id = created(tenant, "https://hooks.example.com/in").path("id").asText();

    JsonNode problem =
        assertProblem(
            call(tenant, "POST", PATH + "/" + id + "/rotate-secret", "{\"graceSeconds\":604801}"),
            422,
            "validation-failed");

    assertThat(problem.path("errors").get(0).path("pointer").asText()).isEqualTo("/graceSeconds");
  }

  @Test
  void malformedJsonIs400AndAWrongMethodIs405() {
    LocalTenant tenant = env.tenant("acme");

    assertProblem(call(tenant, "POST", PATH, "{\"url\":"), 400, "malformed-request");
    APIGatewayV2HTTPResponse wrong = call(tenant, "PUT", PATH, "{}");
    assertProblem(wrong, 405, "method-not-allowed");
    assertThat(wrong.getHeaders().get("Allow")).contains("GET").contains("POST");
  }

  @Test
  void withoutAnApiKeyEveryOperationIs401() {
    String id = created(env.tenant("acme"), "https://hooks.example.com/in").path("id").asText();
    List<String[]> operations =
        List.of(
            new String[] {"POST", PATH, "{\"url\":\"https://hooks.example.com/x\"}"},
            new String[] {"GET", PATH, null},
            new String[] {"GET", PATH + "/" + id, null},
            new String[] {"DELETE", PATH + "/" + id, null},
            new String[] {"POST", PATH + "/" + id + "/rotate-secret", "{}"});

    for (String[] op : operations) {
      assertProblem(
          handler.handleRequest(event(null, op[0], op[1], op[2]), null), 401, "unauthorized");
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static JsonNode created(LocalTenant tenant, String url) {
    APIGatewayV2HTTPResponse response = call(tenant, "POST", PATH, "{\"url\":\"" + url + "\"}");
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
    return Json.parseTrusted(response.getBody());
  }

  private static List<JsonNode> list(LocalTenant tenant) {
    APIGatewayV2HTTPResponse response = call(tenant, "GET", PATH, null);
    assertThat(response.getStatusCode()).isEqualTo(200);
    List<JsonNode> data = new ArrayList<>();
    Json.parseTrusted(response.getBody()).path("data").forEach(data::add);
    return data;
  }

  private static APIGatewayV2HTTPResponse call(
      LocalTenant tenant, String method, String path, String body) {
    return handler.handleRequest(event(tenant, method, path, body), null);
  }

  private static APIGatewayV2HTTPEvent event(
      LocalTenant tenant, String method, String path, String body) {
    return ApiTestCalls.request(
        method, path, Map.of(), body, tenant == null ? null : tenant.apiKey());
  }

  /** The sealed secrets a delivery claimed now would be signed with. */
  private static List<String> sealedSecrets(String endpointId) throws SQLException {
    List<String> secrets = new ArrayList<>();
    try (Connection connection = env.infra().dataSource().getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "select sealed_secret from webhook_endpoint_secrets where endpoint_id = ?"
                    + " and (expires_at is null or now() < expires_at)")) {
      select.setObject(1, UUID.fromString(endpointId));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          secrets.add(rows.getString(1));
        }
      }
    }
    return secrets;
  }

  private static Object row(String sql, String id) throws SQLException {
    try (Connection connection = env.infra().dataSource().getConnection();
        PreparedStatement select = connection.prepareStatement(sql)) {
      select.setObject(1, UUID.fromString(id));
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).isTrue();
        return rows.getObject(1);
      }
    }
  }
}
