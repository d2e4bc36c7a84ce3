package dev.conveyor.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Plays Lambda's SQS event source mapping: long-polls a queue, hands batches to the handler with at
 * most {@code maxConcurrency} invocations in flight, deletes what succeeded and leaves each
 * reported batch item failure (and every message of a batch whose invocation threw) to come back
 * when its visibility timeout ends — and, past {@code maxReceiveCount}, to go to the DLQ.
 */
final class EventSourceMapping implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventSourceMapping.class);

  private final SqsClient sqs;
  private final String queueUrl;
  private final String queueArn;
  private final String region;
  private final String functionName;
  private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
  private final int batchSize;
  private final int maxConcurrency;
  private final Duration functionTimeout;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService pollers;

  EventSourceMapping(
      SqsClient sqs,
      String queueUrl,
      String region,
      String functionName,
      RequestHandler<SQSEvent, SQSBatchResponse> handler,
      int batchSize,
      int maxConcurrency,
      Duration functionTimeout) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.region = region;
    this.functionName = functionName;
    this.handler = handler;
    this.batchSize = batchSize;
    this.maxConcurrency = maxConcurrency;
    this.functionTimeout = functionTimeout;
    this.queueArn =
        sqs.getQueueAttributes(
                a -> a.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    this.pollers =
        Executors.newFixedThreadPool(
            maxConcurrency, Thread.ofPlatform().name(functionName + "-esm-", 0).daemon().factory());
  }

  /** One poller per allowed concurrent invocation, as Lambda scales pollers up to the cap. */
  EventSourceMapping start() {
    for (int i = 0; i < maxConcurrency; i++) {
      pollers.execute(this::pollLoop);
    }
    return this;
  }

  private void pollLoop() {
    while (running.get()) {
      try {
        List<Message> messages =
            sqs.receiveMessage(r ->
                    r.queueUrl(queueUrl)
                        .maxNumberOfMessages(batchSize)
                        .waitTimeSeconds(1)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames("All"))
                .messages();
        if (!messages.isEmpty()) {
          invoke(messages);
        }
      } catch (RuntimeException e) {
        if (running.get()) {
          LOG.warn("{}: poll failed: {}", functionName, e.toString());
          sleepQuietly(Duration.ofMillis(500));
        }
      }
    }
  }

  private void invoke(List<Message> messages) {
    SQSEvent event = new SQSEvent();
    event.setRecords(messages.stream().map(this::toRecord).toList());
    Set<String> failed = new HashSet<>();
    try {
      SQSBatchResponse response =
          handler.handleRequest(event, new LocalLambdaContext(functionName, functionTimeout, 1024));
      if (response != null && response.getBatchItemFailures() != null) {
        response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
      }
    } catch (RuntimeException e) {
      // As on Lambda: an invocation error returns the whole batch to the queue.
      LOG.error("{}: invocation failed; the whole batch will be retried", functionName, e);
      return;
    }
    List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
    for (Message m : messages) {
      if (!failed.contains(m.messageId())) {
        done.add(
            DeleteMessageBatchRequestEntry.builder()
                .id(m.messageId())
                .receiptHandle(m.receiptHandle())
                .build());
      }
    }
    if (!done.isEmpty()) {
      sqs.deleteMessageBatch(d -> d.queueUrl(queueUrl).entries(done));
    }
  }

  private SQSEvent.SQSMessage toRecord(Message m) {
    SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
    record.setMessageId(m.messageId());
    record.setReceiptHandle(m.receiptHandle());
    record.setBody(m.body());
    record.setMd5OfBody(m.md5OfBody());
    record.setEventSource("aws:sqs");
    record.setEventSourceArn(queueArn);
    record.setAwsRegion(region);
    Map<String, String> attributes = new HashMap<>();
    m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
    record.setAttributes(attributes);
    Map<String, SQSEvent.MessageAttribute> messageAttributes = new HashMap<>();
    m.messageAttributes()
        .forEach((k, v) -> {
          SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
          a.setDataType(v.dataType());
          a.setStringValue(v.stringValue());
          messageAttributes.put(k, a);
        });
    record.setMessageAttributes(messageAttributes);
    return record;
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running.set(false);
    pollers.shutdown();
    try {
      if (!pollers.awaitTermination(5, TimeUnit.SECONDS)) {
        pollers.shutdownNow();
      }
    } catch (InterruptedException e) {
      pollers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
