package dev.conveyor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.image.ImageTransformSpec;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.testing.TestImages;
import dev.conveyor.core.upload.Upload;
import dev.conveyor.emulators.EmbeddedServices;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/** The standard-tier worker as Lambda invokes it, with sample SQS batches from {@code events/}. */
class TransformHandlerTest {
  private static TestInfrastructure.Provisioned env;
  private static TransformHandler handler;
  private static LocalTenant tenant;
  private static final List<String> resultKeysWritten = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    handler = handlerFor(env.infra());
    tenant = env.tenantWithWebhook("images", URI.create("https://hooks.example.com/conveyor"));
    String results = env.env().get("RESULTS_BUCKET");
    EmbeddedServices.shared()
        .onObjectCreated(created -> {
          if (created.bucket().equals(results)) {
            resultKeysWritten.add(created.key());
          }
        });
  }

  @AfterAll
  static void close() {
    env.close();
  }

  private static TransformHandler handlerFor(Infrastructure infra) {
    TransformFunction transform = new TransformFunction(infra);
    return new TransformHandler(transform.jobRunner(), infra.batchProcessor(2));
  }

  @ParameterizedTest
  @Event(value = "events/sqs/standard-job-batch.json", type = SQSEvent.class)
  void aJobDeliveredTwiceInOneBatchRunsOnceAndAnnouncesOnce(SQSEvent event) throws Exception {
    Job job = queuedJob(TestImages.jpeg(1200, 800));
    pointAt(event, job); // the fixture holds the same message twice

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    Job done = env.infra().jobStore().find(job.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(1);
    String key = "results/" + tenant.tenant().id() + "/" + job.id() + "/thumb.jpg";
    assertThat(done.result().path("renditions").get(0).path("key").asText()).isEqualTo(key);
    assertThat(done.result().path("renditions").get(0).path("width").asInt()).isEqualTo(300);
    awaitEvents();
    assertThat(resultKeysWritten).containsOnlyOnce(key);
    assertThat(count("select count(*) from deliveries where job_id = ?", job.id().value()))
        .isEqualTo(1);
  }

  @ParameterizedTest
  @Event(value = "events/sqs/standard-job-batch.json", type = SQSEvent.class)
  void aSourceThatIsNotAnImageFailsTheJobAtOnceWithAReason(SQSEvent event) throws Exception {
    Job job = queuedJob("%PDF-1.7 definitely not an image".getBytes());
    pointAt(event, job);

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    Job failed = env.infra().jobStore().find(job.id()).orElseThrow();
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.failure().code()).isEqualTo("unsupported-format");
    assertThat(
            count(
                "select count(*) from deliveries where job_id = ? and event_type = 'job.failed'",
                job.id().value()))
        .isEqualTo(1);
  }

  @ParameterizedTest
  @Event(value = "events/sqs/standard-job-batch.json", type = SQSEvent.class)
  void hostileOrBrokenSourcesFailTheirJobsAtOnceAndTheWorkerGoesOn(SQSEvent event) {
    byte[] jpeg = TestImages.jpeg(1200, 800);
    String thumb = "{\"name\":\"thumb\",\"width\":300}";
    Map<Job, String> expected = new LinkedHashMap<>();
    expected.put(queuedJob(TestImages.pngBomb(100_000, 100_000), thumb), "source-pixels-too-many");
    expected.put(queuedJob(TestImages.jpegBomb(60_000, 60_000), thumb), "source-pixels-too-many");
    expected.put(
        queuedJob(Arrays.copyOf(jpeg, jpeg.length / 2), thumb), "corrupt-image"); // truncated
    expected.put(queuedJob(TestImages.gif(40, 30), thumb), "unsupported-format"); // "image/jpeg"
    expected.put(emptied(queuedJob(jpeg, thumb)), "unsupported-format"); // a zero-byte object
    expected.put(
        queuedJob(
            TestImages.png(100, 2000),
            "{\"name\":\"huge\",\"width\":8192,\"withoutEnlargement\":false}"),
        "output-too-large");
    Job good = queuedJob(jpeg, thumb);
    List<Job> batch = new ArrayList<>(expected.keySet());
    batch.add(good);
    pointAt(event, batch);

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures()).as("nothing is retried").isEmpty();
    expected.forEach((job, code) -> {
      Job failed = env.infra().jobStore().find(job.id()).orElseThrow();
      assertThat(failed.state()).isEqualTo(JobState.FAILED);
      assertThat(failed.attempt()).isEqualTo(1);
      assertThat(failed.failure().code()).isEqualTo(code);
      assertThat(failed.failure().message()).isNotBlank();
    });
    assertThat(env.infra().jobStore().find(good.id()).orElseThrow().state())
        .as("the worker goes on with the rest of the batch")
        .isEqualTo(JobState.SUCCEEDED);
  }

  @ParameterizedTest
  @Event(value = "events/sqs/standard-job-batch.json", type = SQSEvent.class)
  void aTransientStorageFailureReturnsTheJobToTheQueueForRetry(SQSEvent event) {
    Job job = queuedJob(TestImages.jpeg(640, 480));
    pointAt(event, job);
    event.setRecords(List.of(event.getRecords().get(0)));
    Map<String, String> brokenS3 = new HashMap<>(env.env());
    brokenS3.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1"); // nothing listens there
    try (Infrastructure broken = Infrastructure.fromEnvironment(Env.of(brokenS3))) {
      SQSBatchResponse response = handlerFor(broken).handleRequest(event, null);

      assertThat(response.getBatchItemFailures())
          .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
          .containsExactly(event.getRecords().get(0).getMessageId());
    }
    Job retrying = env.infra().jobStore().find(job.id()).orElseThrow();
    assertThat(retrying.state()).isEqualTo(JobState.QUEUED);
    assertThat(retrying.attempt()).isEqualTo(1);

    // The retry, once storage is back, claims it again and finishes it.
    assertThat(handler.handleRequest(event, null).getBatchItemFailures()).isEmpty();
    Job done = env.infra().jobStore().find(job.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(2);
  }

  @ParameterizedTest
  @Event(value = "events/sqs/standard-poison-batch.json", type = SQSEvent.class)
  void aPoisonMessageIsAcknowledgedNotRetriedForever(SQSEvent event) {
    assertThat(handler.handleRequest(event, null).getBatchItemFailures()).isEmpty();
  }

  // --- helpers -------------------------------------------------------------------------------

  /** A queued job whose source upload holds {@code source}, making a 300 px wide JPEG. */
  private static Job queuedJob(byte[] source) {
    return queuedJob(source, "{\"name\":\"thumb\",\"width\":300}");
  }

  /** A queued job whose source upload holds {@code source}, with one rendition. */
  private static Job queuedJob(byte[] source, String rendition) {
    Instant now = Instant.now();
    UUID uploadId = env.uploadedSource(tenant, source, "image/jpeg");
    var spec =
        ImageTransformSpec.parse(
            Json.parseTrusted(
                "{\"type\":\"image.transform\",\"source\":{\"uploadId\":\""
                    + uploadId
                    + "\"},\"renditions\":["
                    + rendition
                    + "]}"));
    Job job =
        Job.queued(
            JobId.generate(now),
            tenant.tenant().id(),
            JobType.IMAGE_TRANSFORM,
            spec.toJson(),
            "test");
    env.infra().jobStore().insert(job);
    return job;
  }

  /** The job's source object, overwritten with nothing, as a client's empty PUT would leave it. */
  private static Job emptied(Job job) {
    String uploadId = job.spec().path("source").path("uploadId").asText();
    env.infra()
        .blobStore()
        .put(
            env.env().get("UPLOADS_BUCKET"),
            Upload.objectKey(job.tenantId(), UUID.fromString(uploadId)),
            new byte[0],
            "image/jpeg",
            Map.of());
    return job;
  }

  /** The batch now holds one record per job, each like the fixture's first, in this order. */
  private static void pointAt(SQSEvent event, List<Job> jobs) {
    SQSEvent.SQSMessage template = event.getRecords().getFirst();
    List<SQSEvent.SQSMessage> records = new ArrayList<>();
    for (Job job : jobs) {
      SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
      record.setMessageId(UUID.randomUUID().toString());
      record.setReceiptHandle(template.getReceiptHandle());
      record.setAttributes(template.getAttributes());
      record.setMessageAttributes(template.getMessageAttributes());
      record.setEventSource(template.getEventSource());
      record.setAwsRegion(template.getAwsRegion());
      records.add(record);
    }
    event.setRecords(records);
    for (int i = 0; i < jobs.size(); i++) {
      pointAt(event.getRecords().get(i), jobs.get(i));
    }
  }

  /** Every record of the fixture now carries this job's message, from the provisioned queue. */
  private static void pointAt(SQSEvent event, Job job) {
    event.getRecords().forEach(record -> pointAt(record, job));
  }

  private static void pointAt(SQSEvent.SQSMessage record, Job job) {
    String arn =
        env.infra()
            .aws()
            .sqs()
            .getQueueAttributes(a ->
                a.queueUrl(env.env().get("QUEUE_URL_STANDARD"))
                    .attributeNamesWithStrings("QueueArn"))
            .attributesAsStrings()
            .get("QueueArn");
    record.setBody(QueueMessage.job(job.id().value(), job.tenantId(), "test").toJson());
    record.setEventSourceArn(arn);
  }

  private static long count(String sql, UUID id) throws Exception {
    try (Connection c = env.infra().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** S3 events are emitted asynchronously, as on AWS. */
  private static void awaitEvents() throws InterruptedException {
    Thread.sleep(300);
  }
}
