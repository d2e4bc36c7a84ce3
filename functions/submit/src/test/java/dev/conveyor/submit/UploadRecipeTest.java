package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.upload.Upload;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * Uploads that carry a recipe, through the handlers as Lambda invokes them: {@code POST
 * /v1/uploads} (API Gateway v2 events from {@code events/apigw}), then S3's "object created" via
 * SQS ({@code events/sqs}), on real adapters over the emulators.
 */
class UploadRecipeTest {
  private static final String THUMB_RECIPE =
      "{\"type\":\"image.transform\",\"renditions\":[{\"name\":\"thumb\",\"width\":320}]}";
  private static final long FIFTY_MIB = 50L * 1024 * 1024;

  private static TestInfrastructure.Provisioned env;
  private static ApiHandler api;
  private static UploadEventHandler uploadEvents;
  private static LocalTenant tenant;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    SubmitFunction submit = new SubmitFunction(env.infra());
    api = new ApiHandler(submit.api());
    uploadEvents = new UploadEventHandler(submit.recordUpload(), submit.batchProcessor());
    tenant = env.tenant("recipes");
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload.json", type = APIGatewayV2HTTPEvent.class)
  void anUploadWithARecipeBecomesExactlyOneJobWhenItsObjectLands(APIGatewayV2HTTPEvent event) {
    event.setBody(uploadBody(48213, THUMB_RECIPE));
    authorize(event);

    APIGatewayV2HTTPResponse created = api.handleRequest(event, null);

    assertThat(created.getStatusCode()).isEqualTo(201);
    JsonNode ticket = Json.parseTrusted(created.getBody());
    assertThat(ticket.path("headers").path("content-length").asText()).isEqualTo("48213");
    assertThat(ticket.path("headers").path("content-type").asText()).isEqualTo("image/jpeg");
    Upload upload = upload(ticket);
    assertThat(upload.state()).isEqualTo(Upload.State.PENDING);
    assertThat(jobsFrom(upload)).isZero();

    SQSEvent landed = objectCreated(upload, 48213);
    assertThat(uploadEvents.handleRequest(landed, null).getBatchItemFailures()).isEmpty();
    assertThat(uploadEvents.handleRequest(landed, null).getBatchItemFailures()).isEmpty();

    Upload received = stored(upload);
    assertThat(received.state()).isEqualTo(Upload.State.RECEIVED);
    assertThat(received.jobId()).isNotNull();
    assertThat(jobsFrom(upload)).isEqualTo(1);
    Job job = env.infra().jobStore().find(tenant.tenant().id(), received.jobId()).orElseThrow();
    assertThat(job.state()).isEqualTo(JobState.QUEUED);
    assertThat(job.correlationId()).isEqualTo(upload.id().toString());
    assertThat(queuedJobIds()).contains(job.id().value());

    APIGatewayV2HTTPResponse got = api.handleRequest(getJob(job.id().toString()), null);
    assertThat(got.getStatusCode()).isEqualTo(200);
    JsonNode presented = Json.parseTrusted(got.getBody());
    assertThat(presented.path("id").asText()).isEqualTo(job.id().toString());
    assertThat(presented.toString()).contains(upload.id().toString()).contains("thumb");
  }

  @ParameterizedTest
  @Event(value = "events/sqs/uploads-s3-event-batch.json", type = SQSEvent.class)
  void twoDeliveriesOfTheEventAtOnceMakeOneJob(SQSEvent landed) throws Exception {
    Upload upload = upload(ticket(1000, THUMB_RECIPE));
    pointAt(landed, upload, 1000);
    int deliveries = 2;
    CountDownLatch start = new CountDownLatch(1);
    List<SQSBatchResponse> responses = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(deliveries)) {
      List<Future<SQSBatchResponse>> futures = new ArrayList<>();
      for (int i = 0; i < deliveries; i++) {
        futures.add(
            pool.submit(() -> {
              start.await();
              return uploadEvents.handleRequest(landed, null);
            }));
      }
      start.countDown();
      for (Future<SQSBatchResponse> future : futures) {
        responses.add(future.get());
      }
    }

