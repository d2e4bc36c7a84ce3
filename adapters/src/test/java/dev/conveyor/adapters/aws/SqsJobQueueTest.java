package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.QueueMessage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

class SqsJobQueueTest {

  private static AwsClients aws;
  private static Map<Tier, String> queueUrls;

  @BeforeAll
  static void createTierQueues() {
    aws = EmulatorEnv.clients();
    queueUrls = new EnumMap<>(Tier.class);
    for (Tier tier : Tier.values()) {
      String name = EmulatorEnv.unique("conveyor-" + tier.wireName());
      queueUrls.put(tier, aws.sqs().createQueue(b -> b.queueName(name)).queueUrl());
    }
  }

  @AfterAll
  static void closeClients() {
    aws.close();
  }

  private static List<Message> receive(SqsClient sqs, Tier tier) {
    return sqs.receiveMessage(b ->
            b.queueUrl(queueUrls.get(tier))
                .maxNumberOfMessages(10)
                .waitTimeSeconds(1)
                .messageAttributeNames("All"))
        .messages();
  }

  @Test
  void aJobGoesToItsTiersQueueAndItsBodyRoundTrips() {
    JobQueue queue = new SqsJobQueue(aws.sqs(), queueUrls);
    QueueMessage sent =
        QueueMessage.job(UUID.randomUUID(), new TenantId(UUID.randomUUID()), "corr-standard-1");

    queue.send(Tier.STANDARD, sent);

    List<Message> standard = receive(aws.sqs(), Tier.STANDARD);
    assertThat(standard).hasSize(1);
    assertThat(QueueMessage.fromJson(standard.getFirst().body())).isEqualTo(sent);
    assertThat(standard.getFirst().messageAttributes().get("correlation_id").stringValue())
        .isEqualTo("corr-standard-1");
    assertThat(receive(aws.sqs(), Tier.CRITICAL)).isEmpty();
    assertThat(receive(aws.sqs(), Tier.BACKGROUND)).isEmpty();
  }

  @Test
  void aDeliveryWithoutCorrelationIdCarriesNoAttribute() {
    JobQueue queue = new SqsJobQueue(aws.sqs(), queueUrls);
    QueueMessage sent =
        QueueMessage.delivery(UUID.randomUUID(), new TenantId(UUID.randomUUID()), null);

    queue.send(Tier.CRITICAL, sent);

    List<Message> critical = receive(aws.sqs(), Tier.CRITICAL);
    assertThat(critical).hasSize(1);
    assertThat(QueueMessage.fromJson(critical.getFirst().body())).isEqualTo(sent);
    assertThat(critical.getFirst().messageAttributes()).doesNotContainKey("correlation_id");
  }

  @Test
  void aSendThatFailsIsReportedAsQueueUnavailable() {
    String missing = queueUrls.get(Tier.BACKGROUND) + "-deleted";
    JobQueue queue = new SqsJobQueue(aws.sqs(), Map.of(Tier.BACKGROUND, missing));

    assertThatThrownBy(() ->
            queue.send(
                Tier.BACKGROUND,
                QueueMessage.job(UUID.randomUUID(), new TenantId(UUID.randomUUID()), "c")))
        .isInstanceOf(JobQueue.QueueUnavailableException.class)
        .hasMessageContaining("background");
  }

  @Test
  void aTierWithoutAQueueIsAConfigurationError() {
    JobQueue queue =
        new SqsJobQueue(aws.sqs(), Map.of(Tier.CRITICAL, queueUrls.get(Tier.CRITICAL)));

    assertThatThrownBy(() ->
            queue.send(
                Tier.STANDARD,
                QueueMessage.job(UUID.randomUUID(), new TenantId(UUID.randomUUID()), "c")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("standard");
  }

  @Test
  void queueUrlsComeFromOneVariablePerTier() {
    Env env =
        Env.of(
            Map.of(
                "QUEUE_URL_CRITICAL", "http://127.0.0.1:9324/000000000000/c",
                "QUEUE_URL_STANDARD", "http://127.0.0.1:9324/000000000000/s",
                "QUEUE_URL_BACKGROUND", "http://127.0.0.1:9324/000000000000/b"));

    assertThat(SqsJobQueue.queueUrlsFrom(env))
        .containsEntry(Tier.CRITICAL, "http://127.0.0.1:9324/000000000000/c")
        .containsEntry(Tier.STANDARD, "http://127.0.0.1:9324/000000000000/s")
        .containsEntry(Tier.BACKGROUND, "http://127.0.0.1:9324/000000000000/b");
    assertThatThrownBy(() ->
            SqsJobQueue.queueUrlsFrom(
                Env.of(
                    Map.of(
                        "QUEUE_URL_CRITICAL", "http://q/c",
                        "QUEUE_URL_STANDARD", "http://q/s"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("QUEUE_URL_BACKGROUND");
  }
}
