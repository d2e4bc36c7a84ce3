package dev.conveyor.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.conveyor.core.port.WebhookTransport;
import dev.conveyor.webhook.Receiver.Answer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpWebhookTransportTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final String BODY =
      "{\"type\":\"job.succeeded\",\"data\":{\"name\":\"caf\u00e9\"}}";

  private static Receiver receiver;

  private final HttpWebhookTransport withOptIn = new HttpWebhookTransport(TIMEOUT, true);
  private final HttpWebhookTransport withoutOptIn = new HttpWebhookTransport(TIMEOUT, false);

  @BeforeAll
  static void startReceiver() {
    receiver = Receiver.start();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.close();
  }

  @BeforeEach
  void resetReceiver() {
    receiver.reset();
  }

  @Test
  void plainHttpToLoopbackIsAllowedWithTheOptInAndPostsBodyAndHeaders() throws Exception {
    receiver.answer(204);

    WebhookTransport.Response response =
        withOptIn.post(
            receiver.url("/hook"),
            Map.of("content-type", "application/json", "webhook-id", "msg_1"),
            BODY);

    assertThat(response).isEqualTo(new WebhookTransport.Response(204, Optional.empty(), ""));
    assertThat(receiver.requests())
        .singleElement()
        .satisfies(request -> {
          assertThat(request.method()).isEqualTo("POST");
          assertThat(request.path()).isEqualTo("/hook");
          assertThat(request.body()).isEqualTo(BODY);
          assertThat(request.header("content-type")).isEqualTo("application/json");
          assertThat(request.header("webhook-id")).isEqualTo("msg_1");
        });
  }

  @Test
  void theStatusRetryAfterAndBodyOfAnErrorAreReturned() throws Exception {
    receiver.answer(Answer.status(503).withHeader("Retry-After", "120").withBody("busy"));

    WebhookTransport.Response response = withOptIn.post(receiver.url("/hook"), Map.of(), BODY);

    assertThat(response).isEqualTo(new WebhookTransport.Response(503, Optional.of("120"), "busy"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:%d/elsewhere"
      })
  void aRedirectIsNotFollowedButReturnedAsItIs(String location) throws Exception {
    receiver.answer(Answer.status(302).withHeader("Location", location.formatted(receiver.port())));

    WebhookTransport.Response response = withOptIn.post(receiver.url("/hook"), Map.of(), BODY);

    assertThat(response.status()).isEqualTo(302);
    assertThat(receiver.requests()).extracting(Receiver.Request::path).containsExactly("/hook");
  }

  @Test
  void theResponseBodyIsCappedAt4096Bytes() throws Exception {
    String large = "0123456789abcdef".repeat(1000); // 16,000 bytes
    receiver.answer(Answer.status(500).withBody(large));

    WebhookTransport.Response response = withOptIn.post(receiver.url("/hook"), Map.of(), BODY);

    assertThat(HttpWebhookTransport.MAX_RESPONSE_BYTES).isEqualTo(4096);
    assertThat(response.status()).isEqualTo(500);
    assertThat(response.body()).hasSize(4096).isEqualTo(large.substring(0, 4096));
  }

  @Test
  void aReceiverThatDoesNotAnswerInTimeIsATimeout() {
    receiver.answer(Answer.status(200).after(Duration.ofSeconds(3)));
    HttpWebhookTransport impatient = new HttpWebhookTransport(Duration.ofMillis(300), true);

    long started = System.nanoTime();
    assertThatThrownBy(() -> impatient.post(receiver.url("/slow"), Map.of(), BODY))
        .isInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  /**
   * The timeout must bound the whole exchange, not only the wait for the status line: a receiver
   * that sends its headers and then trickles (or stalls) the body must not hold a worker, and its
   * delivery lease, for longer than the timeout.
   */
  @Test
  void aBodyThatStallsAfterTheHeadersIsATimeoutToo() throws Exception {
    ExecutorService executor = Executors.newCachedThreadPool();
    HttpServer stalling =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    stalling.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, 100);
          OutputStream out = exchange.getResponseBody();
          out.write("ok".getBytes(StandardCharsets.UTF_8));
          out.flush();
          try {
            Thread.sleep(5_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    stalling.setExecutor(executor);
    stalling.start();
    try {
      HttpWebhookTransport impatient = new HttpWebhookTransport(Duration.ofSeconds(1), true);
      URI url = URI.create("http://127.0.0.1:" + stalling.getAddress().getPort() + "/");

      long started = System.nanoTime();
      assertThatThrownBy(() -> impatient.post(url, Map.of(), BODY))
          .isInstanceOf(HttpTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    } finally {
      stalling.stop(0);
      executor.shutdownNow();
    }
  }

  /**
   * DESIGN.md section 3, SSRF guard: resolve the host and refuse loopback, link-local (including
   * the metadata address), private, CGNAT, multicast and IPv4-mapped IPv6 addresses, whatever the
   * scheme; only plain HTTP to loopback is allowed, and only with the opt-in. Names resolve through
   * {@link TestDns}, where {@code *.evil.test} point inwards.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://127.0.0.1:%d/hook",
        "https://localhost:%d/hook",
        "https://[::1]:%d/hook",
        "https://169.254.169.254:%d/latest/meta-data/",
        "https://10.0.0.1:%d/hook",
        "https://192.168.1.1:%d/hook",
        "https://100.64.0.1:%d/hook",
        "https://[::ffff:127.0.0.1]:%d/hook",
        "https://224.0.0.1:%d/hook",
        "https://[64:ff9b::7f00:1]:%d/hook",
        "https://[2002:7f00:1::]:%d/hook",
        "https://loopback.evil.test:%d/hook",
        "https://metadata.evil.test:%d/latest/meta-data/",
        "https://metadata6.evil.test:%d/latest/meta-data/",
        "https://private.evil.test:%d/hook",
        "https://mixed.evil.test:%d/hook",
        "https://2130706433:%d/hook",
        "https://0x7f.1:%d/hook",
        "https://0177.0.0.1:%d/hook",
        "https://127.1:%d/hook"
      })
  void httpsToAnInternalAddressIsRefusedWithoutConnecting(String template) throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(() -> {
            try {
              while (true) {
                listener.accept().close();
                connections.incrementAndGet();
              }
            } catch (IOException closed) {
              // the listener was closed
            }
          });
      acceptor.setDaemon(true);
      acceptor.start();
      HttpWebhookTransport transport = new HttpWebhookTransport(Duration.ofSeconds(1), false);
      URI url = URI.create(template.formatted(listener.getLocalPort()));

      assertThatThrownBy(() -> transport.post(url, Map.of(), BODY))
          .isInstanceOfSatisfying(
              WebhookTransport.Refused.class,
              refused -> {
                assertThat(refused.errorClass()).isEqualTo("forbidden-address");
                assertThat(refused.getMessage()).startsWith("forbidden-address: must ");
              });
      assertThat(connections).hasValue(0);
    }
  }

  @Test
  void plainHttpIsRefusedWithoutTheOptInEvenToLoopback() {
    assertThatThrownBy(() -> withoutOptIn.post(receiver.url("/hook"), Map.of(), BODY))
        .isInstanceOf(WebhookTransport.Refused.class)
        .hasMessageContaining("https");
    assertThat(receiver.requests()).isEmpty();
  }

  @Test
  void plainHttpToANonLoopbackHostIsRefusedEvenWithTheOptIn() {
    // 192.0.2.1 (TEST-NET-1): an address literal, so the refusal needs no DNS and no network.
    assertThatThrownBy(() -> withOptIn.post(URI.create("http://192.0.2.1/hook"), Map.of(), BODY))
        .isInstanceOf(WebhookTransport.Refused.class);
  }

  @Test
  void schemesOtherThanHttpsAndHttpAreRefused() {
    assertThatThrownBy(() -> withOptIn.post(URI.create("ftp://127.0.0.1/hook"), Map.of(), BODY))
        .isInstanceOf(WebhookTransport.Refused.class);
    assertThatThrownBy(() -> withoutOptIn.post(URI.create("file:///etc/passwd"), Map.of(), BODY))
        .isInstanceOf(WebhookTransport.Refused.class);
  }

  @Test
  void withTheOptInALoopbackReceiverNamedInDnsIsCalledOverHttp() throws Exception {
    URI url = URI.create("http://receiver.test:" + receiver.port() + "/named");

    WebhookTransport.Response response = withOptIn.post(url, Map.of(), BODY);

    assertThat(response.status()).isEqualTo(204);
    assertThat(receiver.requests()).extracting(Receiver.Request::path).containsExactly("/named");
    assertThatThrownBy(() -> withoutOptIn.post(url, Map.of(), BODY))
        .isInstanceOfSatisfying(
            WebhookTransport.Refused.class,
            refused -> assertThat(refused.errorClass()).isEqualTo("forbidden-scheme"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://metadata.evil.test/latest/meta-data/",
        "https://private.evil.test/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/"
      })
  void withTheOptInEverythingButLoopbackIsStillGuarded(String url) {
    assertThatThrownBy(() -> withOptIn.post(URI.create(url), Map.of(), BODY))
        .isInstanceOfSatisfying(
            WebhookTransport.Refused.class,
            refused -> assertThat(refused.errorClass()).isEqualTo("forbidden-address"));
  }

  @Test
  void aHostThatDoesNotResolveIsAFailureToRetryNotARefusal() {
    assertThatThrownBy(() ->
            withoutOptIn.post(URI.create("https://no-such-receiver.invalid/hook"), Map.of(), BODY))
        .isInstanceOf(UnknownHostException.class)
        .isNotInstanceOf(WebhookTransport.Refused.class);
  }

  /**
   * DNS rebinding within one delivery: DNS answers a loopback address (allowed with the opt-in) to
   * the first query and the metadata service to the next. The guard's lookup is the only one that
   * reaches DNS; the client connects to the address it checked.
   */
  @Test
  void aDnsAnswerThatChangesBetweenTheCheckAndTheConnectionIsNotConnectedTo() throws Exception {
    TestDns.answerInTurn("flip.test", "127.0.0.1", "169.254.169.254");

    WebhookTransport.Response response =
        withOptIn.post(URI.create("http://flip.test:" + receiver.port() + "/flip"), Map.of(), BODY);

    assertThat(response.status()).isEqualTo(204);
    assertThat(receiver.requestsTo("/flip")).hasSize(1);
    assertThat(TestDns.lookups("flip.test")).isEqualTo(1);
    // The next delivery's check meets DNS's next answer, and refuses it.
    assertThatThrownBy(() ->
            withOptIn.post(
                URI.create("https://flip.test:" + receiver.port() + "/flip"), Map.of(), BODY))
        .isInstanceOf(WebhookTransport.Refused.class)
        .hasMessageContaining("flip.test resolves to 169.254.169.254");
    assertThat(TestDns.lookups("flip.test")).isEqualTo(2);
  }

  /**
   * DNS rebinding: the answer for a host changes after it was checked. The delivery in flight, and
   * every lookup of the host while it is, keep the answer that was checked; the first delivery
   * after it gets the new answer, and the guard refuses it.
   */
  @Test
  void aDeliveryConnectsToTheAddressThatWasCheckedEvenWhenDnsChangesMeanwhile() throws Exception {
    receiver.answer("/slow", Answer.status(204).after(Duration.ofMillis(1500)));
    URI slow = URI.create("http://rebind.test:" + receiver.port() + "/slow");
    URI fast = URI.create("http://rebind.test:" + receiver.port() + "/fast");
    TestDns.point("rebind.test", "127.0.0.1");
    try {
      CompletableFuture<WebhookTransport.Response> inFlight =
          CompletableFuture.supplyAsync(() -> {
            try {
              return withOptIn.post(slow, Map.of(), BODY);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      awaitRequestTo("/slow");

      TestDns.point("rebind.test", "169.254.169.254");

      // DNS now says otherwise; while the delivery is in flight, the JVM keeps the checked answer.
      assertThat(InetAddress.getAllByName("rebind.test"))
          .containsExactly(InetAddress.ofLiteral("127.0.0.1"));
      assertThat(withOptIn.post(fast, Map.of(), BODY).status()).isEqualTo(204);
      assertThat(inFlight.get(5, TimeUnit.SECONDS).status()).isEqualTo(204);
      assertThat(receiver.requests())
          .extracting(Receiver.Request::path)
          .containsExactlyInAnyOrder("/slow", "/fast");

      // The pin went with the last delivery: the new answer now, which is refused unconnected.
      assertThat(InetAddress.getAllByName("rebind.test"))
          .containsExactly(InetAddress.ofLiteral("169.254.169.254"));
      assertThatThrownBy(() ->
              withOptIn.post(
                  URI.create("https://rebind.test:" + receiver.port() + "/late"), Map.of(), BODY))
          .isInstanceOfSatisfying(
              WebhookTransport.Refused.class,
              refused -> assertThat(refused).hasMessageContaining("169.254.169.254"));
      assertThat(receiver.requestsTo("/late")).isEmpty();
    } finally {
      TestDns.point("rebind.test", "127.0.0.1");
    }
  }

  @Test
  void aResponseThatNeverEndsIsCutOffAtTheCap() throws Exception {
    ExecutorService executor = Executors.newCachedThreadPool();
    HttpServer endless =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endless.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(500, 0); // chunked, no length: it never says it is done
          byte[] kibibyte = "x".repeat(1024).getBytes(StandardCharsets.UTF_8);
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          try (OutputStream out = exchange.getResponseBody()) {
            while (System.nanoTime() < deadline) {
              out.write(kibibyte);
              out.flush();
            }
          } catch (IOException clientWentAway) {
            // what a capped read does
          }
        });
    endless.setExecutor(executor);
    endless.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + endless.getAddress().getPort() + "/");

      long started = System.nanoTime();
      WebhookTransport.Response response = withOptIn.post(url, Map.of(), BODY);

      assertThat(response.status()).isEqualTo(500);
      assertThat(response.body()).hasSize(HttpWebhookTransport.MAX_RESPONSE_BYTES);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    } finally {
      endless.stop(0);
      executor.shutdownNow();
    }
  }

  @Test
  void aReceiverThatAcceptsTheConnectionAndSaysNothingIsATimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread acceptor =
          new Thread(() -> {
            try {
              while (true) {
                held.add(silent.accept()); // and never read or write a byte
              }
            } catch (IOException closed) {
              // the listener was closed
            }
          });
      acceptor.setDaemon(true);
      acceptor.start();
      HttpWebhookTransport impatient = new HttpWebhookTransport(Duration.ofMillis(500), true);
      URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/hook");

      long started = System.nanoTime();
      assertThatThrownBy(() -> impatient.post(url, Map.of(), BODY))
          .isInstanceOf(HttpTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  private static void awaitRequestTo(String path) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (receiver.requestsTo(path).isEmpty()) {
      assertThat(System.nanoTime()).as("a request to %s within 5 s", path).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
