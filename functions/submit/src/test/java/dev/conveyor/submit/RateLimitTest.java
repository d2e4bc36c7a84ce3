package dev.conveyor.submit;

import static dev.conveyor.submit.ApiTestCalls.authorize;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/** Per-tenant, per-class limits, shared through DynamoDB by every container of the function. */
class RateLimitTest {
  private static TestInfrastructure.Provisioned env;
  private static ApiHandler containerA;
  private static ApiHandler containerB;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    Map<String, String> tight = new HashMap<>(env.env());
    tight.put("RATE_LIMIT_READS_PER_SECOND", "1");
    tight.put("RATE_LIMIT_READS_BURST", "3");
    // Two submit functions on one table: two Lambda containers of one function.
    containerA = handler(tight);
    containerB = handler(tight);
  }

  private static ApiHandler handler(Map<String, String> settings) {
    var infra = dev.conveyor.adapters.Infrastructure.fromEnvironment(Env.of(settings));
    return new ApiHandler(new SubmitFunction(infra).api());
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void aTenantsBurstIsSharedAcrossContainersThen429WithRetryAfter(APIGatewayV2HTTPEvent event) {
    LocalTenant tenant = env.tenant("limited");
    authorize(event, tenant);

    int passed = 0;
    APIGatewayV2HTTPResponse limited = null;
    for (int i = 0; i < 6; i++) {
      APIGatewayV2HTTPResponse r =
          (i % 2 == 0 ? containerA : containerB).handleRequest(event, null);
      if (r.getStatusCode() == 429) {
        limited = r;
      } else {
        assertThat(r.getStatusCode()).isEqualTo(404); // the job does not exist: a read all the same
        passed++;
      }
    }

    assertThat(passed).isEqualTo(3);
    assertThat(limited).isNotNull();
    assertThat(limited.getHeaders()).containsEntry("Retry-After", "1");
    assertThat(limited.getHeaders()).containsEntry("content-type", "application/problem+json");
    var problem = Json.parseTrusted(limited.getBody());
    assertThat(problem.path("type").asText())
        .isEqualTo("https://conveyor.dev/problems/rate-limited");
    assertThat(problem.path("status").asInt()).isEqualTo(429);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void oneTenantsSpentLimitLeavesOtherTenantsAlone(APIGatewayV2HTTPEvent event) {
    LocalTenant noisy = env.tenant("noisy");
    authorize(event, noisy);
    for (int i = 0; i < 5; i++) {
      containerA.handleRequest(event, null);
    }
    assertThat(containerA.handleRequest(event, null).getStatusCode()).isEqualTo(429);

    authorize(event, env.tenant("quiet"));
    assertThat(containerA.handleRequest(event, null).getStatusCode()).isEqualTo(404);
  }
}
