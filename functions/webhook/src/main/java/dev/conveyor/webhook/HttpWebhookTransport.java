package dev.conveyor.webhook;

import dev.conveyor.core.port.WebhookTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Webhook HTTP calls with the JDK client: a hard timeout, no redirects (a redirect could point
 * anywhere), and only the first few KiB of the response read.
 *
 * <p>Only HTTPS endpoints are called. Plain HTTP is allowed solely to loopback, and solely when
 * {@code allowLoopbackHttp} is set — the local stack's named opt-in ({@code
 * WEBHOOK_ALLOW_LOOPBACK_HTTP}) — never silently.
 */
public final class HttpWebhookTransport implements WebhookTransport {
  static final int MAX_RESPONSE_BYTES = 4096;

  private final HttpClient client;
  private final Duration timeout;
  private final boolean allowLoopbackHttp;

  public HttpWebhookTransport(Duration timeout, boolean allowLoopbackHttp) {
    this.client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(timeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.timeout = timeout;
    this.allowLoopbackHttp = allowLoopbackHttp;
  }

  @Override
  public Response post(URI url, Map<String, String> headers, String body) throws IOException {
    checkScheme(url);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    try {
      HttpResponse<InputStream> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      String snippet;
      try (InputStream in = response.body()) {
        snippet = new String(in.readNBytes(MAX_RESPONSE_BYTES), StandardCharsets.UTF_8);
      }
      return new Response(
          response.statusCode(), response.headers().firstValue("retry-after"), snippet);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void checkScheme(URI url) throws Refused {
    String scheme =
        url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (scheme.equals("https")) {
      return;
    }
    if (scheme.equals("http") && allowLoopbackHttp && isLoopback(url.getHost())) {
      return;
    }
    throw new Refused("only https endpoints are called (" + scheme + " refused)");
  }

  private static boolean isLoopback(String host) throws Refused {
    if (host == null) {
      return false;
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (java.net.UnknownHostException e) {
      throw new Refused("cannot resolve " + host);
    }
  }
}
