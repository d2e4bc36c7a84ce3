package dev.conveyor.submit;

import dev.conveyor.core.idempotency.Idempotency;
import dev.conveyor.core.idempotency.StoredResponse;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code Idempotency-Key} on every {@code POST}: a request carrying the header runs through {@link
 * Idempotency} (per tenant: replay, 422 for another payload, 409 while in flight, 400 for a
 * malformed key); any other request calls straight through.
 *
 * <p>The payload is the method, the path and the body bytes. A refusal the handler throws as a
 * client error (validation, malformed JSON…) is rendered here, so it is kept and replayed like any
 * other answer; a server error or any other exception is not kept.
 */
final class IdempotencyFilter {
  static final String HEADER = "Idempotency-Key";

  /** The response headers a replay repeats; the rest belong to the exchange, not the answer. */
  private static final List<String> KEPT_HEADERS = List.of("content-type", "location");

  private final Idempotency idempotency;

  IdempotencyFilter(Idempotency idempotency) {
    this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
  }

  /**
   * @param correlationId this request's, for the problem documents the handler's refusals become
   * @throws ProblemException 400, 409 or 422 when the key refuses the request
   */
  HttpResponse apply(
      HttpRequest request, Tenant tenant, String correlationId, Supplier<HttpResponse> handler) {
    Optional<String> key = request.header(HEADER);
    if (!request.method().equals("POST") || key.isEmpty()) {
      return handler.get();
    }
    AtomicReference<HttpResponse> fresh = new AtomicReference<>();
    StoredResponse answer =
        idempotency.apply(
            tenant.id(),
            key.get(),
            payload(request),
            () -> {
              HttpResponse response = answered(request, correlationId, handler);
              fresh.set(response);
              return kept(response);
            });
    // The handler ran: answer with its response whole. Otherwise this is a replay.
    return fresh.get() != null ? fresh.get() : replayed(answer);
  }

  private static HttpResponse answered(
      HttpRequest request, String correlationId, Supplier<HttpResponse> handler) {
    try {
      return handler.get();
    } catch (ProblemException p) {
      return Problems.render(p, request.path(), correlationId);
    }
  }

  /** Method, path and body, separated so that no two requests share the same bytes. */
  static byte[] payload(HttpRequest request) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(request.body().length + 64);
    out.writeBytes(request.method().getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    out.writeBytes(request.path().getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(request.body());
    return out.toByteArray();
  }

  private static StoredResponse kept(HttpResponse response) {
    Map<String, String> headers = new LinkedHashMap<>();
    response
        .headers()
        .forEach((name, value) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          if (KEPT_HEADERS.contains(lower)) {
            headers.put(lower, value);
          }
        });
    return new StoredResponse(response.status(), headers, response.body());
  }

  private static HttpResponse replayed(StoredResponse stored) {
    return new HttpResponse(stored.status(), stored.headers(), stored.body());
  }
}
