package dev.conveyor.submit;

import static dev.conveyor.submit.ApiTestCalls.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Registration's SSRF guard through the API: the host of a new endpoint is resolved (here from this
 * module's test hosts file, where {@code *.evil.test} point inwards) and refused with 422 problem
 * details naming why.
 */
class WebhookEndpointAddressesTest {
  private static final String PATH = "/v1/webhook-endpoints";

  private static TestInfrastructure.Provisioned env;
  private static ApiHandler localStack;
  private static Infrastructure strictInfra;
  private static ApiHandler strict;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    // The local stack's settings (WEBHOOK_ALLOW_LOOPBACK_HTTP=true), and a deployment's.
    assertThat(env.env()).containsEntry("WEBHOOK_ALLOW_LOOPBACK_HTTP", "true");
    localStack = new ApiHandler(new SubmitFunction(env.infra()).api());
    Map<String, String> deployed = new HashMap<>(env.env());
    deployed.put("WEBHOOK_ALLOW_LOOPBACK_HTTP", "false");
    deployed.put("DB_MIGRATE", "false");
    strictInfra = Infrastructure.fromEnvironment(Env.of(deployed));
    strict = new ApiHandler(new SubmitFunction(strictInfra).api());
  }

  @AfterAll
  static void close() {
    if (strictInfra != null) {
      strictInfra.close();
    }
    if (env != null) {
      env.close();
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          https://metadata.evil.test/latest/meta-data/ | a link-local address (metadata.evil.test resolves to 169.254.169.254, in 169.254.0.0/16)
          https://metadata6.evil.test/latest/meta-data/ | a unique local address (metadata6.evil.test resolves to fd00:ec2:0:0:0:0:0:254, in fc00::/7)
          https://private.evil.test/in                 | a private address (private.evil.test resolves to 10.0.0.5, in 10.0.0.0/8)
          https://mixed.evil.test/in                   | a private address (mixed.evil.test resolves to 10.0.0.5, in 10.0.0.0/8)
          https://loopback.evil.test/in                | a loopback address (loopback.evil.test resolves to 127.0.0.1, in 127.0.0.0/8)
          https://localhost/in                         | a loopback address (localhost resolves to 127.0.0.1, in 127.0.0.0/8)
          https://169.254.169.254/latest/meta-data/    | a link-local address (169.254.169.254, in 169.254.0.0/16)
          https://[::ffff:10.0.0.5]/in                 | a private address (10.0.0.5, in 10.0.0.0/8)
          """)
  void anEndpointThatWouldReachAnInternalAddressIs422NamingTheAddress(String url, String reason) {
    LocalTenant tenant = env.tenant("acme-" + UUID.randomUUID());

    JsonNode problem = assertProblem(register(strict, tenant, url), 422, "validation-failed");

    assertThat(problem.path("errors").size()).isEqualTo(1);
    assertThat(problem.path("errors").get(0).path("pointer").asText()).isEqualTo("/url");
    assertThat(problem.path("errors").get(0).path("detail").asText())
        .isEqualTo("must not reach " + reason);
    assertThat(endpointsOf(strict, tenant)).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://2130706433/in",
        "https://0x7f000001/in",
        "https://0x7f.1/in",
        "https://0177.0.0.1/in",
        "https://127.1/in",
        "https://0251.0376.0251.0376/in",
        "http://2130706433:8080/in"
      })
  void anIpv4AddressSpelledOtherThanAsFourDecimalNumbersIs422(String url) {
    LocalTenant tenant = env.tenant("acme-" + UUID.randomUUID());

    for (ApiHandler handler : new ApiHandler[] {strict, localStack}) {
      JsonNode problem = assertProblem(register(handler, tenant, url), 422, "validation-failed");

      assertThat(problem.path("errors").get(0).path("detail").asText())
          .contains("four decimal numbers");
    }
  }

  @Test
  void withTheLocalStacksOptInLoopbackAndOnlyLoopbackMayBeRegistered() {
    LocalTenant tenant = env.tenant("acme-" + UUID.randomUUID());

    assertThat(register(localStack, tenant, "http://receiver.test:9000/in").getStatusCode())
        .isEqualTo(201);
    assertThat(register(localStack, tenant, "http://127.0.0.1:9000/in").getStatusCode())
        .isEqualTo(201);
    assertThat(
            assertProblem(
                    register(localStack, tenant, "http://private.evil.test/in"),
                    422,
                    "validation-failed")
                .path("errors")
                .get(0)
                .path("detail")
                .asText())
        .isEqualTo("must use https (http only to a loopback host)");
    assertThat(
            assertProblem(
                    register(localStack, tenant, "https://metadata.evil.test/latest/meta-data/"),
                    422,
                    "validation-failed")
                .path("errors")
                .get(0)
                .path("detail")
                .asText())
        .startsWith("must not reach a link-local address");
    assertThat(endpointsOf(localStack, tenant)).isEqualTo(2);
  }

  @Test
  void aPublicHostIsRegisteredAndAHostThatDoesNotResolveIsNot() {
    LocalTenant tenant = env.tenant("acme-" + UUID.randomUUID());

    assertThat(register(strict, tenant, "https://hooks.example.com/in").getStatusCode())
        .isEqualTo(201);
    JsonNode problem =
        assertProblem(
            register(strict, tenant, "https://no-such-receiver.invalid/in"),
            422,
            "validation-failed");
    assertThat(problem.path("errors").get(0).path("detail").asText())
        .isEqualTo("must name a host that resolves");
  }

  private static APIGatewayV2HTTPResponse register(
      ApiHandler handler, LocalTenant tenant, String url) {
    return handler.handleRequest(event(tenant, "POST", PATH, "{\"url\":\"" + url + "\"}"), null);
  }

  private static int endpointsOf(ApiHandler handler, LocalTenant tenant) {
    APIGatewayV2HTTPResponse listed = handler.handleRequest(event(tenant, "GET", PATH, null), null);
    assertThat(listed.getStatusCode()).isEqualTo(200);
    return Json.parseTrusted(listed.getBody()).path("data").size();
  }

  private static APIGatewayV2HTTPEvent event(
      LocalTenant tenant, String method, String path, String body) {
    return ApiTestCalls.request(method, path, Map.of(), body, tenant.apiKey());
  }
}
