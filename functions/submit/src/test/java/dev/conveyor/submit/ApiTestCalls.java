package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.upload.Upload;
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

  /** A POST as API Gateway (HTTP API, payload 2.0) delivers one, signed in with {@code apiKey}. */
  static APIGatewayV2HTTPEvent post(String path, String jsonBody, String apiKey) {
    return request("POST", path, Map.of(), jsonBody, apiKey);
  }

  /**
   * A request as API Gateway (HTTP API, payload 2.0) delivers one.
   *
   * @param query the query string parameters (none: empty)
   * @param jsonBody the body, sent as {@code application/json}, or null for none
   * @param apiKey signs the request in, or null for an anonymous request
   */
  static APIGatewayV2HTTPEvent request(
      String method, String path, Map<String, String> query, String jsonBody, String apiKey) {
    APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
    event.setVersion("2.0");
    event.setRouteKey("$default");
    event.setRawPath(path);
    event.setRequestContext(
        APIGatewayV2HTTPEvent.RequestContext.builder()
            .withRequestId("req-" + UUID.randomUUID())
            .withHttp(
                APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                    .withMethod(method)
                    .withPath(path)
                    .build())
            .build());
    Map<String, String> headers = new HashMap<>();
    if (jsonBody != null) {
      headers.put("content-type", "application/json");
      event.setBody(jsonBody);
    }
    if (apiKey != null) {
      headers.put("authorization", "Bearer " + apiKey);
    }
    event.setHeaders(headers);
    if (!query.isEmpty()) {
      event.setQueryStringParameters(new HashMap<>(query));
    }
    return event;
  }

  /**
   * An upload made through the API whose file is in S3 (written through the adapter, as the
   * client's presigned PUT would).
   */
  static UUID uploadedImage(
      ApiHandler handler, TestInfrastructure.Provisioned env, LocalTenant owner) {
    APIGatewayV2HTTPResponse response =
        handler.handleRequest(
            post(
                "/v1/uploads",
                "{\"contentType\":\"image/jpeg\",\"contentLength\":3}",
                owner.apiKey()),
            null);
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
    UUID id = UUID.fromString(Json.parseTrusted(response.getBody()).path("id").asText());
    env.infra()
        .blobStore()
        .put(
            env.env().get("UPLOADS_BUCKET"),
            Upload.objectKey(owner.tenant().id(), id),
            new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF},
            "image/jpeg",
            Map.of());
    return id;
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
