package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.upload.CreateUpload;
import dev.conveyor.core.upload.Upload;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/** S3 "object created" notifications for the uploads bucket, delivered through SQS. */
class UploadEventHandlerTest {
  private static TestInfrastructure.Provisioned env;
  private static UploadEventHandler handler;
  private static LocalTenant tenant;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    SubmitFunction submit = new SubmitFunction(env.infra());
    handler = new UploadEventHandler(submit.recordUpload(), submit.batchProcessor());
    tenant = env.tenant("uploader");
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @ParameterizedTest
  @Event(value = "events/sqs/uploads-s3-event-batch.json", type = SQSEvent.class)
  void anUploadIsRecordedOnceEvenWhenTheEventArrivesTwice(SQSEvent event) {
    Upload upload = pendingUpload();
    SQSEvent.SQSMessage notification = event.getRecords().get(0);
    notification.setBody(notificationFor(notification.getBody(), upload));

    SQSBatchResponse first = handler.handleRequest(event, null);
    SQSBatchResponse second = handler.handleRequest(event, null);

    assertThat(first.getBatchItemFailures()).isEmpty();
    assertThat(second.getBatchItemFailures()).isEmpty();
    Upload received =
        env.infra().uploadStore().find(tenant.tenant().id(), upload.id()).orElseThrow();
    assertThat(received.state()).isEqualTo(Upload.State.RECEIVED);
    assertThat(received.size()).isEqualTo(48213L);
    assertThat(received.receivedAt()).isNotNull();
  }

  @ParameterizedTest
  @Event(value = "events/sqs/uploads-s3-event-batch.json", type = SQSEvent.class)
  void anUnknownKeyAndS3sTestEventAreAcknowledged(SQSEvent event) {
    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
  }

  @ParameterizedTest
  @Event(value = "events/sqs/uploads-s3-event-batch.json", type = SQSEvent.class)
  void aBodyThatIsNotAnS3NotificationIsAcknowledgedAsPoison(SQSEvent event) {
    event.getRecords().get(0).setBody("{\"hello\":\"world\"}");

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
  }

  private static Upload pendingUpload() {
    CreateUpload createUpload =
        new CreateUpload(
            env.infra().uploadStore(),
            env.infra().blobStore(),
            env.env().get("UPLOADS_BUCKET"),
            Duration.ofMinutes(15),
            Clock.systemUTC());
    return createUpload
        .create(
            tenant.tenant(),
            Json.MAPPER
                .createObjectNode()
                .put("contentType", "image/png")
                .put("contentLength", 48213))
        .upload();
  }

  /** The fixture's notification, pointed at a real upload (keys are URL-encoded, as S3 sends). */
  private static String notificationFor(String fixture, Upload upload) {
    ObjectNode root = (ObjectNode) Json.parseTrusted(fixture);
    ObjectNode s3 = (ObjectNode) root.path("Records").get(0).path("s3");
    ((ObjectNode) s3.path("bucket")).put("name", upload.bucket());
    ((ObjectNode) s3.path("object")).put("key", upload.key());
    return Json.write(root);
  }
}
