package dev.conveyor.adapters.aws;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.concurrent.BatchCoalescer;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.QueueMessage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * {@link JobQueue} on SQS: one standard queue per {@link Tier}. The body is {@link
 * QueueMessage#toJson()} (a pointer to a row, never the work); the correlation id travels again as
 * the message attribute {@value #CORRELATION_ID_ATTRIBUTE}, so consumers can put it in their logs
 * before they parse the body.
 *
 * <p>Messages that concurrent callers send to one tier go out together in one {@code
 * SendMessageBatch} (see {@link BatchCoalescer}); each {@link #send} still returns only once its
 * own message is accepted by SQS.
 *
 * <p>Environment variables read by {@link #queueUrlsFrom(Env)}, all required: {@value
 * #QUEUE_URL_CRITICAL}, {@value #QUEUE_URL_STANDARD}, {@value #QUEUE_URL_BACKGROUND}.
 */
public final class SqsJobQueue implements JobQueue {

  public static final String QUEUE_URL_CRITICAL = "QUEUE_URL_CRITICAL";
  public static final String QUEUE_URL_STANDARD = "QUEUE_URL_STANDARD";
  public static final String QUEUE_URL_BACKGROUND = "QUEUE_URL_BACKGROUND";

  /** The message attribute carrying the correlation id (also read by the batch processor). */
  public static final String CORRELATION_ID_ATTRIBUTE = "correlation_id";

  /** SQS takes at most 10 messages per {@code SendMessageBatch}. */
  private static final int MAX_BATCH = 10;

  private static final Logger log = LoggerFactory.getLogger(SqsJobQueue.class);

  private final SqsClient sqs;
  private final Map<Tier, String> queueUrls;
  private final Map<Tier, BatchCoalescer<QueueMessage>> senders = new EnumMap<>(Tier.class);

  /**
   * @param queueUrls the queue URL of each tier this process sends to
   */
  public SqsJobQueue(SqsClient sqs, Map<Tier, String> queueUrls) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    Objects.requireNonNull(queueUrls, "queueUrls");
    if (queueUrls.isEmpty()) {
      throw new IllegalArgumentException("no queue URLs");
    }
    EnumMap<Tier, String> copy = new EnumMap<>(Tier.class);
    queueUrls.forEach((tier, url) -> {
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException("blank queue URL for tier " + tier);
      }
      copy.put(tier, url);
    });
    this.queueUrls = copy;
    copy.keySet()
        .forEach(tier ->
            senders.put(
                tier, new BatchCoalescer<>(MAX_BATCH, messages -> sendBatch(tier, messages))));
  }

  /**
   * The queue URL of every tier, from {@value #QUEUE_URL_CRITICAL}, {@value #QUEUE_URL_STANDARD}
   * and {@value #QUEUE_URL_BACKGROUND}.
   *
   * @throws IllegalStateException naming the first variable that is missing or not a URL
   */
  public static Map<Tier, String> queueUrlsFrom(Env env) {
    EnumMap<Tier, String> urls = new EnumMap<>(Tier.class);
    for (Tier tier : Tier.values()) {
      String name = variableFor(tier);
      env.require(name);
      urls.put(tier, env.url(name).orElseThrow().toString());
    }
    return urls;
  }

  /** The environment variable holding a tier's queue URL, e.g. {@code QUEUE_URL_STANDARD}. */
  public static String variableFor(Tier tier) {
    return switch (tier) {
      case CRITICAL -> QUEUE_URL_CRITICAL;
      case STANDARD -> QUEUE_URL_STANDARD;
      case BACKGROUND -> QUEUE_URL_BACKGROUND;
    };
  }

  @Override
  public void send(Tier tier, QueueMessage message) {
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(message, "message");
    BatchCoalescer<QueueMessage> sender = senders.get(tier);
    if (sender == null) {
      throw new IllegalStateException("no queue URL configured for tier " + tier.wireName());
    }
    sender.submit(message);
  }

  /** One {@code SendMessageBatch} for the messages that concurrent callers sent meanwhile. */
  private List<RuntimeException> sendBatch(Tier tier, List<QueueMessage> messages) {
    List<SendMessageBatchRequestEntry> entries = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      entries.add(entry(Integer.toString(i), messages.get(i)));
    }
    List<RuntimeException> failures = new ArrayList<>(messages.size());
    try {
      SendMessageBatchResponse response =
          sqs.sendMessageBatch(
              SendMessageBatchRequest.builder()
                  .queueUrl(queueUrls.get(tier))
                  .entries(entries)
                  .build());
      Map<String, BatchResultErrorEntry> failed = new HashMap<>();
      response.failed().forEach(error -> failed.put(error.id(), error));
      for (int i = 0; i < messages.size(); i++) {
        BatchResultErrorEntry error = failed.get(Integer.toString(i));
        failures.add(
            error == null
                ? null
                : unavailable(
                    tier,
                    messages.get(i),
                    SqsException.builder().message(error.code() + ": " + error.message()).build()));
      }
    } catch (SdkException e) {
      messages.forEach(message -> failures.add(unavailable(tier, message, e)));
    }
    log.debug("sent {} messages to the {} queue", messages.size(), tier.wireName());
    return failures;
  }

  private static SendMessageBatchRequestEntry entry(String id, QueueMessage message) {
    SendMessageBatchRequestEntry.Builder entry =
        SendMessageBatchRequestEntry.builder().id(id).messageBody(message.toJson());
    if (message.correlationId() != null && !message.correlationId().isEmpty()) {
      entry.messageAttributes(
          Map.of(
              CORRELATION_ID_ATTRIBUTE,
              MessageAttributeValue.builder()
                  .dataType("String")
                  .stringValue(message.correlationId())
                  .build()));
    }
    return entry.build();
  }

  private static QueueUnavailableException unavailable(
      Tier tier, QueueMessage message, Exception cause) {
    return new QueueUnavailableException(
        "could not send "
            + message.kind()
            + " "
            + message.id()
            + " to the "
            + tier.wireName()
            + " queue",
        cause);
  }
}
