package dev.conveyor.webhook;

import dev.conveyor.core.port.WebhookTransport;
import dev.conveyor.core.webhook.WebhookAddresses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
    // One deadline for the whole exchange, body included: the request timeout alone stops at the
    // headers, and a receiver trickling its body could hold the worker past its claim.
    CompletableFuture<HttpResponse<String>> exchange =
        client.sendAsync(request.build(), info -> new TruncatingBodySubscriber(MAX_RESPONSE_BYTES));
    try {
      HttpResponse<String> response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Response(
          response.statusCode(), response.headers().firstValue("retry-after"), response.body());
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new HttpTimeoutException("no complete response within " + timeout);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("webhook request failed", e.getCause());
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void checkScheme(URI url) throws IOException {
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

  private static boolean isLoopback(String host) throws IOException {
    try {
      return WebhookAddresses.allLoopback(host);
    } catch (java.net.UnknownHostException e) {
      // DNS may be back in a minute: a transient failure, not a reason to give the delivery up.
      throw new IOException("cannot resolve " + host, e);
    }
  }
}
