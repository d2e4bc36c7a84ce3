package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.core.json.Json;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** What the submit tests share: signing events in as a tenant, valid bodies, problem checks. */
final class ApiTestCalls {
  private ApiTestCalls() {}

  static void authorize(APIGatewayV2HTTPEvent event, String apiKey) {
    Map<String, String> headers = new HashMap<>(event.getHeaders());
    headers.put("authorization", "Bearer " + apiKey);
    event.setHeaders(headers);
  }

  static void authorize(APIGatewayV2HTTPEvent event, LocalTenant tenant) {
    authorize(event, tenant.apiKey());
  }

  /** A valid {@code image.transform} job body on this upload, with one small rendition. */
  static String imageJob(UUID uploadId) {
    return "{\"type\":\"image.transform\",\"source\":{\"uploadId\":\""
        + uploadId
        + "\"},\"renditions\":[{\"name\":\"thumb\",\"width\":320}]}";
  }

  /** An RFC 9457 problem document of this status and type, with every member a client reads. */
  static JsonNode assertProblem(APIGatewayV2HTTPResponse response, int status, String type) {
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(status);
    assertThat(response.getHeaders()).containsEntry("content-type", "application/problem+json");
    JsonNode problem = Json.parseTrusted(response.getBody());
    assertThat(problem.path("type").asText()).isEqualTo("https://conveyor.dev/problems/" + type);
    assertThat(problem.path("title").asText()).isNotBlank();
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("detail").asText()).isNotBlank();
    return problem;
  }
}
