package dev.conveyor.core.port;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/** Sends one webhook HTTP request. */
public interface WebhookTransport {
  /**
   * POSTs {@code body} and returns the response; never follows redirects.
   *
   * @throws IOException when no response arrived (refused, timed out, reset)
   */
  Response post(URI url, Map<String, String> headers, String body) throws IOException;

  /**
   * @param body the start of the response body (capped)
   */
  record Response(int status, Optional<String> retryAfter, String body) {}

  /** The endpoint may not be called at all (policy), so retrying cannot help. */
  final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    private final String errorClass;

    public Refused(String reason) {
      this("refused", reason);
    }

    /**
     * @param errorClass what kind of refusal, for the delivery log: e.g. {@code forbidden-address}
     */
    public Refused(String errorClass, String reason) {
      super(reason);
      this.errorClass = errorClass;
    }

    public String errorClass() {
      return errorClass;
    }
  }
}
