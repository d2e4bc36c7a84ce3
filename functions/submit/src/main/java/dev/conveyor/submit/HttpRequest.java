package dev.conveyor.submit;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request as the API sees it, independent of how it arrived (API Gateway event or local
 * gateway). Header names are case-insensitive.
 *
 * @param body the raw body bytes (already base64-decoded), or an empty array
 */
public record HttpRequest(
    String method, String path, Map<String, String> headers, byte[] body, String requestId) {

  public HttpRequest {
    TreeMap<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    folded.putAll(headers);
    headers = folded;
    body = body == null ? new byte[0] : body;
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }
}
