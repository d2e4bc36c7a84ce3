package dev.conveyor.core.webhook;

import dev.conveyor.core.job.JobId;
import dev.conveyor.core.port.DeliveryStore;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.WebhookEndpointStore;
import dev.conveyor.core.query.DeliveryPage;
import dev.conveyor.core.query.DeliveryQuery;
import dev.conveyor.core.submit.OutboxDispatcher;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook delivery log as a tenant sees it: a job's deliveries, an endpoint's deliveries page
 * by page, each with every attempt; and a manual retry of a failed delivery, which commits the
 * delivery back to {@code pending} with its outbox row and then sends it to the critical tier.
 *
 * <p>Another tenant's job, endpoint or delivery is not found, like an unknown one.
 */
public final class DeliveryLog {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final DeliveryStore deliveries;
  private final JobStore jobs;
  private final WebhookEndpointStore endpoints;
  private final OutboxDispatcher dispatcher;
  private final Clock clock;

  public DeliveryLog(
      DeliveryStore deliveries,
      JobStore jobs,
      WebhookEndpointStore endpoints,
      OutboxDispatcher dispatcher,
      Clock clock) {
    this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * @return the job's deliveries, newest first, each with its attempts newest first
   * @throws ProblemException 404 for an unknown or another tenant's job
   */
  public List<Delivery> ofJob(Tenant tenant, String jobId) {
    ProblemException notFound = ProblemException.notFound("No job " + jobId + ".");
    JobId id = JobId.parse(jobId).orElseThrow(() -> notFound);
    if (jobs.find(tenant.id(), id).isEmpty()) {
      throw notFound;
    }
    return deliveries.findByJob(tenant.id(), id.value());
  }

  /**
   * @param parameters the query parameters: {@code limit}, {@code cursor}
   * @throws ProblemException 404 for an unknown, deleted or another tenant's endpoint; 422 for
   *     invalid parameters; 400 for a cursor this API did not issue
   */
  public DeliveryPage ofEndpoint(Tenant tenant, String endpointId, Map<String, String> parameters) {
    ProblemException notFound =
        ProblemException.notFound("No webhook endpoint " + endpointId + ".");
    UUID id = uuid(endpointId).orElseThrow(() -> notFound);
    if (endpoints.find(tenant.id(), id).isEmpty()) {
      throw notFound;
    }
    return deliveries.listByEndpoint(tenant.id(), id, DeliveryQuery.fromParameters(parameters));
  }

  /**
   * Retries a failed delivery now: it goes back to {@code pending} with a fresh attempt budget (its
   * attempts stay in the log) and is sent to the critical tier.
   *
   * @return the delivery, pending
   * @throws ProblemException 404 for an unknown or another tenant's delivery; 409 {@code
   *     delivery-not-failed} for a delivery that is pending, being delivered or succeeded; 409
   *     {@code endpoint-disabled} when its endpoint is disabled or deleted
   */
  public Delivery retry(Tenant tenant, String deliveryId) {
    ProblemException notFound = ProblemException.notFound("No delivery " + deliveryId + ".");
    UUID id = uuid(deliveryId).orElseThrow(() -> notFound);
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Optional<DeliveryStore.Retried> retried = deliveries.retry(tenant.id(), id, now);
    if (retried.isPresent()) {
      LOG.info("delivery {} retried by its tenant; sending it to the critical tier", id);
      dispatcher.dispatch(retried.get().message());
      return retried.get().delivery();
    }
    Delivery current = deliveries.find(tenant.id(), id).orElseThrow(() -> notFound);
    if (current.state() != DeliveryState.FAILED) {
      throw new ProblemException(
          409,
          "delivery-not-failed",
          "Delivery has not failed",
          "Delivery "
              + id
              + " is "
              + current.state().wireName()
              + "; only failed deliveries can be retried.");
    }
    // Failed, yet not retried: the store refuses only when the endpoint is not enabled.
    throw new ProblemException(
        409,
        "endpoint-disabled",
        "Webhook endpoint is disabled",
        "The webhook endpoint "
            + current.endpointId()
            + " of delivery "
            + id
            + " is disabled or deleted; enable it (POST /v1/webhook-endpoints/{id}/enable) before"
            + " retrying.");
  }

  private static Optional<UUID> uuid(String text) {
    return text != null && UUID_TEXT.matcher(text).matches()
        ? Optional.of(UUID.fromString(text))
        : Optional.empty();
  }
}
