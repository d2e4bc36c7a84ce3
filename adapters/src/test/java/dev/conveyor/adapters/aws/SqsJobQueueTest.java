package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.QueueMessage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

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
  void concurrentSendsShareBatchCallsAndEveryMessageArrivesOnce() throws Exception {
    AtomicInteger batchCalls = new AtomicInteger();
    SqsClient counting = countingBatchCalls(aws.sqs(), batchCalls);
    JobQueue queue = new SqsJobQueue(counting, queueUrls);
    List<QueueMessage> sent = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      sent.add(QueueMessage.job(UUID.randomUUID(), new TenantId(UUID.randomUUID()), "corr-" + i));
    }

    try (ExecutorService senders = Executors.newFixedThreadPool(12)) {
      List<Future<?>> sends = new ArrayList<>();
      sent.forEach(
          message -> sends.add(senders.submit(() -> queue.send(Tier.BACKGROUND, message))));
      for (Future<?> send : sends) {
        send.get(30, TimeUnit.SECONDS);
      }
    }

    Map<QueueMessage, String> received = new HashMap<>();
    for (int polls = 0; received.size() < sent.size() && polls < 20; polls++) {
      for (Message message : receive(aws.sqs(), Tier.BACKGROUND)) {
        received.put(
            QueueMessage.fromJson(message.body()),
            message.messageAttributes().get("correlation_id").stringValue());
        aws.sqs()
            .deleteMessage(b ->
                b.queueUrl(queueUrls.get(Tier.BACKGROUND)).receiptHandle(message.receiptHandle()));
      }
    }
    assertThat(received.keySet()).containsExactlyInAnyOrderElementsOf(sent);
    received.forEach(
        (message, correlationId) -> assertThat(correlationId).isEqualTo(message.correlationId()));
    assertThat(batchCalls.get()).isBetween(6, 60);
  }

  @Test
  void aMessageSqsRefusesInsideABatchFailsOnlyItsOwnSend() {
    QueueMessage refused =
        QueueMessage.job(UUID.randomUUID(), new TenantId(UUID.randomUUID()), "refused");
    SqsClient refusingFirstEntry =
        delegating(
            aws.sqs(),
            (method, args) ->
                SendMessageBatchResponse.builder()
                    .failed(
                        BatchResultErrorEntry.builder()
                            .id("0")
                            .code("InternalError")
                            .senderFault(false)
                            .message("try again")
                            .build())
                    .build());
    JobQueue queue = new SqsJobQueue(refusingFirstEntry, queueUrls);

    assertThatThrownBy(() -> queue.send(Tier.STANDARD, refused))
        .isInstanceOf(JobQueue.QueueUnavailableException.class)
        .hasMessageContaining("standard")
        .hasRootCauseMessage("InternalError: try again");
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

  /** The client, with {@code sendMessageBatch} calls counted. */
  private static SqsClient countingBatchCalls(SqsClient sqs, AtomicInteger calls) {
    return delegating(
        sqs,
        (method, args) -> {
          calls.incrementAndGet();
          return method.invoke(sqs, args);
        });
  }

  private interface BatchCall {
    Object handle(Method method, Object[] args) throws Exception;
  }

  /** The client, with {@code sendMessageBatch} answered by {@code batchCall}. */
  private static SqsClient delegating(SqsClient sqs, BatchCall batchCall) {
    return (SqsClient)
        Proxy.newProxyInstance(
            SqsClient.class.getClassLoader(),
            new Class<?>[] {SqsClient.class},
            (proxy, method, args) -> {
              try {
                return method.getName().equals("sendMessageBatch")
                        && args[0] instanceof SendMessageBatchRequest
                    ? batchCall.handle(method, args)
                    : method.invoke(sqs, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
