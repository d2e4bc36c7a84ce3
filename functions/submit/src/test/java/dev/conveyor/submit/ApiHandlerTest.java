package dev.conveyor.submit;

import static dev.conveyor.submit.ApiTestCalls.assertProblem;
import static dev.conveyor.submit.ApiTestCalls.authorize;
import static dev.conveyor.submit.ApiTestCalls.imageJob;
import static dev.conveyor.submit.ApiTestCalls.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.QueueMessage;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The API as Lambda invokes it: sample API Gateway v2 events from {@code events/apigw}, real
 * adapters over the emulators.
 */
class ApiHandlerTest {
  private static TestInfrastructure.Provisioned env;
  private static ApiHandler handler;
  private static LocalTenant tenant;
  private static LocalTenant otherTenant;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = new ApiHandler(new SubmitFunction(env.infra()).api());
    tenant = env.tenant("acme");
    otherTenant = env.tenant("globex");
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aValidJobIsAcceptedRecordedAndEnqueued(APIGatewayV2HTTPEvent event) {
    UUID uploadId = uploadedImage(tenant);
    event.setBody(imageJob(uploadId));
    authorize(event, tenant.apiKey());

    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

    assertThat(response.getStatusCode()).isEqualTo(202);
    JsonNode job = Json.parseTrusted(response.getBody());
    assertThat(response.getHeaders())
        .containsEntry("location", "/v1/jobs/" + job.path("id").asText());
    assertThat(response.getHeaders()).containsEntry("x-correlation-id", "demo-corr-1");
    assertThat(job.path("state").asText()).isEqualTo("queued");
    assertThat(job.path("tier").asText()).isEqualTo("standard");

    JobId id = JobId.parse(job.path("id").asText()).orElseThrow();
    Job recorded = env.infra().jobStore().find(tenant.tenant().id(), id).orElseThrow();
    assertThat(recorded.state()).isEqualTo(JobState.QUEUED);
    assertThat(recorded.correlationId()).isEqualTo("demo-corr-1");

    var messages =
        env.infra()
            .aws()
            .sqs()
            .receiveMessage(
                r -> r.queueUrl(env.env().get("QUEUE_URL_STANDARD")).maxNumberOfMessages(10))
            .messages();
    assertThat(messages).extracting(m -> QueueMessage.fromJson(m.body()).id()).contains(id.value());
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job-no-auth.json", type = APIGatewayV2HTTPEvent.class)
  void aMissingApiKeyIs401ProblemJson(APIGatewayV2HTTPEvent event) {
    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

    assertProblem(response, 401, "unauthorized");
    assertThat(response.getHeaders().get("WWW-Authenticate")).startsWith("Bearer");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aWrongApiKeyIs401ProblemJson(APIGatewayV2HTTPEvent event) {
    authorize(event, "cvk_" + "A".repeat(43));

    assertProblem(handler.handleRequest(event, null), 401, "unauthorized");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job-malformed-json.json", type = APIGatewayV2HTTPEvent.class)
  void malformedJsonIs400ProblemJson(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());

    JsonNode problem = assertProblem(handler.handleRequest(event, null), 400, "malformed-request");
    assertThat(problem.path("detail").asText()).contains("not well-formed JSON");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job-unknown-type.json", type = APIGatewayV2HTTPEvent.class)
  void anUnknownJobTypeIs422NamingTheField(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());

    JsonNode problem = assertProblem(handler.handleRequest(event, null), 422, "validation-failed");
    assertThat(problem.path("errors").get(0).path("pointer").asText()).isEqualTo("/type");
    assertThat(problem.path("errors").get(0).path("detail").asText()).contains("image.transform");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void anInvalidSpecIs422ListingEveryField(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());
    event.setBody(
        "{\"type\":\"image.transform\",\"source\":{},\"renditions\":[{\"name\":\"a\",\"width\":0}]}");

    JsonNode problem = assertProblem(handler.handleRequest(event, null), 422, "validation-failed");
    assertThat(problem.path("errors").findValuesAsText("pointer"))
        .containsExactlyInAnyOrder("/source/uploadId", "/renditions/0/width");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void anOversizedBodyIs413(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());
    event.setBody("{\"type\":\"image.transform\",\"pad\":\"" + "x".repeat(70_000) + "\"}");

    assertProblem(handler.handleRequest(event, null), 413, "payload-too-large");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void anotherTenantsJobIs404(APIGatewayV2HTTPEvent event) {
    String jobId = acceptedJob(tenant);
    event.getRequestContext().getHttp().setPath("/v1/jobs/" + jobId);

    authorize(event, otherTenant.apiKey());
    assertProblem(handler.handleRequest(event, null), 404, "not-found");

    authorize(event, tenant.apiKey());
    APIGatewayV2HTTPResponse own = handler.handleRequest(event, null);
    assertThat(own.getStatusCode()).isEqualTo(200);
    assertThat(Json.parseTrusted(own.getBody()).path("id").asText()).isEqualTo(jobId);
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void aMalformedOrUnknownJobIdIs404(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());
    for (String id :
        new String[] {"nope", UUID.randomUUID().toString(), event.getRawPath().substring(9)}) {
      event.getRequestContext().getHttp().setPath("/v1/jobs/" + id);
      assertProblem(handler.handleRequest(event, null), 404, "not-found");
    }
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aSourceUploadThatNeverArrivedIs422(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());
    UUID pending =
        UUID.fromString(Json.parseTrusted(createUpload(tenant).getBody()).path("id").asText());
    event.setBody(imageJob(pending));

    JsonNode problem = assertProblem(handler.handleRequest(event, null), 422, "validation-failed");
    assertThat(problem.path("errors").get(0).path("detail").asText())
        .isEqualTo("upload not received");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload.json", type = APIGatewayV2HTTPEvent.class)
  void anUploadGetsAPresignedPutBoundToItsContentType(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());

    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

    assertThat(response.getStatusCode()).isEqualTo(201);
    JsonNode ticket = Json.parseTrusted(response.getBody());
    assertThat(ticket.path("method").asText()).isEqualTo("PUT");
    assertThat(ticket.path("url").asText())
        .contains("uploads/" + tenant.tenant().id() + "/" + ticket.path("id").asText())
        .contains("X-Amz-Signature=");
    assertThat(ticket.path("headers").path("content-type").asText()).isEqualTo("image/jpeg");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload-base64.json", type = APIGatewayV2HTTPEvent.class)
  void aBase64EncodedBodyIsDecoded(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());

    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

    assertThat(response.getStatusCode()).isEqualTo(201);
    assertThat(Json.parseTrusted(response.getBody()).path("headers").path("content-type").asText())
        .isEqualTo("image/png");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/get-job.json", type = APIGatewayV2HTTPEvent.class)
  void unknownRoutesAre404AndWrongMethods405(APIGatewayV2HTTPEvent event) {
    authorize(event, tenant.apiKey());
    event.getRequestContext().getHttp().setPath("/v1/nothing-here");
    assertProblem(handler.handleRequest(event, null), 404, "not-found");

    event.getRequestContext().getHttp().setPath("/v1/jobs");
    event.getRequestContext().getHttp().setMethod("PUT");
    APIGatewayV2HTTPResponse wrongMethod = handler.handleRequest(event, null);
    assertProblem(wrongMethod, 405, "method-not-allowed");
    assertThat(wrongMethod.getHeaders()).containsEntry("Allow", "POST, GET");
  }

  // --- helpers -------------------------------------------------------------------------------

  private static APIGatewayV2HTTPResponse createUpload(LocalTenant owner) {
    APIGatewayV2HTTPResponse response =
        handler.handleRequest(
            post(
                "/v1/uploads",
                "{\"contentType\":\"image/jpeg\",\"contentLength\":3}",
                owner.apiKey()),
            null);
    assertThat(response.getStatusCode()).isEqualTo(201);
    return response;
  }

  private static UUID uploadedImage(LocalTenant owner) {
    return ApiTestCalls.uploadedImage(handler, env, owner);
  }

  private static String acceptedJob(LocalTenant owner) {
    APIGatewayV2HTTPEvent event = post("/v1/jobs", imageJob(uploadedImage(owner)), owner.apiKey());
    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
    assertThat(response.getStatusCode()).isEqualTo(202);
    return Json.parseTrusted(response.getBody()).path("id").asText();
  }
}
