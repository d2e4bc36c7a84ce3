package dev.conveyor.adapters.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.conveyor.adapters.aws.SqsJobQueue;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.work.WorkOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Conveyor's partial-batch-failure loop for SQS-triggered functions (the event source mapping must
 * have {@code ReportBatchItemFailures} on). One message never fails the batch:
 *
 * <ul>
 *   <li>{@link WorkOutcome.Done} — acknowledged (not reported, so Lambda deletes it);
 *   <li>{@link WorkOutcome.RetryAfter} — its visibility timeout is set to the delay (whole seconds,
 *       rounded up, clamped to 0–43200) and it is reported as a batch item failure, so it comes
 *       back after its backoff rather than after the queue's default visibility;
 *   <li>the body is not a Conveyor message — a poison message (no retry can fix it, and it points
 *       at no row, so nothing is lost): logged at ERROR with its id and acknowledged. With {@link
 *       #process} the handler signals it by throwing {@link IllegalArgumentException}; {@link
 *       #processQueueMessages} parses the body itself;
 *   <li>the handler throws anything else — reported as a batch item failure; the queue's visibility
 *       timeout, then {@code maxReceiveCount} and the DLQ, apply.
 * </ul>
 *
 * <p>Messages run concurrently on a bounded pool of platform threads created once per processor (so
 * native work such as libvips calls never pins a virtual-thread carrier). While a message is
 * handled the SLF4J MDC holds the caller's context plus {@value #MDC_MESSAGE_ID} and, when the
 * message carries the {@value #CORRELATION_ID_ATTRIBUTE} attribute, {@value #MDC_CORRELATION_ID}.
 * Message bodies are never logged.
 */
public final class SqsBatchProcessor implements AutoCloseable {

  public static final String MDC_MESSAGE_ID = "message_id";
  public static final String MDC_CORRELATION_ID = "correlation_id";
  public static final String MDC_JOB_ID = "job_id";
  public static final String MDC_DELIVERY_ID = "delivery_id";
  public static final String MDC_TENANT_ID = "tenant_id";

  /** The message attribute the sender ({@code SqsJobQueue}) puts the correlation id in. */
  public static final String CORRELATION_ID_ATTRIBUTE = SqsJobQueue.CORRELATION_ID_ATTRIBUTE;

  /** SQS's largest visibility timeout: 12 hours. */
  public static final int MAX_VISIBILITY_SECONDS = 43_200;

  private static final Logger log = LoggerFactory.getLogger(SqsBatchProcessor.class);
  private static final AtomicInteger PROCESSORS = new AtomicInteger();

  private final SqsClient sqs;
  private final int maxConcurrency;
  private final ExecutorService pool;
  private final Map<String, String> queueUrlsByArn = new ConcurrentHashMap<>();

  private enum Result {
    ACKNOWLEDGE,
    RETRY
  }

  /**
   * @param sqs used for {@code GetQueueUrl} and {@code ChangeMessageVisibility}
   * @param maxConcurrency how many messages of a batch run at once (1–1000)
   */
  public SqsBatchProcessor(SqsClient sqs, int maxConcurrency) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    if (maxConcurrency < 1 || maxConcurrency > 1000) {
      throw new IllegalArgumentException("maxConcurrency must be 1-1000: " + maxConcurrency);
    }
    this.maxConcurrency = maxConcurrency;
    String prefix = "sqs-batch-" + PROCESSORS.incrementAndGet() + "-";
    AtomicInteger threads = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            maxConcurrency,
            runnable -> {
              Thread thread = new Thread(runnable, prefix + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  public int maxConcurrency() {
    return maxConcurrency;
  }

  /**
   * Handles every message of the batch and reports the ones to retry.
   *
   * <p>Any {@link IllegalArgumentException} escaping the handler marks a poison message, which is
   * acknowledged: make sure the handler throws it only for a body it cannot parse (an {@code
   * IllegalArgumentException} from deeper down, e.g. {@code URI.create}, would drop the message).
   * {@link #processQueueMessages} parses Conveyor bodies itself and has no such trap.
   *
   * @param handler decides each message's outcome; throws {@link IllegalArgumentException} for a
   *     body it cannot parse and nothing else of that type
   */
  public SQSBatchResponse process(
      SQSEvent event, Function<SQSEvent.SQSMessage, WorkOutcome> handler) {
    Objects.requireNonNull(handler, "handler");
    return run(event, handler, true);
  }

  /**
   * Handles a batch of Conveyor messages: parses each body with {@link QueueMessage#fromJson}
   * first, so only a body that is not a Conveyor message is poison (acknowledged); every exception
   * from the handler, {@link IllegalArgumentException} included, is a failure to retry. Adds
   * {@value #MDC_JOB_ID} (or {@value #MDC_DELIVERY_ID}) and {@value #MDC_TENANT_ID} to the MDC, and
   * the body's correlation id when the message has no attribute.
   */
  public SQSBatchResponse processQueueMessages(
      SQSEvent event, Function<QueueMessage, WorkOutcome> handler) {
    Objects.requireNonNull(handler, "handler");
    return run(
        event,
        message -> {
          QueueMessage parsed;
          try {
            parsed = QueueMessage.fromJson(message.getBody());
          } catch (IllegalArgumentException e) {
            throw new PoisonMessageException(e);
          }
          MDC.put(
              parsed.kind().equals(QueueMessage.JOB) ? MDC_JOB_ID : MDC_DELIVERY_ID,
              parsed.id().toString());
          MDC.put(MDC_TENANT_ID, parsed.tenantId().toString());
          if (MDC.get(MDC_CORRELATION_ID) == null && parsed.correlationId() != null) {
            MDC.put(MDC_CORRELATION_ID, parsed.correlationId());
          }
          return handler.apply(parsed);
        },
        false);
  }

  /** A body that is not a Conveyor message, found by {@link #processQueueMessages}. */
  private static final class PoisonMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PoisonMessageException(IllegalArgumentException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private SQSBatchResponse run(
      SQSEvent event,
      Function<SQSEvent.SQSMessage, WorkOutcome> handler,
      boolean illegalArgumentIsPoison) {
    List<SQSEvent.SQSMessage> records =
        event == null || event.getRecords() == null ? List.of() : event.getRecords();
    Map<String, String> callerContext = MDC.getCopyOfContextMap();
    List<Future<Result>> futures = new ArrayList<>(records.size());
    for (SQSEvent.SQSMessage message : records) {
      Future<Result> future;
      try {
        future =
            pool.submit(() -> handleOne(message, handler, callerContext, illegalArgumentIsPoison));
      } catch (RejectedExecutionException e) {
        throw new IllegalStateException("SqsBatchProcessor is closed", e);
      }
      futures.add(future);
    }

    List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
    boolean interrupted = false;
    for (int i = 0; i < records.size(); i++) {
      SQSEvent.SQSMessage message = records.get(i);
      Result result;
      try {
        result = interrupted ? Result.RETRY : futures.get(i).get();
      } catch (InterruptedException e) {
        interrupted = true;
        result = Result.RETRY;
      } catch (ExecutionException e) {
        // An Error escaped the handler (handleOne catches every Exception).
        log.error("message {} failed; it will be retried", message.getMessageId(), e.getCause());
        result = Result.RETRY;
      }
      if (result == Result.RETRY) {
        failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return new SQSBatchResponse(failures);
  }

  private Result handleOne(
      SQSEvent.SQSMessage message,
      Function<SQSEvent.SQSMessage, WorkOutcome> handler,
      Map<String, String> callerContext,
      boolean illegalArgumentIsPoison) {
    Map<String, String> previous = MDC.getCopyOfContextMap();
    if (callerContext != null) {
      MDC.setContextMap(callerContext);
    } else {
      MDC.clear();
    }
    String messageId = message.getMessageId();
    MDC.put(MDC_MESSAGE_ID, messageId);
    String correlationId = correlationId(message);
    if (correlationId != null) {
      MDC.put(MDC_CORRELATION_ID, correlationId);
    }
    try {
      WorkOutcome outcome = handler.apply(message);
      return switch (outcome) {
        case null -> {
          log.error("handler returned no outcome for message {}; it will be retried", messageId);
          yield Result.RETRY;
        }
        case WorkOutcome.Done done -> Result.ACKNOWLEDGE;
        case WorkOutcome.RetryAfter retry -> {
          int seconds = visibilitySeconds(retry.delay());
          log.info("message {} will be retried in {} s: {}", messageId, seconds, retry.reason());
          changeVisibility(message, seconds);
          yield Result.RETRY;
        }
      };
    } catch (PoisonMessageException e) {
      poison(message, e.getCause());
      return Result.ACKNOWLEDGE;
    } catch (IllegalArgumentException e) {
      if (!illegalArgumentIsPoison) {
        log.error("message {} failed; it will be retried", messageId, e);
        return Result.RETRY;
      }
      poison(message, e);
      return Result.ACKNOWLEDGE;
    } catch (Exception e) {
      log.error("message {} failed; it will be retried", messageId, e);
      return Result.RETRY;
    } finally {
      if (previous != null) {
        MDC.setContextMap(previous);
      } else {
        MDC.clear();
      }
    }
  }

  private static void poison(SQSEvent.SQSMessage message, Throwable e) {
    // The body is not ours; no retry can fix it, and it points at no row, so nothing is lost.
    log.error(
        "poison message {} from {} acknowledged without processing: {}",
        message.getMessageId(),
        message.getEventSourceArn(),
        describe(e));
  }

  /** The exception chain's types and the top message, without stack traces or bodies. */
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(e.toString());
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      text.append(" <- ").append(cause.getClass().getName());
    }
    return text.toString();
  }

  private static String correlationId(SQSEvent.SQSMessage message) {
    Map<String, SQSEvent.MessageAttribute> attributes = message.getMessageAttributes();
    if (attributes == null) {
      return null;
    }
    SQSEvent.MessageAttribute attribute = attributes.get(CORRELATION_ID_ATTRIBUTE);
    if (attribute == null || attribute.getStringValue() == null) {
      return null;
    }
    String value = attribute.getStringValue();
    return value.isBlank() ? null : value;
  }

  /** Whole seconds, rounded up so a backoff is never shortened, clamped to 0–43200. */
  static int visibilitySeconds(Duration delay) {
    if (delay == null || delay.isNegative() || delay.isZero()) {
      return 0;
    }
    long seconds = delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
    return (int) Math.min(seconds, MAX_VISIBILITY_SECONDS);
  }

  private void changeVisibility(SQSEvent.SQSMessage message, int seconds) {
    try {
      String queueUrl = queueUrl(message.getEventSourceArn());
      sqs.changeMessageVisibility(b ->
          b.queueUrl(queueUrl)
              .receiptHandle(message.getReceiptHandle())
              .visibilityTimeout(seconds));
    } catch (RuntimeException e) {
      log.warn(
          "could not delay message {} by {} s; it returns after the queue's visibility timeout",
          message.getMessageId(),
          seconds,
          e);
    }
  }

  private String queueUrl(String arn) {
    if (arn == null) {
      throw new IllegalArgumentException("the message has no eventSourceARN");
    }
    String cached = queueUrlsByArn.get(arn);
    if (cached != null) {
      return cached;
    }
    QueueArn parsed = QueueArn.parse(arn);
    String url =
        sqs.getQueueUrl(b -> b.queueName(parsed.name()).queueOwnerAWSAccountId(parsed.account()))
            .queueUrl();
    queueUrlsByArn.put(arn, url);
    return url;
  }

  /** {@code arn:<partition>:sqs:<region>:<account>:<name>}. */
  record QueueArn(String region, String account, String name) {
    static QueueArn parse(String arn) {
      String[] parts = arn.split(":", -1);
      if (parts.length != 6
          || !parts[0].equals("arn")
          || !parts[2].equals("sqs")
          || parts[4].isEmpty()
          || parts[5].isEmpty()) {
        throw new IllegalArgumentException("not an SQS queue ARN: " + arn);
      }
      return new QueueArn(parts[3], parts[4], parts[5]);
    }
  }

  /** Stops the pool; messages already running finish first (for a few seconds at most). */
  @Override
  public void close() {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
