package dev.conveyor.submit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request as the API sees it, independent of how it arrived (API Gateway event or local
 * gateway). Header names are case-insensitive.
 *
 * @param body the raw body bytes (already base64-decoded), or an empty array
 * @param query the query string's parameters, decoded (names are case-sensitive; a repeated
 *     parameter's values joined by commas, as API Gateway joins them)
 */
public record HttpRequest(
    String method,
    String path,
    Map<String, String> headers,
    byte[] body,
    String requestId,
    Map<String, String> query) {

  public HttpRequest {
    TreeMap<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    folded.putAll(headers);
    headers = folded;
    body = body == null ? new byte[0] : body;
    Map<String, String> parameters = new LinkedHashMap<>();
    if (query != null) {
      query.forEach((name, value) -> {
        if (name != null && value != null) {
          parameters.put(name, value);
        }
      });
    }
    query = Collections.unmodifiableMap(parameters);
  }

  /** A request without a query string. */
  public HttpRequest(
      String method, String path, Map<String, String> headers, byte[] body, String requestId) {
    this(method, path, headers, body, requestId, Map.of());
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }
}
