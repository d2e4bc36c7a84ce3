package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The OpenAPI document and the handlers describe the same API: every route and every status a route
 * can answer is documented, and the document promises nothing the handlers don't do.
 */
class OpenApiContractTest {
  private static TestInfrastructure.Provisioned env;
  private static Api api;
  private static JsonNode document;

  @BeforeAll
  static void load() {
    env = TestInfrastructure.provision();
    api = new SubmitFunction(env.infra()).api();
    document =
        Json.parseTrusted(
            new String(
                readResource(OpenApiResource.DOCUMENT), java.nio.charset.StandardCharsets.UTF_8));
  }

  @AfterAll
  static void close() {
    env.close();
  }

  private static byte[] readResource(String name) {
    try (var in = OpenApiContractTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** "POST /v1/jobs" → its statuses, from the handlers. */
  private static Map<String, Set<Integer>> fromHandlers() {
    Map<String, Set<Integer>> operations = new TreeMap<>();
    for (Route route : api.routes()) {
      operations.put(route.method() + " " + route.template(), route.allStatuses());
    }
    return operations;
  }

  /** "POST /v1/jobs" → its statuses, from the document. */
  private static Map<String, Set<Integer>> fromDocument() {
    Map<String, Set<Integer>> operations = new TreeMap<>();
    document
        .path("paths")
        .properties()
        .forEach(path ->
            path.getValue()
                .properties()
                .forEach(operation -> {
                  Set<Integer> statuses = new TreeSet<>();
                  operation
                      .getValue()
                      .path("responses")
                      .fieldNames()
                      .forEachRemaining(code -> statuses.add(Integer.parseInt(code)));
                  operations.put(
                      operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), statuses);
                }));
    return operations;
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedOperationExists() {
    assertThat(fromDocument().keySet()).isEqualTo(fromHandlers().keySet());
  }

  @Test
  void eachOperationDocumentsExactlyTheStatusesItsRouteCanAnswer() {
    assertThat(fromDocument()).isEqualTo(fromHandlers());
  }

  @Test
  void everyHandlerDeclaresItsOwnStatuses() {
    for (Route route : api.routes()) {
      assertThat(route.statuses())
          .as("%s %s declares what it answers", route.method(), route.template())
          .isNotEmpty();
    }
  }

  @Test
  void theDocumentIsOpenApi31AndEveryReferenceResolves() {
    assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
    String text = document.toString();
    var refs = java.util.regex.Pattern.compile("\"\\$ref\":\"#/([^\"]+)\"").matcher(text);
    while (refs.find()) {
      JsonNode target = document.at("/" + refs.group(1));
      assertThat(target.isMissingNode()).as("$ref #/%s resolves", refs.group(1)).isFalse();
    }
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void theDocumentIsServedWithoutAnApiKey(APIGatewayV2HTTPEvent event) {
    Map<String, String> headers = new HashMap<>(event.getHeaders());
    headers.remove("authorization");
    event.setHeaders(headers);
    event.getRequestContext().getHttp().setPath("/v1/openapi.json");

    APIGatewayV2HTTPResponse response = new ApiHandler(api).handleRequest(event, null);

    assertThat(response.getStatusCode()).isEqualTo(200);
    assertThat(Json.parseTrusted(response.getBody())).isEqualTo(document);
  }
}
