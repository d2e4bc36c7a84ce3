package dev.conveyor.submit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One operation of the API: a method and a path template such as {@code /v1/jobs/{id}}, the rate
 * class it is counted in, whether it needs an API key, the statuses its handler answers with (the
 * OpenAPI document is checked against them), and the handler.
 */
record Route(
    String method,
    String template,
    RouteClass routeClass,
    boolean authenticated,
    Set<Integer> statuses,
    Handler handler) {

  Route {
    statuses = Set.copyOf(statuses);
  }

  /** An authenticated route whose statuses are declared with {@link #answers}. */
  Route(String method, String template, RouteClass routeClass, Handler handler) {
    this(method, template, routeClass, true, Set.of(), handler);
  }

  /** A route anyone may call (no API key, no rate limit): the API description. */
  static Route open(String method, String template, Set<Integer> statuses, Handler handler) {
    return new Route(method, template, RouteClass.READS, false, statuses, handler);
  }

  /** The statuses this route's handler itself answers with. */
  Route answers(Integer... statuses) {
    return new Route(method, template, routeClass, authenticated, Set.of(statuses), handler);
  }

  /**
   * Every status a client can get here: the handler's, plus what the pipeline around it adds — 401
   * and 429 for authenticated routes; 400, 413 and 415 for bodies; 400, 409 and 422 for {@code
   * Idempotency-Key} misuse on POST.
   */
  Set<Integer> allStatuses() {
    Set<Integer> all = new TreeSet<>(statuses);
    if (authenticated) {
      all.add(401);
      all.add(429);
    }
    if (method.equals("POST")) {
      all.addAll(List.of(400, 413, 415));
      if (authenticated) {
        all.addAll(List.of(409, 422));
      }
    }
    return all;
  }

  /** Rate-limit classes: reads are cheap, writes create work, uploads hand out URLs. */
  enum RouteClass {
    READS,
    WRITES,
    UPLOADS
  }

  @FunctionalInterface
  interface Handler {
    HttpResponse handle(ApiRequest request);
  }

  private static final Pattern PARAM = Pattern.compile("\\{([a-zA-Z]+)}");

  /** The template as a regex with one group per parameter (a segment never contains '/'). */
  Pattern pattern() {
    return Pattern.compile(PARAM.matcher(Pattern.quote(template)).replaceAll("\\\\E([^/]+)\\\\Q"));
  }

  List<String> parameterNames() {
    List<String> names = new ArrayList<>();
    Matcher m = PARAM.matcher(template);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
