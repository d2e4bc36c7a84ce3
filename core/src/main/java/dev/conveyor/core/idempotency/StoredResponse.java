package dev.conveyor.core.idempotency;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A response as an idempotency record keeps it, to be replayed byte for byte: the status, the
 * headers that matter to a client (the HTTP edge chooses which: content type, location) and the
 * body.
 *
 * @param headers names as given, in their order; copied and unmodifiable
 * @param body the body text, or an empty string
 */
public record StoredResponse(int status, Map<String, String> headers, String body) {

  public StoredResponse {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("not an HTTP status: " + status);
    }
    Objects.requireNonNull(headers, "headers");
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    body = body == null ? "" : body;
  }

  /** Whether this is a server error: the request may be retried, so it is not kept. */
  public boolean isServerError() {
    return status >= 500;
  }

  /** This response with one more header (replacing one of the same name). */
  public StoredResponse withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new StoredResponse(status, more, body);
  }
}
