package dev.conveyor.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A webhook receiver on 127.0.0.1 (the JDK's HTTP server): records every request and answers as the
 * test says (status, headers, body, an optional delay before answering).
 */
final class Receiver implements AutoCloseable {

  /** One request as it arrived; header names lower-cased, first value only. */
  record Request(String method, String path, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** What the receiver answers. */
  record Answer(int status, Map<String, String> headers, String body, Duration delay) {
    static Answer status(int status) {
      return new Answer(status, Map.of(), "", Duration.ZERO);
    }

    Answer withBody(String body) {
      return new Answer(status, headers, body, delay);
    }

    Answer withHeader(String name, String value) {
      Map<String, String> more = new TreeMap<>(headers);
      more.put(name, value);
      return new Answer(status, more, body, delay);
    }

    Answer after(Duration delay) {
      return new Answer(status, headers, body, delay);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Answer> answersByPath = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Answer answer = Answer.status(204);

  private Receiver(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  static Receiver start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      ExecutorService executor =
          Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "webhook-receiver");
            thread.setDaemon(true);
            return thread;
          });
      Receiver receiver = new Receiver(server, executor);
      server.createContext("/", receiver::handle);
      server.setExecutor(executor);
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the test receiver", e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> headers = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(
          new Request(
              exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body));
      Answer now = answersByPath.getOrDefault(exchange.getRequestURI().getPath(), answer);
      if (!now.delay().isZero()) {
        try {
          Thread.sleep(now.delay());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      now.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      byte[] bytes = now.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(now.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  void answer(Answer answer) {
    this.answer = answer;
  }

  void answer(int status) {
    answer(Answer.status(status));
  }

  /** How requests to {@code path} are answered (others get the default answer). */
  void answer(String path, Answer answer) {
    answersByPath.put(path, answer);
  }

  /** Forgets the requests so far and answers 204 again. */
  void reset() {
    requests.clear();
    answersByPath.clear();
    answer = Answer.status(204);
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<Request> requestsTo(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  int port() {
    return server.getAddress().getPort();
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
