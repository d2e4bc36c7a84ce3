package dev.conveyor.submit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Authenticator;
import dev.conveyor.core.tenant.Tenant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP API: routing, authentication and problem details around the resources. It knows nothing
 * of API Gateway; {@link ApiHandler} and the local gateway both feed it requests.
 */
public final class Api {
  static final String JSON = "application/json";

  private static final Logger LOG = LoggerFactory.getLogger(Api.class);
  private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final Authenticator authenticator;
  private final Router router;
  private final int maxBodyBytes;
  private final IdempotencyFilter idempotency;
  private final RouteLimits limits;

  Api(
      Authenticator authenticator,
      List<Route> routes,
      int maxBodyBytes,
      IdempotencyFilter idempotency,
      RouteLimits limits) {
    this.authenticator = authenticator;
    this.limits = limits;
    this.router = new Router(routes);
    this.maxBodyBytes = maxBodyBytes;
    this.idempotency = idempotency;
  }

  /** Every route, for the OpenAPI check. */
  List<Route> routes() {
    return router.routes();
  }

  public HttpResponse handle(HttpRequest request) {
    String correlationId = correlationId(request);
    MDC.put("correlation_id", correlationId);
    try {
      return withCorrelation(route(request, correlationId), correlationId);
    } catch (ProblemException p) {
      return withCorrelation(Problems.render(p, request.path(), correlationId), correlationId);
    } catch (RuntimeException e) {
      LOG.error("unhandled error on {} {}", request.method(), request.path(), e);
      return withCorrelation(
          Problems.render(Problems.internal(), request.path(), correlationId), correlationId);
    } finally {
      MDC.remove("correlation_id");
      MDC.remove("tenant_id");
      MDC.remove("job_id");
    }
  }

  private HttpResponse route(HttpRequest request, String correlationId) {
    Set<String> allowed = Router.newAllowSet();
    Optional<Router.Match> match = router.match(request.method(), request.path(), allowed);
    if (match.isEmpty()) {
      if (!allowed.isEmpty()) {
        throw Problems.methodNotAllowed(String.join(", ", allowed));
      }
      throw ProblemException.notFound("There is no resource at " + request.path() + ".");
    }
    Route route = match.get().route();
    if (!route.authenticated()) {
      return route
          .handler()
          .handle(new ApiRequest(request, null, match.get().params(), correlationId, maxBodyBytes));
    }
    Tenant tenant = authenticator.authenticate(request.header("authorization").orElse(null));
    MDC.put("tenant_id", tenant.id().toString());
    // Before idempotency: a replay costs a token too, as it costs a lookup.
    limits.spend(tenant.id(), route.routeClass());
    ApiRequest apiRequest =
        new ApiRequest(request, tenant, match.get().params(), correlationId, maxBodyBytes);
    return idempotency.apply(
        request, tenant, correlationId, () -> route.handler().handle(apiRequest));
  }

  static HttpResponse json(int status, JsonNode body) {
    return new HttpResponse(status, Map.of("content-type", JSON), Json.write(body));
  }

  private static String correlationId(HttpRequest request) {
    return request
        .header("x-correlation-id")
        .filter(id -> CORRELATION_ID.matcher(id).matches())
        .or(() -> Optional.ofNullable(request.requestId()).filter(id -> !id.isBlank()))
        .orElseGet(() -> UUID.randomUUID().toString());
  }

  private static HttpResponse withCorrelation(HttpResponse response, String correlationId) {
    Map<String, String> headers = new LinkedHashMap<>(response.headers());
    headers.put("x-correlation-id", correlationId);
    return new HttpResponse(response.status(), headers, response.body());
  }
}
