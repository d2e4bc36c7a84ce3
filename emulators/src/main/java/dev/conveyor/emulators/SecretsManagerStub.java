package dev.conveyor.emulators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secrets Manager for tests and the local stack. No emulator exists, so this answers the one call
 * the application makes, {@code GetSecretValue} (AWS JSON 1.1), well enough for the real SDK client
 * and its error mapping to run. Requests are not signature-checked.
 */
public final class SecretsManagerStub implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SecretsManagerStub.class);
  private static final String TARGET_PREFIX = "secretsmanager.";
  private static final String JSON_1_1 = "application/x-amz-json-1.1";
  private static final String ARN_SUFFIX_ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final URI endpoint;
  private final Map<String, Secret> secretsByName = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private volatile boolean closed;

  private record Secret(String arn, String name, String value, String versionId, Instant created) {}

  private SecretsManagerStub(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
    this.endpoint = URI.create("http://" + Ports.LOOPBACK + ":" + server.getAddress().getPort());
  }

  /**
   * Starts the stub on 127.0.0.1.
   *
   * @param port the port, or 0 for a free one
   */
  public static SecretsManagerStub start(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    HttpServer server;
    try {
      server =
          HttpServer.create(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Secrets Manager stub could not bind port " + port, e);
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            runnable -> {
              Thread thread =
                  new Thread(runnable, "secretsmanager-stub-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    SecretsManagerStub stub = new SecretsManagerStub(server, executor);
    server.createContext("/", stub::handle);
    server.start();
    log.debug("Secrets Manager stub listening on {}", stub.endpoint);
    return stub;
  }

  /** The Secrets Manager endpoint for {@code endpointOverride}. */
  public URI endpoint() {
    return endpoint;
  }

  /** The port the stub listens on. */
  public int port() {
    return endpoint.getPort();
  }

  /**
   * Stores a secret's current value; {@code GetSecretValue} finds it by name or by ARN. Putting a
   * secret again makes a new version under the same ARN.
   */
  public void putSecret(String secretId, String secretString) {
    Objects.requireNonNull(secretId, "secretId");
    Objects.requireNonNull(secretString, "secretString");
    secretsByName.compute(
        secretId,
        (name, previous) ->
            new Secret(
                previous != null ? previous.arn() : arn(name),
                name,
                secretString,
                UUID.randomUUID().toString(),
                Instant.now()));
  }

  private String arn(String name) {
    StringBuilder suffix = new StringBuilder(6);
    for (int i = 0; i < 6; i++) {
      suffix.append(ARN_SUFFIX_ALPHABET.charAt(random.nextInt(ARN_SUFFIX_ALPHABET.length())));
    }
    return "arn:aws:secretsmanager:%s:%s:secret:%s-%s"
        .formatted(EmbeddedServices.REGION, EmbeddedServices.ACCOUNT_ID, name, suffix);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (!"POST".equals(exchange.getRequestMethod())
          || target == null
          || !target.startsWith(TARGET_PREFIX)) {
        error(exchange, 400, "UnknownOperationException", "Expected an AWS JSON 1.1 request.");
        return;
      }
      JsonNode request;
      try (InputStream body = exchange.getRequestBody()) {
        request = JSON.readTree(body);
      } catch (IOException e) {
        error(exchange, 400, "SerializationException", "Could not parse the request body.");
        return;
      }
      String operation = target.substring(TARGET_PREFIX.length());
      if (operation.equals("GetSecretValue")) {
        getSecretValue(exchange, request);
      } else {
        error(
            exchange,
            400,
            "UnknownOperationException",
            "The Secrets Manager stub only implements GetSecretValue, not " + operation + ".");
      }
    }
  }

  private void getSecretValue(HttpExchange exchange, JsonNode request) throws IOException {
    JsonNode secretId = request == null ? null : request.get("SecretId");
    if (secretId == null || !secretId.isTextual() || secretId.asText().isEmpty()) {
      error(exchange, 400, "InvalidParameterException", "SecretId is required.");
      return;
    }
    Secret secret = find(secretId.asText());
    if (secret == null) {
      error(
          exchange,
          400,
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret.");
      return;
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("ARN", secret.arn());
    response.put("Name", secret.name());
    response.put("SecretString", secret.value());
    response.put("VersionId", secret.versionId());
    response.putArray("VersionStages").add("AWSCURRENT");
    response.put("CreatedDate", secret.created().getEpochSecond());
    send(exchange, 200, response);
  }

  private Secret find(String secretId) {
    Secret byName = secretsByName.get(secretId);
    if (byName != null || !secretId.startsWith("arn:")) {
      return byName;
    }
    for (Secret secret : secretsByName.values()) {
      // AWS also accepts a partial ARN, without the random suffix.
      if (secret.arn().equals(secretId)
          || secret.arn().equals(secretId + secret.arn().substring(secret.arn().length() - 7))) {
        return secret;
      }
    }
    return null;
  }

  private static void error(HttpExchange exchange, int status, String type, String message)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("__type", type);
    body.put("message", message);
    exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", JSON_1_1);
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Stops listening at once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }
}