    assertThat(responses).allSatisfy(r -> assertThat(r.getBatchItemFailures()).isEmpty());
    assertThat(jobsFrom(upload)).isEqualTo(1);
    assertThat(stored(upload).jobId()).isNotNull();
  }

  @ParameterizedTest
  @Event(value = "events/sqs/uploads-s3-event-batch.json", type = SQSEvent.class)
  void anUploadWithoutARecipeCreatesNoJob(SQSEvent landed) {
    Upload upload = upload(ticket(1000, null));
    pointAt(landed, upload, 1000);

    assertThat(uploadEvents.handleRequest(landed, null).getBatchItemFailures()).isEmpty();

    Upload received = stored(upload);
    assertThat(received.state()).isEqualTo(Upload.State.RECEIVED);
    assertThat(received.jobId()).isNull();
    assertThat(jobsFrom(upload)).isZero();
  }

  @ParameterizedTest
  @Event(value = "events/sqs/uploads-s3-event-batch.json", type = SQSEvent.class)
  void anObjectOverTheLimitRejectsTheUploadAndCreatesNoJob(SQSEvent landed) {
    Upload upload = upload(ticket(FIFTY_MIB, THUMB_RECIPE));
    pointAt(landed, upload, FIFTY_MIB + 1);

    assertThat(uploadEvents.handleRequest(landed, null).getBatchItemFailures()).isEmpty();
    assertThat(uploadEvents.handleRequest(landed, null).getBatchItemFailures()).isEmpty();

    Upload rejected = stored(upload);
    assertThat(rejected.state()).isEqualTo(Upload.State.REJECTED);
    assertThat(rejected.rejectedReason()).isEqualTo("too-large");
    assertThat(rejected.size()).isEqualTo(FIFTY_MIB + 1);
    assertThat(rejected.jobId()).isNull();
    assertThat(jobsFrom(upload)).isZero();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload.json", type = APIGatewayV2HTTPEvent.class)
  void anInvalidRecipeIs422WithPointersIntoTheRecipe(APIGatewayV2HTTPEvent event) {
    event.setBody(
        uploadBody(
            1000,
            "{\"type\":\"image.transform\",\"source\":{\"uploadId\":\"x\"},"
                + "\"renditions\":[{\"name\":\"Bad Name\",\"width\":0,\"quality\":101}]}"));
    authorize(event);

    JsonNode problem = problem(api.handleRequest(event, null));

    assertThat(problem.path("errors").findValuesAsText("pointer"))
        .containsExactlyInAnyOrder(
            "/recipe/source",
            "/recipe/renditions/0/name",
            "/recipe/renditions/0/width",
            "/recipe/renditions/0/quality");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload.json", type = APIGatewayV2HTTPEvent.class)
  void anUnknownRecipeTypeIs422AtSlashRecipeSlashType(APIGatewayV2HTTPEvent event) {
    event.setBody(uploadBody(1000, "{\"type\":\"video.transcode\",\"renditions\":[]}"));
    authorize(event);

    JsonNode problem = problem(api.handleRequest(event, null));

    assertThat(problem.path("errors").findValuesAsText("pointer")).containsExactly("/recipe/type");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload.json", type = APIGatewayV2HTTPEvent.class)
  void aMissingLengthAndAnUnsupportedTypeAre422NamingBoth(APIGatewayV2HTTPEvent event) {
    event.setBody("{\"contentType\":\"image/gif\"}");
    authorize(event);

    JsonNode problem = problem(api.handleRequest(event, null));

    assertThat(problem.path("errors").findValuesAsText("pointer"))
        .containsExactlyInAnyOrder("/contentType", "/contentLength");
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-upload.json", type = APIGatewayV2HTTPEvent.class)
  void aLengthOverTheLimitIs422(APIGatewayV2HTTPEvent event) {
    event.setBody(uploadBody(FIFTY_MIB + 1, null));
    authorize(event);

    JsonNode problem = problem(api.handleRequest(event, null));

    assertThat(problem.path("errors").findValuesAsText("pointer"))
        .containsExactly("/contentLength");
  }

  // --- helpers -------------------------------------------------------------------------------

  private static String uploadBody(long contentLength, String recipe) {
    return "{\"contentType\":\"image/jpeg\",\"contentLength\":"
        + contentLength
        + (recipe == null ? "" : ",\"recipe\":" + recipe)
        + "}";
  }

  private static JsonNode ticket(long contentLength, String recipe) {
    APIGatewayV2HTTPEvent event =
        EventLoader.loadApiGatewayHttpEvent("events/apigw/post-upload.json");
    event.setBody(uploadBody(contentLength, recipe));
    authorize(event);
    APIGatewayV2HTTPResponse response = api.handleRequest(event, null);
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
    return Json.parseTrusted(response.getBody());
  }

  private static Upload upload(JsonNode ticket) {
    return env.infra()
        .uploadStore()
        .find(tenant.tenant().id(), UUID.fromString(ticket.path("id").asText()))
        .orElseThrow();
  }

  private static Upload stored(Upload upload) {
    return env.infra().uploadStore().find(tenant.tenant().id(), upload.id()).orElseThrow();
  }

  private static APIGatewayV2HTTPEvent getJob(String id) {
    APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/apigw/get-job.json");
    event.getRequestContext().getHttp().setPath("/v1/jobs/" + id);
    authorize(event);
    return event;
  }

  /** The fixture's batch with its notification pointed at a real upload and size. */
  private static SQSEvent objectCreated(Upload upload, long size) {
    SQSEvent event = EventLoader.loadSQSEvent("events/sqs/uploads-s3-event-batch.json");
    pointAt(event, upload, size);
    return event;
  }

  private static void pointAt(SQSEvent event, Upload upload, long size) {
    SQSEvent.SQSMessage notification = event.getRecords().get(0);
    ObjectNode root = (ObjectNode) Json.parseTrusted(notification.getBody());
    ObjectNode s3 = (ObjectNode) root.path("Records").get(0).path("s3");
    ((ObjectNode) s3.path("bucket")).put("name", upload.bucket());
    ((ObjectNode) s3.path("object")).put("key", upload.key()).put("size", size);
    notification.setBody(Json.write(root));
  }

  private static void authorize(APIGatewayV2HTTPEvent event) {
    ApiTestCalls.authorize(event, tenant);
  }

  private static JsonNode problem(APIGatewayV2HTTPResponse response) {
    assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(422);
    assertThat(response.getHeaders()).containsEntry("content-type", "application/problem+json");
    return Json.parseTrusted(response.getBody());
  }

  /** Jobs whose source is this upload, straight from the table. */
  private static long jobsFrom(Upload upload) {
    try (Connection connection = env.infra().dataSource().getConnection();
        PreparedStatement count =
            connection.prepareStatement(
                "select count(*) from jobs where spec -> 'source' ->> 'uploadId' = ?")) {
      count.setString(1, upload.id().toString());
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<UUID> queuedJobIds() {
    return env
        .infra()
        .aws()
        .sqs()
        .receiveMessage(
            r -> r.queueUrl(env.env().get("QUEUE_URL_STANDARD")).maxNumberOfMessages(10))
        .messages()
        .stream()
        .map(m -> QueueMessage.fromJson(m.body()).id())
        .toList();
  }
}
