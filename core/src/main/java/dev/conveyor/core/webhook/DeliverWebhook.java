package dev.conveyor.core.webhook;

import dev.conveyor.core.port.DeliveryStore;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookTransport;
import dev.conveyor.core.work.WorkOutcome;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Delivers one signed webhook attempt and records it in the delivery log, keeping the endpoint's
 * health: after {@code disableAfterFailing} of nothing but failed attempts, the endpoint is
 * disabled.
 */
public final class DeliverWebhook {
  private static final Logger LOG = LoggerFactory.getLogger(DeliverWebhook.class);

  /** SQS cannot hide a message for longer than 12 hours. */
  private static final Duration MAX_VISIBILITY = Duration.ofHours(12);

  private final DeliveryStore deliveries;
  private final WebhookTransport transport;
  private final SecretSealer sealer;
  private final RetrySchedule schedule;
  private final Clock clock;
  private final Duration lease;
  private final Duration disableAfterFailing;

  /**
   * @param disableAfterFailing how long an endpoint may fail every attempt before it is disabled
   *     (the {@code WEBHOOK_DISABLE_AFTER_FAILING_HOURS} setting)
   */
  public DeliverWebhook(
      DeliveryStore deliveries,
      WebhookTransport transport,
      SecretSealer sealer,
      RetrySchedule schedule,
      Clock clock,
      Duration lease,
      Duration disableAfterFailing) {
    this.deliveries = deliveries;
    this.transport = transport;
    this.sealer = sealer;
    this.schedule = schedule;
    this.clock = clock;
    this.lease = lease;
    this.disableAfterFailing = disableAfterFailing;
  }

  public WorkOutcome deliver(QueueMessage message) {
    Instant now = clock.instant();
    Optional<DeliveryTask> claimed = deliveries.claim(message.id(), now, now.plus(lease));
    if (claimed.isEmpty()) {
      Optional<Instant> due = deliveries.notDueUntil(message.id(), now);
      if (due.isPresent()) {
        LOG.info("delivery not due until {}; the message waits again", due.get());
        return new WorkOutcome.RetryAfter(capped(Duration.between(now, due.get())), "not due");
      }
      LOG.info("delivery not claimable (duplicate or already ended); acknowledged");
      return WorkOutcome.done();
    }
    DeliveryTask task = claimed.get();
    MDC.put("delivery_id", task.deliveryId().toString());
    MDC.put("job_id", task.jobId().toString());
    MDC.put("tenant_id", task.tenantId().toString());
    try {
      return attempt(task, now);
    } finally {
      MDC.remove("delivery_id");
      MDC.remove("job_id");
      MDC.remove("tenant_id");
    }
  }

  private WorkOutcome attempt(DeliveryTask task, Instant now) {
    List<String> secrets = task.sealedSecrets().stream().map(sealer::open).toList();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("user-agent", "Conveyor-Webhooks/1");
    headers.putAll(WebhookSignature.headers(task.messageId(), now, task.payload(), secrets));

    Integer status = null;
    Optional<String> retryAfter = Optional.empty();
    String body = null;
    String errorClass = null;
    boolean refused = false;
    long started = System.nanoTime();
    try {
      WebhookTransport.Response response = transport.post(task.url(), headers, task.payload());
      status = response.status();
      retryAfter = response.retryAfter();
      body = response.body();
    } catch (WebhookTransport.Refused e) {
      // e.g. forbidden-address: the SSRF guard's class, so the tenant sees why in the log.
      errorClass = e.errorClass();
      refused = true;
      body = e.getMessage();
    } catch (HttpTimeoutException e) {
      errorClass = "timeout";
    } catch (IOException e) {
      errorClass = "connection";
    }
    long latencyMillis = (System.nanoTime() - started) / 1_000_000;
    Instant at = clock.instant();
    DeliveryAttempt attempt =
        new DeliveryAttempt(
            task.deliveryId(), task.attempt(), at, status, latencyMillis, body, errorClass);

    DeliveryOutcome outcome =
        refused
            ? new DeliveryOutcome.Failed("endpoint-refused")
            : outcomeOf(task, status, retryAfter, at);
    deliveries.record(attempt, outcome, at.minus(disableAfterFailing));
    LOG.info(
        "webhook attempt {}: status={} error={} latency_ms={} outcome={}",
        task.attempt(),
        status,
        errorClass,
        latencyMillis,
        outcome.getClass().getSimpleName());
    return switch (outcome) {
      case DeliveryOutcome.RetryAt r -> {
        yield new WorkOutcome.RetryAfter(
            capped(Duration.between(at, r.nextAttemptAt())),
            "webhook attempt " + task.attempt() + " failed");
      }
      default -> WorkOutcome.done();
    };
  }

  private DeliveryOutcome outcomeOf(
      DeliveryTask task, Integer status, Optional<String> retryAfter, Instant at) {
    if (status != null && status >= 200 && status < 300) {
      return new DeliveryOutcome.Succeeded();
    }
    if (status != null && status == 410) {
      return new DeliveryOutcome.Failed("endpoint-gone");
    }
    Optional<Duration> scheduled = schedule.after(task.attemptSinceRetry());
    if (scheduled.isEmpty()) {
      return new DeliveryOutcome.Failed("attempts-exhausted");
    }
    Duration delay = scheduled.get();
    if (status != null && (status == 429 || status == 503)) {
      // The receiver asked for time: give it, but never less than the schedule or more than the
      // cap.
      Optional<Duration> asked = retryAfter.flatMap(value -> RetryAfterHeader.parse(value, at));
      if (asked.isPresent() && asked.get().compareTo(delay) > 0) {
        delay = capped(asked.get());
      }
    }
    return new DeliveryOutcome.RetryAt(at.plus(delay));
  }

  private static Duration capped(Duration delay) {
    return delay.compareTo(MAX_VISIBILITY) > 0 ? MAX_VISIBILITY : delay;
  }
}
