package dev.conveyor.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays API Gateway's HTTP API ($default route, payload format 2.0) on loopback: turns each request
 * into an {@link APIGatewayV2HTTPEvent}, invokes the handler, and writes its response. Like API
 * Gateway it refuses bodies over 10 MB itself, and caps concurrent invocations.
 */
final class LocalGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalGateway.class);

  /** API Gateway's payload limit. */
  static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

  private static final DateTimeFormatter REQUEST_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final HttpServer server;
  private final ExecutorService executor;
  private final RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler;
  private final Duration timeout;

  LocalGateway(
      int port,
      int maxConcurrency,
      Duration timeout,
      RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler)
      throws IOException {
    this.handler = handler;
    this.timeout = timeout;
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    this.executor =
        Executors.newFixedThreadPool(
            maxConcurrency, Thread.ofPlatform().name("gateway-", 0).daemon().factory());
    server.setExecutor(executor);
    server.createContext("/", this::serve);
  }

  LocalGateway start() {
    server.start();
    return this;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_PAYLOAD_BYTES + 1);
      }
      if (body.length > MAX_PAYLOAD_BYTES) {
        write(
            exchange,
            413,
            Map.of("content-type", "application/json"),
            "{\"message\":\"Request Entity Too Large\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      APIGatewayV2HTTPResponse response;
      try {
        response =
            handler.handleRequest(
                toEvent(exchange, body), new LocalLambdaContext("conveyor-submit", timeout, 1024));
      } catch (RuntimeException e) {
        LOG.error("submit handler failed", e);
        write(
            exchange,
            500,
            Map.of("content-type", "application/json"),
            "{\"message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      byte[] out =
          response.getBody() == null
              ? new byte[0]
              : response.getIsBase64Encoded()
                  ? Base64.getDecoder().decode(response.getBody())
                  : response.getBody().getBytes(StandardCharsets.UTF_8);
      write(
          exchange,
          response.getStatusCode(),
          response.getHeaders() == null ? Map.of() : response.getHeaders(),
          out);
    }
  }

  private static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, byte[] body) {
    URI uri = exchange.getRequestURI();
    Map<String, String> headers = new LinkedHashMap<>();
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
    String contentType = headers.getOrDefault("content-type", "");
    boolean text = body.length == 0 || isText(contentType);
    Instant now = Instant.now();
    String sourceIp = exchange.getRemoteAddress().getAddress().getHostAddress();
    return APIGatewayV2HTTPEvent.builder()
        .withVersion("2.0")
        .withRouteKey("$default")
        .withRawPath(uri.getRawPath())
        .withRawQueryString(uri.getRawQuery() == null ? "" : uri.getRawQuery())
        .withQueryStringParameters(queryParameters(uri.getRawQuery()))
        .withHeaders(headers)
        .withBody(
            body.length == 0
                ? null
                : text
                    ? new String(body, StandardCharsets.UTF_8)
                    : Base64.getEncoder().encodeToString(body))
        .withIsBase64Encoded(!text)
        .withRequestContext(
            APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAccountId("000000000000")
                .withApiId("local")
                .withDomainName("127.0.0.1")
                .withStage("$default")
                .withRouteKey("$default")
                .withRequestId(UUID.randomUUID().toString())
                .withTime(REQUEST_TIME.format(now))
                .withTimeEpoch(now.toEpochMilli())
                .withHttp(
                    APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                        .withMethod(exchange.getRequestMethod())
                        .withPath(uri.getPath())
                        .withProtocol(exchange.getProtocol())
                        .withSourceIp(sourceIp)
                        .withUserAgent(headers.getOrDefault("user-agent", ""))
                        .build())
                .build())
        .build();
  }

  /**
   * The query string as API Gateway hands it over: names and values percent-decoded ({@code +} as a
   * space), a repeated parameter's values joined by commas, a name without {@code =} given an empty
   * value; null when there is no query string.
   */
  static Map<String, String> queryParameters(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return null;
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      parameters.merge(name, value, (first, next) -> first + "," + next);
    }
    return parameters.isEmpty() ? null : parameters;
  }

  /** Percent-decodes; a malformed escape is passed through as written, for the API to refuse. */
  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text;
    }
  }

  /** API Gateway passes text bodies as-is and base64-encodes everything else. */
  private static boolean isText(String contentType) {
    String ct = contentType.toLowerCase(Locale.ROOT);
    return ct.startsWith("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.startsWith("application/x-www-form-urlencoded");
  }

  private static void write(
      HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
      throws IOException {
    headers.forEach((k, v) -> exchange.getResponseHeaders().put(k, List.of(v)));
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
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
