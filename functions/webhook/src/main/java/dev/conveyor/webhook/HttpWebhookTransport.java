package dev.conveyor.webhook;

import dev.conveyor.core.port.WebhookTransport;
import dev.conveyor.core.webhook.WebhookUrlGuard;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Webhook HTTP calls with the JDK client: a hard timeout, no redirects (a redirect could point
 * anywhere; a 3xx is answered as it is, and so counts as a failed attempt), no proxy, and only the
 * first few KiB of the response read.
 *
 * <p>Every call passes the {@link WebhookUrlGuard} first (the rule registration applied): {@code
 * https} only, and no address a receiver on the public internet could not have. The client then
 * connects to exactly the addresses the guard checked: the host is {@link PinnedHosts pinned} for
 * the call, so the client's own lookup cannot get a different DNS answer. Plain HTTP, and loopback,
 * only with {@code allowLoopbackHttp} — the local stack's named opt-in ({@code
 * WEBHOOK_ALLOW_LOOPBACK_HTTP}) — never silently.
 */
public final class HttpWebhookTransport implements WebhookTransport {
  static final int MAX_RESPONSE_BYTES = 4096;

  private final HttpClient client;
  private final Duration timeout;
  private final WebhookUrlGuard guard;

  /**
   * @throws IllegalStateException when this JVM does not resolve through {@link
   *     PinningResolverProvider}, without which the checked addresses could not be pinned
   */
  public HttpWebhookTransport(Duration timeout, boolean allowLoopbackHttp) {
    PinnedHosts.requireInstalled();
    this.client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            // A proxy would resolve the host itself, out of the guard's sight.
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(timeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.timeout = timeout;
    this.guard = new WebhookUrlGuard(allowLoopbackHttp);
  }

  @Override
  public Response post(URI url, Map<String, String> headers, String body) throws IOException {
    // Held from before the guard resolves until the exchange is over: see PinnedHosts. (A URL
    // without a host pins nothing; the guard refuses it.)
    try (PinnedHosts.Hold pin =
        url.getHost() == null ? null : PinnedHosts.JVM.hold(url.getHost())) {
      check(url, pin);
      return exchange(url, headers, body);
    }
  }

  /**
   * Passes when the URL may be called at the addresses its host is now pinned to.
   *
   * @throws Refused when it may not
   * @throws java.net.UnknownHostException when the host does not resolve: DNS may answer in a
   *     minute, so that is a failed attempt to retry, not a refusal
   */
  private void check(URI url, PinnedHosts.Hold pin) throws IOException {
    switch (guard.check(url)) {
      case WebhookUrlGuard.Forbidden forbidden -> throw refused(forbidden);
      case WebhookUrlGuard.Unresolved unresolved -> throw unresolved.cause();
      case WebhookUrlGuard.Allowed allowed -> {
        // Usually the very addresses just checked; another answer if a lookup fixed the pin first.
        List<InetAddress> pinned = pin.fix(allowed.addresses());
        Optional<WebhookUrlGuard.Forbidden> refusal = guard.refusal(url, pinned);
        if (refusal.isPresent()) {
          throw refused(refusal.get());
        }
      }
    }
  }

  private Response exchange(URI url, Map<String, String> headers, String body) throws IOException {
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

  /** The class leads the message too: the delivery log keeps the message. */
  private static Refused refused(WebhookUrlGuard.Forbidden forbidden) {
    return new Refused(forbidden.errorClass(), forbidden.errorClass() + ": " + forbidden.reason());
  }
}
