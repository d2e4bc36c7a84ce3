package dev.conveyor.adapters.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.conveyor.adapters.aws.AwsClients;
import dev.conveyor.adapters.aws.EmulatorEnv;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.work.WorkOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class SqsBatchProcessorTest {

  /** A job message as SqsJobQueue sends it (fixture: id, tenant, correlation id). */
  private static final String JOB_MESSAGE =
      """
      {"kind":"job","id":"%s","tenantId":"6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f","correlationId":"%s"}
      """;

  /** Something that is not a Conveyor message: a poison message. */
  private static final String FOREIGN_MESSAGE =
      """
      {"Type":"Notification","Message":"s3:TestEvent","secret-ish":"do-not-log-me"}
      """;

  private static AwsClients aws;

  @BeforeAll
  static void buildClients() {
    aws = EmulatorEnv.clients();
  }

  @AfterAll
  static void closeClients() {
    aws.close();
  }

  /** A queue as the CDK stack makes it: 30 s default visibility. */
  private record Queue(String url, String arn) {
    static Queue create() {
      SqsClient sqs = aws.sqs();
      String url =
          sqs.createQueue(b ->
                  b.queueName(EmulatorEnv.unique("conveyor-standard"))
                      .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "30")))
              .queueUrl();
      String arn =
          sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
              .attributes()
              .get(QueueAttributeName.QUEUE_ARN);
      return new Queue(url, arn);
    }

    void send(String body, String correlationId) {
      aws.sqs()
          .sendMessage(b ->
              b.queueUrl(url)
                  .messageBody(body)
                  .messageAttributes(
                      Map.of(
                          "correlation_id",
                          MessageAttributeValue.builder()
                              .dataType("String")
                              .stringValue(correlationId)
                              .build())));
    }

    /** What the event source mapping does: receives a batch and hands it over as an event. */
    SQSEvent receiveBatch(int expected) {
      List<SQSEvent.SQSMessage> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        for (Message m : receive(1)) {
          records.add(toRecord(m, arn));
        }
      }
      assertThat(records).hasSize(expected);
      SQSEvent event = new SQSEvent();
      event.setRecords(records);
      return event;
    }

    List<Message> receive(int waitSeconds) {
      return aws.sqs()
          .receiveMessage(b ->
              b.queueUrl(url)
                  .maxNumberOfMessages(10)
                  .waitTimeSeconds(waitSeconds)
                  .messageAttributeNames("All"))
          .messages();
    }

    /** What the event source mapping does with the response: deletes what was not reported. */
    void deleteAcknowledged(SQSEvent event, SQSBatchResponse response) {
      Set<String> failed = failedIds(response);
      for (SQSEvent.SQSMessage record : event.getRecords()) {
        if (!failed.contains(record.getMessageId())) {
          aws.sqs().deleteMessage(b -> b.queueUrl(url).receiptHandle(record.getReceiptHandle()));
        }
      }
    }
  }

  private static SQSEvent.SQSMessage toRecord(Message m, String queueArn) {
    SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
    record.setMessageId(m.messageId());
    record.setReceiptHandle(m.receiptHandle());
    record.setBody(m.body());
    record.setMd5OfBody(m.md5OfBody());
    record.setEventSource("aws:sqs");
    record.setEventSourceArn(queueArn);
    record.setAwsRegion(EmulatorEnv.services().region());
    record.setAttributes(m.attributesAsStrings());
    Map<String, SQSEvent.MessageAttribute> attributes = new HashMap<>();
    m.messageAttributes()
        .forEach((name, value) -> {
          SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
          attribute.setDataType(value.dataType());
          attribute.setStringValue(value.stringValue());
          attributes.put(name, attribute);
        });
    record.setMessageAttributes(attributes);
    return record;
  }

  /** A record that never touched a queue, for tests that need no SQS call. */
  private static SQSEvent.SQSMessage record(String messageId, String body, String correlationId) {
    SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
    record.setMessageId(messageId);
    record.setReceiptHandle("receipt-" + messageId);
    record.setBody(body);
    record.setEventSourceArn("arn:aws:sqs:us-east-1:000000000000:conveyor-standard");
    if (correlationId != null) {
      SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
      attribute.setDataType("String");
      attribute.setStringValue(correlationId);
      record.setMessageAttributes(Map.of("correlation_id", attribute));
    }
    return record;
  }

  private static SQSEvent event(List<SQSEvent.SQSMessage> records) {
    SQSEvent event = new SQSEvent();
    event.setRecords(records);
    return event;
  }

  private static String jobBody(UUID jobId, String correlationId) {
    return JOB_MESSAGE.formatted(jobId, correlationId).strip();
  }

  private static Set<String> failedIds(SQSBatchResponse response) {
    Set<String> ids = new HashSet<>();
    response.getBatchItemFailures().forEach(f -> ids.add(f.getItemIdentifier()));
    return ids;
  }

  private static String idOf(SQSEvent event, String bodyFragment) {
    return event.getRecords().stream()
        .filter(r -> r.getBody().contains(bodyFragment))
        .findFirst()
        .orElseThrow()
        .getMessageId();
  }

  @Test
  void aMixedBatchReportsExactlyTheMessagesToRetry() {
    Queue queue = Queue.create();
    UUID done = UUID.randomUUID();
    UUID retry = UUID.randomUUID();
    UUID crash = UUID.randomUUID();
    queue.send(jobBody(done, "c-done"), "c-done");
    queue.send(jobBody(retry, "c-retry"), "c-retry");
    queue.send(jobBody(crash, "c-crash"), "c-crash");
    queue.send(FOREIGN_MESSAGE.strip(), "c-poison");
    SQSEvent event = queue.receiveBatch(4);
    Map<UUID, WorkOutcome> outcomes =
        Map.of(
            done,
            WorkOutcome.done(),
            retry,
            new WorkOutcome.RetryAfter(Duration.ofSeconds(2), "throttled"));
    Function<SQSEvent.SQSMessage, WorkOutcome> handler =
        message -> {
          QueueMessage parsed = QueueMessage.fromJson(message.getBody()); // poison: throws IAE
          if (parsed.id().equals(crash)) {
            throw new IllegalStateException("database unreachable");
          }
          return outcomes.get(parsed.id());
        };

    SQSBatchResponse response;
    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 4)) {
      response = processor.process(event, handler);
    }

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactlyInAnyOrder(idOf(event, retry.toString()), idOf(event, crash.toString()));
  }

  @Test
  void aTransientFailureComesBackAfterItsBackoffWhileACrashWaitsForTheQueuesTimeout() {
    Queue queue = Queue.create();
    UUID retry = UUID.randomUUID();
    UUID crash = UUID.randomUUID();
    queue.send(jobBody(retry, "c-retry"), "c-retry");
    queue.send(jobBody(crash, "c-crash"), "c-crash");
    SQSEvent event = queue.receiveBatch(2);
    Function<SQSEvent.SQSMessage, WorkOutcome> handler =
        message -> {
          if (QueueMessage.fromJson(message.getBody()).id().equals(crash)) {
            throw new IllegalStateException("bug");
          }
          return new WorkOutcome.RetryAfter(Duration.ofSeconds(2), "S3 503 SlowDown");
        };

    long start = System.nanoTime();
    SQSBatchResponse response;
    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 2)) {
      response = processor.process(event, handler);
    }
    queue.deleteAcknowledged(event, response);
    assertThat(failedIds(response)).hasSize(2);

    assertThat(queue.receive(0)).as("invisible during its backoff").isEmpty();
    List<Message> again = new ArrayList<>();
    while (again.isEmpty() && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
      again.addAll(queue.receive(1));
    }
    Duration waited = Duration.ofNanos(System.nanoTime() - start);

    assertThat(again).hasSize(1);
    assertThat(again.getFirst().messageId()).isEqualTo(idOf(event, retry.toString()));
    assertThat(waited).isBetween(Duration.ofMillis(1_900), Duration.ofSeconds(10));
    // The crashed message keeps the queue's 30 s visibility: it is not back yet.
    assertThat(queue.receive(1)).isEmpty();
  }

  @Test
  void aPoisonMessageIsLoggedWithItsIdAndAcknowledgedButNeverItsBody() {
    SQSEvent event = event(List.of(record("poison-1", FOREIGN_MESSAGE, "c-poison")));
    SQSBatchResponse response;
    try (CapturedLogs logs = new CapturedLogs(SqsBatchProcessor.class);
        SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 1)) {
      response =
          processor.process(
              event,
              message -> {
                QueueMessage.fromJson(message.getBody());
                return WorkOutcome.done();
              });

      assertThat(response.getBatchItemFailures()).isEmpty();
      List<LogEvent> errors = logs.at(Level.ERROR);
      assertThat(errors).hasSize(1);
      assertThat(errors.getFirst().getMessage().getFormattedMessage()).contains("poison-1");
      assertThat(errors.getFirst().getContextData().toMap())
          .containsEntry("message_id", "poison-1")
          .containsEntry("correlation_id", "c-poison");
      assertThat(logs.allText()).doesNotContain("do-not-log-me").doesNotContain("s3:TestEvent");
    }
  }

  @Test
  void aFailedVisibilityChangeIsLoggedAndTheMessageStillRetried() {
    SQSEvent.SQSMessage unknownQueue = record("m-1", jobBody(UUID.randomUUID(), "c"), "c");
    unknownQueue.setEventSourceArn("arn:aws:sqs:us-east-1:000000000000:no-such-queue");
    SQSEvent.SQSMessage notAnArn = record("m-2", jobBody(UUID.randomUUID(), "c"), "c");
    notAnArn.setEventSourceArn("conveyor-standard");

    try (CapturedLogs logs = new CapturedLogs(SqsBatchProcessor.class);
        SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 2)) {
      SQSBatchResponse response =
          processor.process(
              event(List.of(unknownQueue, notAnArn)),
              message -> new WorkOutcome.RetryAfter(Duration.ofSeconds(30), "throttled"));

      assertThat(failedIds(response)).containsExactlyInAnyOrder("m-1", "m-2");
      assertThat(logs.at(Level.WARN))
          .extracting(e -> e.getMessage().getFormattedMessage())
          .anySatisfy(text -> assertThat(text).contains("m-1"))
          .anySatisfy(text -> assertThat(text).contains("m-2"));
    }
  }

  @Test
  void noMoreThanMaxConcurrencyMessagesRunAtOnceOnAPoolKeptAcrossBatches() {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    Function<SQSEvent.SQSMessage, WorkOutcome> slowHandler =
        message -> {
          int now = inFlight.incrementAndGet();
          maxInFlight.accumulateAndGet(now, Math::max);
          threads.add(Thread.currentThread().getName());
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            inFlight.decrementAndGet();
          }
          return WorkOutcome.done();
        };
    List<SQSEvent.SQSMessage> records = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      records.add(record("m-" + i, jobBody(UUID.randomUUID(), "c-" + i), "c-" + i));
    }

    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 3)) {
      SQSBatchResponse first = processor.process(event(records), slowHandler);
      SQSBatchResponse second = processor.process(event(records), slowHandler);

      assertThat(first.getBatchItemFailures()).isEmpty();
      assertThat(second.getBatchItemFailures()).isEmpty();
    }
    assertThat(maxInFlight.get()).isEqualTo(3);
    assertThat(threads).hasSize(3).allMatch(name -> !Thread.currentThread().getName().equals(name));
  }

  @Test
  void theMdcCarriesMessageAndCorrelationIdsOnlyWhileAMessageIsHandled() {
    List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    Function<SQSEvent.SQSMessage, WorkOutcome> recorder =
        message -> {
          seen.add(MDC.getCopyOfContextMap());
          return WorkOutcome.done();
        };
    MDC.put("aws_request_id", "req-1");
    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 1)) {
      processor.process(event(List.of(record("m-1", "{}", "corr-1"))), recorder);
      processor.process(event(List.of(record("m-2", "{}", null))), recorder);
    } finally {
      assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("aws_request_id", "req-1"));
      MDC.clear();
    }

    assertThat(seen.get(0))
        .containsEntry("message_id", "m-1")
        .containsEntry("correlation_id", "corr-1")
        .containsEntry("aws_request_id", "req-1");
    // Same worker thread, next message: nothing left over from the previous one.
    assertThat(seen.get(1)).containsEntry("message_id", "m-2").doesNotContainKey("correlation_id");
  }

  @Test
  void anEmptyOrNullOutcomeIsHandledWithoutFailingTheBatch() {
    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 2)) {
      assertThat(processor.process(new SQSEvent(), m -> WorkOutcome.done()).getBatchItemFailures())
          .isEmpty();
      SQSBatchResponse response =
          processor.process(event(List.of(record("m-null", "{}", null))), m -> null);
      assertThat(failedIds(response)).containsExactly("m-null");
    }
  }

  @Test
  void withParsedMessagesOnlyAForeignBodyIsPoisonAndAHandlersIllegalArgumentIsRetried() {
    UUID job = UUID.randomUUID();
    SQSEvent event =
        event(
            List.of(
                record("foreign", FOREIGN_MESSAGE, null),
                record("bad-endpoint", jobBody(job, "c-1"), "c-1")));

    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 2)) {
      SQSBatchResponse response =
          processor.processQueueMessages(
              event,
              message -> {
                throw new IllegalArgumentException("Illegal character in URL of the endpoint");
              });

      assertThat(failedIds(response)).containsExactly("bad-endpoint");
    }
  }

  @Test
  void withParsedMessagesTheMdcNamesTheJobAndTenant() {
    UUID job = UUID.randomUUID();
    List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    List<QueueMessage> handled = new CopyOnWriteArrayList<>();

    try (SqsBatchProcessor processor = new SqsBatchProcessor(aws.sqs(), 1)) {
      SQSBatchResponse response =
          processor.processQueueMessages(
              event(List.of(record("m-1", jobBody(job, "corr-from-body"), null))),
              message -> {
                seen.add(MDC.getCopyOfContextMap());
                handled.add(message);
                return WorkOutcome.done();
              });

      assertThat(response.getBatchItemFailures()).isEmpty();
    }
    assertThat(handled).extracting(QueueMessage::id).containsExactly(job);
    assertThat(seen.getFirst())
        .containsEntry("message_id", "m-1")
        .containsEntry("job_id", job.toString())
        .containsEntry("tenant_id", "6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f")
        .containsEntry("correlation_id", "corr-from-body");
  }

  @Test
  void backoffsAreWholeSecondsRoundedUpAndClampedToTwelveHours() {
    assertThat(SqsBatchProcessor.visibilitySeconds(Duration.ofMillis(1_200))).isEqualTo(2);
    assertThat(SqsBatchProcessor.visibilitySeconds(Duration.ofSeconds(5))).isEqualTo(5);
    assertThat(SqsBatchProcessor.visibilitySeconds(Duration.ofHours(13))).isEqualTo(43_200);
    assertThat(SqsBatchProcessor.visibilitySeconds(Duration.ofSeconds(-3))).isZero();
    assertThat(SqsBatchProcessor.visibilitySeconds(null)).isZero();
  }

  @Test
  void aQueueArnNamesItsAccountAndQueue() {
    SqsBatchProcessor.QueueArn arn =
        SqsBatchProcessor.QueueArn.parse("arn:aws:sqs:eu-west-1:123456789012:conveyor-critical");

    assertThat(arn.region()).isEqualTo("eu-west-1");
    assertThat(arn.account()).isEqualTo("123456789012");
    assertThat(arn.name()).isEqualTo("conveyor-critical");
    assertThatThrownBy(() -> SqsBatchProcessor.QueueArn.parse("arn:aws:sns:eu-west-1:1:topic"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrencyMustBeBetweenOneAndAThousand() {
    assertThatThrownBy(() -> new SqsBatchProcessor(aws.sqs(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
