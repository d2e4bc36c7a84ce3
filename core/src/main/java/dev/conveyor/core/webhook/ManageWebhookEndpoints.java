package dev.conveyor.core.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.port.WebhookEndpointStore;
import dev.conveyor.core.port.WebhookEndpointStore.Rotation;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A tenant's webhook endpoints, as the API manages them (like Svix): create one (its {@code whsec_}
 * secret is shown then and on rotation only), list, read, delete, and rotate the signing secret
 * with a grace period during which deliveries are signed with the old and the new secret alike.
 *
 * <p>Secrets are sealed with {@link SecretSealer} before they reach the store. URLs must be
 * absolute URLs without user info or fragment that pass the {@link WebhookUrlGuard} — the same rule
 * the webhook transport applies before every delivery: {@code https}, a host that resolves, and
 * only to public addresses (plain {@code http} and loopback only with the local stack's {@code
 * WEBHOOK_ALLOW_LOOPBACK_HTTP}).
 */
public final class ManageWebhookEndpoints {
  /** The event types an endpoint may subscribe to; all of them by default. */
  public static final List<String> EVENT_TYPES =
      List.of(JobEvents.SUCCEEDED, JobEvents.FAILED, JobEvents.CANCELLED);

  public static final int MAX_ENDPOINTS_PER_TENANT = 20;
  public static final int MAX_URL_LENGTH = 2048;
  public static final int MAX_DESCRIPTION_LENGTH = 500;
  public static final Duration DEFAULT_GRACE = Duration.ofDays(1);
  public static final Duration MAX_GRACE = Duration.ofDays(7);

  /**
   * Secrets valid at once, the new one included: rotating more often than the grace period allows
   * would otherwise grow every delivery's signature header without bound.
   */
  public static final int MAX_VALID_SECRETS = 10;

  private static final Set<String> CREATE_FIELDS = Set.of("url", "eventTypes", "description");
  private static final Set<String> ROTATE_FIELDS = Set.of("graceSeconds");
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final WebhookEndpointStore store;
  private final SecretSealer sealer;
  private final WebhookUrlGuard urlGuard;
  private final Clock clock;

