package dev.conveyor.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.Lazy;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.webhook.ManageWebhookEndpoints;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v1/webhook-endpoints}: a tenant's webhook receivers. The signing secret appears in the
 * answers to creation and rotation only; it is never logged. An endpoint disabled for answering 410
 * Gone or for failing too long shows why, and is enabled again with {@code POST …/{id}/enable}.
 */
final class WebhookEndpointsResource {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookEndpointsResource.class);
  private static final String PATH = "/v1/webhook-endpoints";

  private final Supplier<ManageWebhookEndpoints> endpoints;

  WebhookEndpointsResource(Supplier<ManageWebhookEndpoints> endpoints) {
    this.endpoints = endpoints;
  }

  /**
   * Wired from the container's infrastructure on first use, so a container that never manages
   * endpoints never fetches the sealing key ({@code WEBHOOK_SEALING_KEY_SECRET_ID}). {@code
   * WEBHOOK_ALLOW_LOOPBACK_HTTP} (false) admits plain-HTTP loopback URLs.
   */
  static WebhookEndpointsResource from(Infrastructure infra) {
    return new WebhookEndpointsResource(
        Lazy.of(() ->
            new ManageWebhookEndpoints(
                infra.webhookEndpointStore(),
                infra.sealer(),
                infra.env().flag("WEBHOOK_ALLOW_LOOPBACK_HTTP", false),
                infra.clock())));
  }

  List<Route> routes() {
    return List.of(
        new Route("POST", PATH, Route.RouteClass.WRITES, this::create).answers(201, 422),
        new Route("GET", PATH, Route.RouteClass.READS, this::list).answers(200),
        new Route("GET", PATH + "/{id}", Route.RouteClass.READS, this::get).answers(200, 404),
        new Route("DELETE", PATH + "/{id}", Route.RouteClass.WRITES, this::delete)
            .answers(204, 404),
        new Route("POST", PATH + "/{id}/rotate-secret", Route.RouteClass.WRITES, this::rotate)
            .answers(200, 404, 409, 422),
        new Route("POST", PATH + "/{id}/enable", Route.RouteClass.WRITES, this::enable)
            .answers(200, 404));
  }

  private HttpResponse create(ApiRequest request) {
    ManageWebhookEndpoints.WithSecret created =
        endpoints.get().create(request.tenant(), request.json());
    LOG.info("webhook endpoint created: id={}", created.endpoint().id());
    ObjectNode body = present(created.endpoint());
    body.put("secret", created.secret());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", Api.JSON);
    headers.put("location", PATH + "/" + created.endpoint().id());
    return new HttpResponse(201, headers, Json.write(body));
  }

  private HttpResponse list(ApiRequest request) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode data = body.putArray("data");
    endpoints.get().list(request.tenant()).forEach(e -> data.add(present(e)));
    return Api.json(200, body);
  }

  private HttpResponse get(ApiRequest request) {
    return Api.json(200, present(endpoints.get().get(request.tenant(), request.param("id"))));
  }

  private HttpResponse delete(ApiRequest request) {
    endpoints.get().delete(request.tenant(), request.param("id"));
    LOG.info("webhook endpoint deleted: id={}", request.param("id"));
    return new HttpResponse(204, Map.of(), "");
  }

  /** The body is optional: none (or an empty one) means the default grace period. */
  private HttpResponse rotate(ApiRequest request) {
    boolean none = new String(request.http().body(), StandardCharsets.UTF_8).isBlank();
    JsonNode body = none ? null : request.json();
    ManageWebhookEndpoints.Rotated rotated =
        endpoints.get().rotateSecret(request.tenant(), request.param("id"), body);
    LOG.info(
        "webhook secret rotated: id={} previousSecretsExpireAt={}",
        rotated.endpoint().id(),
        rotated.previousSecretsExpireAt());
    ObjectNode out = present(rotated.endpoint());
    out.put("secret", rotated.secret());
    out.put("previousSecretsExpireAt", rotated.previousSecretsExpireAt().toString());
    return Api.json(200, out);
  }

  private HttpResponse enable(ApiRequest request) {
    WebhookEndpoint enabled = endpoints.get().enable(request.tenant(), request.param("id"));
    LOG.info("webhook endpoint enabled: id={}", enabled.id());
    return Api.json(200, present(enabled));
  }

  private static ObjectNode present(WebhookEndpoint endpoint) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", endpoint.id().toString());
    node.put("url", endpoint.url().toString());
    ArrayNode types = node.putArray("eventTypes");
    endpoint.eventTypes().forEach(types::add);
    if (endpoint.description() != null) {
      node.put("description", endpoint.description());
    }
    node.put("enabled", endpoint.enabled());
    if (endpoint.disabledReason() != null) {
      node.put("disabledReason", endpoint.disabledReason());
    }
    if (endpoint.disabledAt() != null) {
      node.put("disabledAt", endpoint.disabledAt().toString());
    }
    if (endpoint.failingSince() != null) {
      node.put("failingSince", endpoint.failingSince().toString());
    }
    node.put("createdAt", endpoint.createdAt().toString());
    return node;
  }
}
