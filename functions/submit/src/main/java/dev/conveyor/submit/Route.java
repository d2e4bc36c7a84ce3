package dev.conveyor.submit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One operation of the API: a method and a path template such as {@code /v1/jobs/{id}}, the rate
 * class it is counted in, and its handler.
 */
record Route(String method, String template, RouteClass routeClass, Handler handler) {

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