  public ManageWebhookEndpoints(
      WebhookEndpointStore store, SecretSealer sealer, WebhookUrlGuard urlGuard, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.sealer = Objects.requireNonNull(sealer, "sealer");
    this.urlGuard = Objects.requireNonNull(urlGuard, "urlGuard");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** With the JVM's resolver; {@code allowLoopbackHttp} is {@code WEBHOOK_ALLOW_LOOPBACK_HTTP}. */
  public ManageWebhookEndpoints(
      WebhookEndpointStore store, SecretSealer sealer, boolean allowLoopbackHttp, Clock clock) {
    this(store, sealer, new WebhookUrlGuard(allowLoopbackHttp), clock);
  }

  /**
   * An endpoint and its signing secret in clear: the only moments the tenant sees it.
   *
   * @param secret {@code whsec_…}
   */
  public record WithSecret(WebhookEndpoint endpoint, String secret) {}

  /**
   * @param secret the new {@code whsec_…} secret
   * @param previousSecretsExpireAt until when the secrets valid before the rotation keep signing
   */
  public record Rotated(WebhookEndpoint endpoint, String secret, Instant previousSecretsExpireAt) {}

  /**
   * @param body {@code {"url": "https://…", "eventTypes"?: [...], "description"?: "…"}}
   * @throws ProblemException 422 naming every invalid field, or when the tenant already has {@value
   *     #MAX_ENDPOINTS_PER_TENANT} endpoints
   */
  public WithSecret create(Tenant tenant, JsonNode body) {
    requireObject(body);
    List<FieldError> errors = new ArrayList<>();
    rejectUnknownFields(body, CREATE_FIELDS, errors);
    URI url = url(body.get("url"), errors);
    List<String> eventTypes = eventTypes(body.get("eventTypes"), errors);
    String description = description(body.get("description"), errors);
    if (!errors.isEmpty()) {
      throw ProblemException.unprocessable("The webhook endpoint is not valid.", errors);
    }
    Instant now = now();
    WebhookEndpoint endpoint =
        WebhookEndpoint.created(Ids.newV7(now), tenant.id(), url, eventTypes, description, now);
    String secret = WebhookSignature.newSecret();
    if (!store.create(endpoint, sealer.seal(secret), MAX_ENDPOINTS_PER_TENANT)) {
      throw new ProblemException(
          422,
          "endpoint-limit-reached",
          "Too many webhook endpoints",
          "A tenant has at most "
              + MAX_ENDPOINTS_PER_TENANT
              + " webhook endpoints; delete one before adding another.");
    }
    return new WithSecret(endpoint, secret);
  }

  public List<WebhookEndpoint> list(Tenant tenant) {
    return store.list(tenant.id());
  }

  /**
   * @throws ProblemException 404 for an unknown, deleted or another tenant's endpoint
   */
  public WebhookEndpoint get(Tenant tenant, String id) {
    return store.find(tenant.id(), parseId(id)).orElseThrow(() -> notFound(id));
  }

  /**
   * Deletes the endpoint (softly: see {@link WebhookEndpointStore#delete}).
   *
   * @throws ProblemException 404 for an unknown, already deleted or another tenant's endpoint
   */
  public void delete(Tenant tenant, String id) {
    if (!store.delete(tenant.id(), parseId(id))) {
      throw notFound(id);
    }
  }

  /**
   * Enables the endpoint again after it was disabled (its receiver answered 410 Gone, or every
   * attempt failed for too long): its disabled reason is cleared and its failure record starts
   * afresh. Enabling an enabled endpoint changes nothing.
   *
   * @throws ProblemException 404 for an unknown, deleted or another tenant's endpoint
   */
  public WebhookEndpoint enable(Tenant tenant, String id) {
    return store.enable(tenant.id(), parseId(id)).orElseThrow(() -> notFound(id));
  }

  /**
   * Gives the endpoint a new secret; the secrets valid until now keep signing for {@code
   * graceSeconds} (default {@link #DEFAULT_GRACE}, at most {@link #MAX_GRACE}; 0 retires them at
   * once).
   *
   * @param body {@code {"graceSeconds"?: n}}, or null for the defaults
   * @throws ProblemException 404 for an unknown, deleted or another tenant's endpoint; 422 for an
   *     invalid grace period; 409 when {@value #MAX_VALID_SECRETS} secrets would be valid at once
   */
  public Rotated rotateSecret(Tenant tenant, String id, JsonNode body) {
    UUID endpointId = parseId(id);
    Duration grace = DEFAULT_GRACE;
    if (body != null && !body.isNull()) {
      requireObject(body);
      List<FieldError> errors = new ArrayList<>();
      rejectUnknownFields(body, ROTATE_FIELDS, errors);
      grace = grace(body.get("graceSeconds"), errors);
      if (!errors.isEmpty()) {
        throw ProblemException.unprocessable("The rotation is not valid.", errors);
      }
    }
    Instant now = now();
    Instant previousExpireAt = now.plus(grace);
    String secret = WebhookSignature.newSecret();
    Rotation rotation =
        store.rotateSecret(
            tenant.id(), endpointId, sealer.seal(secret), now, previousExpireAt, MAX_VALID_SECRETS);
    return switch (rotation) {
      case ROTATED ->
          new Rotated(
              store.find(tenant.id(), endpointId).orElseThrow(() -> notFound(id)),
              secret,
              previousExpireAt);
      case NOT_FOUND -> throw notFound(id);
      case TOO_MANY_SECRETS ->
          throw new ProblemException(
              409,
              "too-many-secrets",
              "Too many valid signing secrets",
              "Rotating again would make more than "
                  + MAX_VALID_SECRETS
                  + " signing secrets valid at once; wait for older ones to expire, or rotate"
                  + " with graceSeconds 0 to retire them at once.");
    };
  }

  /** Milliseconds: what the store keeps and the endpoint's UUIDv7 id encodes. */
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  // --- validation ------------------------------------------------------------------------------

  private URI url(JsonNode node, List<FieldError> errors) {
    String expected = "required: an absolute https URL";
    if (node == null || node.isNull() || !node.isTextual()) {
      errors.add(new FieldError("/url", expected));
      return null;
    }
    String text = node.asText();
    if (text.length() > MAX_URL_LENGTH) {
      errors.add(new FieldError("/url", "at most " + MAX_URL_LENGTH + " characters"));
      return null;
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      errors.add(new FieldError("/url", "not a valid URL: " + e.getReason()));
      return null;
    }
    if (!uri.isAbsolute() || uri.isOpaque()) {
      errors.add(new FieldError("/url", expected));
      return null;
    }
    int before = errors.size();
    switch (urlGuard.check(uri)) {
      case WebhookUrlGuard.Allowed allowed -> {}
      case WebhookUrlGuard.Forbidden forbidden ->
          errors.add(new FieldError("/url", forbidden.reason()));
      case WebhookUrlGuard.Unresolved unresolved ->
          errors.add(new FieldError("/url", "must name a host that resolves"));
    }
    if (uri.getRawUserInfo() != null) {
      errors.add(new FieldError("/url", "must not contain user info"));
    }
    if (uri.getRawFragment() != null) {
      errors.add(new FieldError("/url", "must not contain a fragment"));
    }
    return errors.size() == before ? uri : null;
  }

  private static List<String> eventTypes(JsonNode node, List<FieldError> errors) {
    String expected = "one of " + String.join(", ", EVENT_TYPES);
    if (node == null || node.isNull()) {
      return EVENT_TYPES;
    }
    if (!node.isArray() || node.isEmpty()) {
      errors.add(new FieldError("/eventTypes", "a non-empty array, each " + expected));
      return null;
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode type = node.get(i);
      if (type.isTextual() && EVENT_TYPES.contains(type.asText())) {
        chosen.add(type.asText());
      } else {
        errors.add(new FieldError("/eventTypes/" + i, expected));
      }
    }
    // Canonical order, duplicates dropped.
    return EVENT_TYPES.stream().filter(chosen::contains).toList();
  }

  private static String description(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual() || node.asText().length() > MAX_DESCRIPTION_LENGTH) {
      errors.add(
          new FieldError(
              "/description", "a string of at most " + MAX_DESCRIPTION_LENGTH + " characters"));
      return null;
    }
    return node.asText();
  }

  private static Duration grace(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return DEFAULT_GRACE;
    }
    long max = MAX_GRACE.toSeconds();
    if (!node.isIntegralNumber()
        || !node.canConvertToLong()
        || node.asLong() < 0
        || node.asLong() > max) {
      errors.add(new FieldError("/graceSeconds", "an integer from 0 to " + max));
      return null;
    }
    return Duration.ofSeconds(node.asLong());
  }

  private static void requireObject(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ProblemException.unprocessable(
          "The body must be a JSON object.", List.of(new FieldError("", "expected an object")));
    }
  }

  private static void rejectUnknownFields(
      JsonNode body, Set<String> known, List<FieldError> errors) {
    for (Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator(); it.hasNext(); ) {
      String field = it.next().getKey();
      if (!known.contains(field)) {
        errors.add(
            new FieldError("/" + field.replace("~", "~0").replace("/", "~1"), "unknown field"));
      }
    }
  }

  private static UUID parseId(String id) {
    if (id == null || !UUID_TEXT.matcher(id).matches()) {
      throw notFound(id);
    }
    return UUID.fromString(id);
  }

  private static ProblemException notFound(String id) {
    return ProblemException.notFound("No webhook endpoint " + id + ".");
  }
}
