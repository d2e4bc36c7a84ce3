package dev.conveyor.submit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.query.DeliveryPage;
import dev.conveyor.core.webhook.Delivery;
import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryLog;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook delivery log: a job's deliveries ({@code GET /v1/jobs/{id}/deliveries}), an
 * endpoint's, page by page ({@code GET /v1/webhook-endpoints/{id}/deliveries}), each with every
 * attempt newest first; and {@code POST /v1/deliveries/{id}/retry} for a failed one.
 */
final class DeliveriesResource {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveriesResource.class);

  private final DeliveryLog log;

  DeliveriesResource(DeliveryLog log) {
    this.log = log;
  }

  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/jobs/{id}/deliveries", Route.RouteClass.READS, this::ofJob)
            .answers(200, 404),
        new Route(
                "GET",
                "/v1/webhook-endpoints/{id}/deliveries",
                Route.RouteClass.READS,
                this::ofEndpoint)
            .answers(200, 400, 404, 422),
        new Route("POST", "/v1/deliveries/{id}/retry", Route.RouteClass.WRITES, this::retry)
            .answers(202, 404, 409));
  }

  /** {@code {"data": [...]}}, newest first. */
  private HttpResponse ofJob(ApiRequest request) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode data = body.putArray("data");
    log.ofJob(request.tenant(), request.param("id")).forEach(d -> data.add(present(d)));
    return Api.json(200, body);
  }

  /** {@code ?limit=&cursor=}: {@code {"data": [...], "nextCursor": "..." | null}}, newest first. */
  private HttpResponse ofEndpoint(ApiRequest request) {
    DeliveryPage page =
        log.ofEndpoint(request.tenant(), request.param("id"), request.http().query());
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode data = body.putArray("data");
    page.deliveries().forEach(d -> data.add(present(d)));
    if (page.next() == null) {
      body.putNull("nextCursor");
    } else {
      body.put("nextCursor", page.next().encode());
    }
    return Api.json(200, body);
  }

  /** 202: the delivery is pending again and on its way to the critical queue. */
  private HttpResponse retry(ApiRequest request) {
    Delivery retried = log.retry(request.tenant(), request.param("id"));
    LOG.info("delivery retried: id={} attempts so far={}", retried.id(), retried.attemptCount());
    return Api.json(202, present(retried));
  }

  static ObjectNode present(Delivery delivery) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", delivery.id().toString());
    node.put("jobId", delivery.jobId().toString());
    node.put("endpointId", delivery.endpointId().toString());
    node.put("eventType", delivery.eventType());
    node.put("state", delivery.state().wireName());
    node.put("attemptCount", delivery.attemptCount());
    putIfSet(node, "nextAttemptAt", delivery.nextAttemptAt());
    if (delivery.failureReason() != null) {
      node.put("failureReason", delivery.failureReason());
    }
    node.put("createdAt", delivery.createdAt().toString());
    node.put("updatedAt", delivery.updatedAt().toString());
    ArrayNode attempts = node.putArray("attempts");
    for (DeliveryAttempt attempt : delivery.attempts()) {
      ObjectNode a = attempts.addObject();
      a.put("attempt", attempt.attempt());
      a.put("at", attempt.at().toString());
      if (attempt.status() != null) {
        a.put("status", attempt.status());
      }
      a.put("latencyMs", attempt.latencyMillis());
      if (attempt.responseBody() != null) {
        a.put("responseBody", attempt.responseBody());
      }
      if (attempt.errorClass() != null) {
        a.put("errorClass", attempt.errorClass());
      }
    }
    return node;
  }

  private static void putIfSet(ObjectNode node, String field, Instant value) {
    if (value != null) {
      node.put(field, value.toString());
    }
  }
}
