package dev.conveyor.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.emulators.EmbeddedServices;
import dev.conveyor.emulators.S3ObjectCreated;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The whole path on the embedded stack, driven over real HTTP as a tenant would. */
class EndToEndIT {
  private static LocalStack stack;
  private static final List<S3ObjectCreated> resultsWritten = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startStack() {
    EmbeddedServices services = EmbeddedServices.shared();
    String prefix = "e2e" + UUID.randomUUID().toString().substring(0, 6);
    stack = LocalStack.startOn(services, new LocalStack.Settings(0, prefix, Map.of()));
    String resultsBucket = stack.env().get("RESULTS_BUCKET");
    services.onObjectCreated(created -> {
      if (created.bucket().equals(resultsBucket)) {
        resultsWritten.add(created);
      }
    });
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  private static DemoScenario.Report runOneJob() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    return new DemoScenario(
            stack, new PrintStream(log, true, StandardCharsets.UTF_8), Duration.ofSeconds(60))
        .run();
  }

  @Test
  void anImageJobTravelsFromSubmitToSignedWebhook() throws Exception {
    DemoScenario.Report report = runOneJob();
    Infrastructure infra = stack.infrastructure();

    Job job = infra.jobStore().find(JobId.parse(report.jobId()).orElseThrow()).orElseThrow();
    assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.tenantId()).isEqualTo(report.tenant().tenant().id());
    assertThat(job.finishedAt()).isAfterOrEqualTo(job.startedAt());
    assertThat(report.states()).endsWith("succeeded");

    // The outputs in S3, read through the adapter (not the presigned URL the demo used).
    String resultsBucket = stack.env().get("RESULTS_BUCKET");
    for (var rendition : job.result().path("renditions")) {
      String key = rendition.path("key").asText();
      assertThat(key)
          .isEqualTo(
              "results/%s/%s/%s.%s"
                  .formatted(
                      job.tenantId(),
                      job.id(),
                      rendition.path("name").asText(),
                      rendition.path("contentType").asText().endsWith("png") ? "png" : "jpg"));
      byte[] bytes = infra.blobStore().get(resultsBucket, key, 10_000_000);
      var image = ImageIO.read(new ByteArrayInputStream(bytes));
      assertThat(image).as("rendition %s decodes", key).isNotNull();
      assertThat(image.getWidth())
          .isEqualTo(DemoScenario.RENDITION_WIDTHS.get(rendition.path("name").asText()));
      assertThat(image.getHeight())
          .isEqualTo(image.getWidth() * DemoScenario.SOURCE_HEIGHT / DemoScenario.SOURCE_WIDTH);
    }

    // The webhook, verified by the reference Standard Webhooks implementation, not ours.
    WebhookReceiver.Received webhook = report.webhook();
    assertThat(webhook.verified()).isTrue();
    HttpHeaders headers =
        HttpHeaders.of(
            Map.of(
                "webhook-id", List.of(webhook.id()),
                "webhook-timestamp", List.of(webhook.timestamp()),
                "webhook-signature", List.of(webhook.signature())),
            (a, b) -> true);
    new Webhook(report.tenant().webhookSecret().orElseThrow()).verify(webhook.body(), headers);
    assertThat(webhook.body()).contains("\"type\":\"job.succeeded\"").contains(report.jobId());
  }

  @Test
  void aDuplicateJobMessageWritesNoSecondOutputAndSendsNoSecondWebhook() throws Exception {
    DemoScenario.Report report = runOneJob();
    Job job =
        stack
            .infrastructure()
            .jobStore()
            .find(JobId.parse(report.jobId()).orElseThrow())
            .orElseThrow();
    Set<String> outputsBefore = outputsOf(job);
    assertThat(outputsBefore).hasSize(2);

    // The same message again, as SQS may deliver it (at-least-once), on the standard tier.
    SqsClient sqs = stack.infrastructure().aws().sqs();
    String standard = stack.env().get("QUEUE_URL_STANDARD");
    sqs.sendMessage(m ->
        m.queueUrl(standard)
            .messageBody(QueueMessage.job(job.id().value(), job.tenantId(), "duplicate").toJson()));
    awaitDrained(sqs, standard);

    // Not run again: never claimed a second time, so nothing was rendered or written again. (S3
    // events are counted by key: a PUT the SDK retried under load may report one key twice.)
    Job after = stack.infrastructure().jobStore().find(job.id()).orElseThrow();
    assertThat(after.attempt()).isEqualTo(1);
    assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(after.updatedAt()).isEqualTo(job.updatedAt());
    assertThat(outputsOf(job)).isEqualTo(outputsBefore);
    assertThat(countRows("select count(*) from deliveries where job_id = ?", job.id().value()))
        .isEqualTo(1);
    assertThat(
            countRows(
                "select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id"
                    + " where d.job_id = ?",
                job.id().value()))
        .isEqualTo(1);
    assertThat(depth(sqs, stack.env().get("QUEUE_URL_STANDARD") + "-dlq")).isZero();
  }

  @Test
  void theGatewayAnswersProblemDetailsOverHttp() {
    ApiClient anonymous = new ApiClient(stack.apiUrl(), null);
    ApiClient.Response unauthorized = anonymous.get("/v1/jobs/" + UUID.randomUUID());
    assertThat(unauthorized.status()).isEqualTo(401);
    assertThat(unauthorized.header("content-type")).isEqualTo("application/problem+json");
    assertThat(unauthorized.header("www-authenticate")).startsWith("Bearer");

    ApiClient tenant =
        new ApiClient(
            stack.apiUrl(), stack.createTenant("http-errors", java.util.Optional.empty()).apiKey());
    ApiClient.Response tooLarge =
        tenant.post("/v1/jobs", "{\"pad\":\"" + "x".repeat(100_000) + "\"}");
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.json().path("status").asInt()).isEqualTo(413);
  }

  /** The keys written under the job's results prefix, as S3 reported them. */
  private static Set<String> outputsOf(Job job) {
    String prefix = "results/" + job.tenantId() + "/" + job.id() + "/";
    return resultsWritten.stream()
        .map(S3ObjectCreated::key)
        .filter(key -> key.startsWith(prefix))
        .collect(Collectors.toSet());
  }

  private static long countRows(String sql, UUID id) throws Exception {
    try (Connection c = stack.infrastructure().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void awaitDrained(SqsClient sqs, String queueUrl) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    // Wait for the message to be received, then for nothing to be visible or in flight.
    Thread.sleep(1500);
    while (System.nanoTime() < deadline) {
      if (depth(sqs, queueUrl) == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("queue not drained: " + queueUrl);
  }

  private static long depth(SqsClient sqs, String queueUrl) {
    Map<QueueAttributeName, String> a =
        sqs.getQueueAttributes(r ->
                r.queueUrl(queueUrl)
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }
}
