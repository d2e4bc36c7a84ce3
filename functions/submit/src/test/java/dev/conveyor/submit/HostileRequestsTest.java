package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client mistakes get a 4xx problem document, never a 500: every request here is wrong in some way
 * a real client (or attacker) gets wrong.
 */
class HostileRequestsTest {
  private static TestInfrastructure.Provisioned env;
  private static ApiHandler handler;
  private static String apiKey;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = new ApiHandler(new SubmitFunction(env.infra()).api());
    apiKey = env.tenant("hostile").apiKey();
  }

  @AfterAll
  static void close() {
    env.close();
  }

  private static final String VALID_RENDITION = "{\"name\":\"t\",\"width\":100}";

  static Stream<Arguments> hostileJobRequests() {
    return Stream.of(
        hostile("empty body", "", 400),
        hostile("whitespace only", "   \n ", 400),
        hostile("truncated JSON", "{\"type\":", 400),
        hostile("two JSON documents", "{} {}", 400),
        hostile("trailing garbage", "{\"type\":\"image.transform\"} x", 400),
        hostile("JSON null", "null", 422),
        hostile("JSON array", "[1,2,3]", 422),
        hostile("JSON string", "\"image.transform\"", 422),
        hostile("type is a number", "{\"type\":42}", 422),
        hostile("type is an object", "{\"type\":{\"a\":1}}", 422),
        hostile("missing type", "{\"source\":{\"uploadId\":\"x\"}}", 422),
        hostile("unknown type", "{\"type\":\"audio.normalize\"}", 422),
        hostile(
            "missing source",
            "{\"type\":\"image.transform\",\"renditions\":[" + VALID_RENDITION + "]}",
            422),
        hostile("source id not a UUID", job("\"not-a-uuid\"", VALID_RENDITION), 422),
        hostile(
            "source id of nobody",
            job("\"0193a000-0000-7000-8000-000000000000\"", VALID_RENDITION),
            422),
        hostile("negative width", job(uuid(), "{\"name\":\"t\",\"width\":-5}"), 422),
        hostile("huge width", job(uuid(), "{\"name\":\"t\",\"width\":99999999999999}"), 422),
        hostile("width beyond double", job(uuid(), "{\"name\":\"t\",\"width\":1e400}"), 422),
        hostile("width as string", job(uuid(), "{\"name\":\"t\",\"width\":\"100\"}"), 422),
        hostile(
            "unknown format", job(uuid(), "{\"name\":\"t\",\"width\":10,\"format\":\"bmp\"}"), 422),
        hostile(
            "unknown field", job(uuid(), "{\"name\":\"t\",\"width\":10,\"sharpen\":true}"), 422),
        hostile("unknown top-level field", "{\"type\":\"image.transform\",\"priority\":1}", 422),
        hostile("renditions not an array", "{\"type\":\"image.transform\",\"renditions\":{}}", 422),
        hostile(
            "too many renditions",
            job(uuid(), String.join(",", java.util.Collections.nCopies(11, VALID_RENDITION))),
            422),
        hostile(
            "deeply nested JSON", "{\"type\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 400),
        hostile("huge body", "{\"type\":\"" + "x".repeat(200_000) + "\"}", 413),
        hostile("huge number of fields", "{" + fields(3000) + "}", 413));
  }

  @ParameterizedTest(name = "{0} → {2}")
  @MethodSource("hostileJobRequests")
  void aHostileJobRequestIsAProblemNeverA500(String what, byte[] body, int status) {
    APIGatewayV2HTTPResponse response =
        handler.handleRequest(post("/v1/jobs", body, "application/json"), null);

    assertProblem(response, status);
  }

  @ParameterizedTest(name = "invalid UTF-8 → 400")
  @MethodSource("invalidUtf8")
  void invalidUtf8IsA400(byte[] body) {
    assertProblem(handler.handleRequest(post("/v1/jobs", body, "application/json"), null), 400);
  }

  static Stream<byte[]> invalidUtf8() {
    return Stream.of(
        new byte[] {'{', '"', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
        new byte[] {'{', '"', (byte) 0xFF, (byte) 0xFE, '"', ':', '1', '}'},
        new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'});
  }

  @ParameterizedTest(name = "content type {0} → 415")
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"text/plain", "application/xml", "multipart/form-data; boundary=x", "image/jpeg"})
  void aBodyThatIsNotJsonIs415(String contentType) {
    assertProblem(
        handler.handleRequest(
            post("/v1/jobs", "{}".getBytes(StandardCharsets.UTF_8), contentType), null),
        415);
  }

  @org.junit.jupiter.api.Test
  void aBodyFlaggedBase64ThatIsNotBase64IsA400() {
    APIGatewayV2HTTPEvent event = post("/v1/jobs", new byte[0], "application/json");
    event.setBody("%%% not base64 %%%");
    event.setIsBase64Encoded(true);

    assertProblem(handler.handleRequest(event, null), 400);
  }

  @ParameterizedTest(name = "upload {0} → {2}")
  @MethodSource("hostileUploads")
  void aHostileUploadRequestIsAProblemNeverA500(String what, byte[] body, int status) {
    assertProblem(
        handler.handleRequest(post("/v1/uploads", body, "application/json"), null), status);
  }

  static Stream<Arguments> hostileUploads() {
    return Stream.of(
        hostile("no content type", "{}", 422),
        hostile("content type not a media type", "{\"contentType\":\"jpeg\"}", 422),
        hostile("content type a number", "{\"contentType\":7}", 422),
        hostile("array body", "[]", 422),
        hostile("no content length", "{\"contentType\":\"image/jpeg\"}", 422),
        hostile(
            "negative content length",
            "{\"contentType\":\"image/jpeg\",\"contentLength\":-1}",
            422),
        hostile(
            "huge content length", "{\"contentType\":\"image/jpeg\",\"contentLength\":1e30}", 422),
        hostile(
            "content length a string",
            "{\"contentType\":\"image/jpeg\",\"contentLength\":\"10\"}",
            422),
        hostile(
            "unsupported content type",
            "{\"contentType\":\"image/gif\",\"contentLength\":10}",
            422),
        hostile(
            "invalid recipe",
            "{\"contentType\":\"image/jpeg\",\"contentLength\":10,\"recipe\":{\"type\":\"image.transform\",\"renditions\":[]}}",
            422));
  }

  @ParameterizedTest(name = "listing {0} → {1}")
  @MethodSource("hostileListings")
  void aHostileListingIsAProblemNeverA500(String query, int status) {
    APIGatewayV2HTTPEvent event = post("/v1/jobs", new byte[0], "application/json");
    event.getRequestContext().getHttp().setMethod("GET");
    event.setBody(null);
    event.setIsBase64Encoded(false);
    Map<String, String> parameters = new HashMap<>();
    for (String pair : query.split("&")) {
      String[] kv = pair.split("=", 2);
      parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
    }
    event.setQueryStringParameters(parameters);

    assertProblem(handler.handleRequest(event, null), status);
  }

  static Stream<Arguments> hostileListings() {
    return Stream.of(
        Arguments.of("cursor=not-a-cursor", 400),
        Arguments.of("cursor=" + "A".repeat(44), 400),
        Arguments.of("cursor=%%%", 400),
        Arguments.of("state=exploded", 422),
        Arguments.of("limit=0", 422),
        Arguments.of("limit=1000000000000", 422),
        Arguments.of("limit=ten", 422),
        Arguments.of("createdAfter=yesterday", 422),
        Arguments.of("type=audio.normalize", 422),
        Arguments.of("sort=asc", 422));
  }

  // --- helpers -------------------------------------------------------------------------------

  private static Arguments hostile(String what, String body, int status) {
    return Arguments.of(what, body.getBytes(StandardCharsets.UTF_8), status);
  }

  private static String uuid() {
    return "\"" + java.util.UUID.randomUUID() + "\"";
  }

  private static String job(String uploadId, String renditions) {
    return "{\"type\":\"image.transform\",\"source\":{\"uploadId\":"
        + uploadId
        + "},\"renditions\":["
        + renditions
        + "]}";
  }

  private static String fields(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",")
          .append("\"field")
          .append(i)
          .append("\":\"")
          .append("v".repeat(20))
          .append('"');
    }
    return b.toString();
  }

  /** A request as API Gateway sends one with a binary-safe (base64) body. */
  private static APIGatewayV2HTTPEvent post(String path, byte[] body, String contentType) {
    APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
    event.setRawPath(path);
    event.setRequestContext(
        APIGatewayV2HTTPEvent.RequestContext.builder()
            .withRequestId("hostile")
            .withHttp(
                APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                    .withMethod("POST")
                    .withPath(path)
                    .build())
            .build());
    Map<String, String> headers = new HashMap<>();
    headers.put("content-type", contentType);
    headers.put("authorization", "Bearer " + apiKey);
    event.setHeaders(headers);
    event.setBody(Base64.getEncoder().encodeToString(body));
    event.setIsBase64Encoded(true);
    return event;
  }

  private static void assertProblem(APIGatewayV2HTTPResponse response, int status) {
    assertThat(response.getStatusCode()).isEqualTo(status);
    assertThat(response.getHeaders()).containsEntry("content-type", "application/problem+json");
    JsonNode problem = Json.parseTrusted(response.getBody());
    assertThat(problem.path("type").asText()).startsWith("https://conveyor.dev/problems/");
    assertThat(problem.path("title").asText()).isNotBlank();
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("detail").asText()).isNotBlank();
  }
}
