package dev.conveyor.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The anchor: a JDK {@link HttpServer} on loopback, shaped like the local stack's gateway (same
 * server, backlog and thread count), that reads the request and answers {@code 202} with a fixed
 * body — the one Conveyor answered to the sanity request. It does no work at all, so what the
 * benchmark measures against it is the harness's own ceiling on this machine: client, loopback TCP
 * and the JDK HTTP server.
 */
final class BaselineServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, String> headers;
  private final byte[] body;

  BaselineServer(int threads, Map<String, String> headers, byte[] body) throws IOException {
    this.headers = Map.copyOf(headers);
    this.body = body.clone();
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    this.executor =
        Executors.newFixedThreadPool(
            threads, Thread.ofPlatform().name("baseline-", 0).daemon().factory());
    server.setExecutor(executor);
    server.createContext("/", this::serve);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      headers.forEach((k, v) -> exchange.getResponseHeaders().put(k, List.of(v)));
      exchange.sendResponseHeaders(202, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
