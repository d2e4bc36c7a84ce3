package dev.conveyor.submit;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the route for a request, telling "no such resource" (404) from "wrong method" (405). */
final class Router {
  record Match(Route route, Map<String, String> params) {}

  private record Compiled(Route route, Pattern pattern, List<String> names) {}

  private final List<Compiled> routes;

  Router(List<Route> routes) {
    this.routes =
        routes.stream().map(r -> new Compiled(r, r.pattern(), r.parameterNames())).toList();
  }

  List<Route> routes() {
    return routes.stream().map(Compiled::route).toList();
  }

  /**
   * @return the match, or empty with {@code allowed} filled with the methods the path does allow
   */
  Optional<Match> match(String method, String path, Set<String> allowed) {
    for (Compiled c : routes) {
      Matcher m = c.pattern().matcher(path);
      if (!m.matches()) {
        continue;
      }
      if (!c.route().method().equals(method)) {
        allowed.add(c.route().method());
        continue;
      }
      Map<String, String> params = new HashMap<>();
      for (int i = 0; i < c.names().size(); i++) {
        params.put(c.names().get(i), m.group(i + 1));
      }
      return Optional.of(new Match(c.route(), params));
    }
    return Optional.empty();
  }

  static Set<String> newAllowSet() {
    return new LinkedHashSet<>();
  }
}
