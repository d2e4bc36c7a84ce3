package dev.conveyor.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.conveyor.core.webhook.WebhookSignature;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A tenant's webhook endpoint on loopback, as a receiver should write one: it verifies the Standard
 * Webhooks signature and timestamp before trusting the body, answers 204 when they hold and 401
 * when they don't.
 */
final class WebhookReceiver implements AutoCloseable {
  /** One request as received (and when), and whether its signature verified. */
  record Received(
      String id,
      String timestamp,
      String signature,
      String body,
      boolean verified,
      Instant receivedAt) {}

  private final HttpServer server;
  private final LinkedBlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
  private final List<Received> all = new CopyOnWriteArrayList<>();
  private volatile String secret;

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/webhooks", this::receive);
  }

  WebhookReceiver start() {
    server.start();
    return this;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks");
  }

  /** The secret is known only once the endpoint is registered. */
  void trust(String whsecSecret) {
    this.secret = whsecSecret;
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      Instant receivedAt = Instant.now();
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      var h = exchange.getRequestHeaders();
      String id = h.getFirst(WebhookSignature.HEADER_ID);
      String timestamp = h.getFirst(WebhookSignature.HEADER_TIMESTAMP);
      String signature = h.getFirst(WebhookSignature.HEADER_SIGNATURE);
      String key = secret;
      boolean verified =
          key != null
              && WebhookSignature.verify(
                  key,
                  id,
                  timestamp,
                  signature,
                  body,
                  Instant.now(),
                  WebhookSignature.DEFAULT_TOLERANCE);
      Received received = new Received(id, timestamp, signature, body, verified, receivedAt);
      all.add(received);
      inbox.add(received);
      exchange.sendResponseHeaders(verified ? 204 : 401, -1);
    }
  }

  Optional<Received> next(Duration timeout) throws InterruptedException {
    return Optional.ofNullable(inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
  }

  List<Received> received() {
    return List.copyOf(all);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
