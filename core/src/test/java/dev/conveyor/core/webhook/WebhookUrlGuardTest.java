package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.webhook.WebhookUrlGuard.Allowed;
import dev.conveyor.core.webhook.WebhookUrlGuard.Forbidden;
import dev.conveyor.core.webhook.WebhookUrlGuard.Unresolved;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookUrlGuardTest {
  private final TestZone zone = TestZone.standard();
  private final WebhookUrlGuard guard = new WebhookUrlGuard(false, zone);
  private final WebhookUrlGuard localStack = new WebhookUrlGuard(true, zone);

  @Test
  void anHttpsUrlToAPublicHostIsAllowedWithEveryAddressItResolvesTo() {
    assertThat(guard.check(URI.create("https://hooks.example.com/in")))
        .isEqualTo(
            new Allowed(
                "hooks.example.com",
                List.of(
                    InetAddress.ofLiteral("93.184.215.14"),
                    InetAddress.ofLiteral("2606:4700::1111"))));
    assertThat(guard.check(URI.create("https://93.184.215.14:8443/in")))
        .isInstanceOf(Allowed.class);
    assertThat(guard.check(URI.create("https://[2606:4700::1111]/in"))).isInstanceOf(Allowed.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::]/hook",
        "https://224.0.0.1/hook",
        "https://255.255.255.255/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:169.254.169.254]/hook",
        "https://[::127.0.0.1]/hook",
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://[2002:a9fe:a9fe::]/hook",
        "https://[fe80::1]/hook",
        "https://loopback.evil.test/hook",
        "https://metadata.evil.test/hook",
        "https://metadata6.evil.test/hook",
        "https://private.evil.test/hook",
        "https://mixed.evil.test/hook"
      })
  void aUrlThatReachesAForbiddenAddressIsForbidden(String url) {
    assertThat(guard.check(URI.create(url)))
        .isInstanceOfSatisfying(
            Forbidden.class,
            forbidden -> {
              assertThat(forbidden.errorClass()).isEqualTo("forbidden-address");
              assertThat(forbidden.reason()).startsWith("must not reach ");
            });
  }

  @Test
  void theReasonNamesTheHostTheAddressAndTheBlock() {
    assertThat(guard.check(URI.create("https://metadata.evil.test/latest")))
        .isEqualTo(
            new Forbidden(
                "forbidden-address",
                "must not reach a link-local address (metadata.evil.test resolves to"
                    + " 169.254.169.254, in 169.254.0.0/16)"));
    assertThat(guard.check(URI.create("https://10.0.0.5/hook")))
        .isEqualTo(
            new Forbidden(
                "forbidden-address", "must not reach a private address (10.0.0.5, in 10.0.0.0/8)"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://2130706433/hook",
        "https://0x7f000001/hook",
        "https://0x7f.1/hook",
        "https://0177.0.0.1/hook",
        "https://127.1/hook",
        "https://127.0.0.01:8443/hook",
        "https://user@0x7f.1:8443/hook",
        "http://2130706433/hook"
      })
  void anIpv4AddressSpelledOtherThanAsFourDecimalNumbersIsForbiddenWithoutALookup(String url) {
    assertThat(localStack.check(URI.create(url)))
        .isInstanceOfSatisfying(
            Forbidden.class,
            forbidden -> {
              assertThat(forbidden.errorClass()).isEqualTo("forbidden-address");
              assertThat(forbidden.reason()).contains("four decimal numbers");
            });
    assertThat(zone.asked).isEmpty();
  }

  @Test
  void onlyHttpsIsAllowedWithoutTheOptIn() {
    for (String url :
        List.of(
            "http://hooks.example.com/in",
            "http://127.0.0.1/in",
            "ftp://hooks.example.com/in",
            "file:///etc/passwd",
            "gopher://127.0.0.1:6379/_INFO")) {
      assertThat(guard.check(URI.create(url)))
          .as(url)
          .isEqualTo(new Forbidden("forbidden-scheme", "must use https"));
    }
    assertThat(zone.asked).isEmpty();
  }

  @Test
  void withTheOptInLoopbackAndOnlyLoopbackIsAllowedOverHttpAndHttps() {
    for (String url :
        List.of(
            "http://127.0.0.1:8080/in",
            "http://127.8.9.10/in",
            "http://localhost:9000/in",
            "http://[::1]/in",
            "http://loopback.evil.test/in",
            "https://127.0.0.1/in",
            "https://hooks.example.com/in")) {
      assertThat(localStack.check(URI.create(url))).as(url).isInstanceOf(Allowed.class);
    }
    Forbidden httpElsewhere =
        new Forbidden("forbidden-scheme", "must use https (http only to a loopback host)");
    for (String url :
        List.of(
            "http://10.0.0.8/in",
            "http://hooks.example.com/in",
            "http://loopback-and-private.evil.test/in",
            "http://[2002:7f00:1::]/in",
            "http://[::127.0.0.1]/in")) {
      assertThat(localStack.check(URI.create(url))).as(url).isEqualTo(httpElsewhere);
    }
    for (String url :
        List.of(
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.8/in",
            "https://loopback-and-private.evil.test/in",
            "https://[2002:7f00:1::]/in")) {
      assertThat(localStack.check(URI.create(url)))
          .as(url)
          .isInstanceOfSatisfying(
              Forbidden.class, f -> assertThat(f.errorClass()).isEqualTo("forbidden-address"));
    }
  }

  @Test
  void aHostThatDoesNotResolveIsUnresolvedNotAllowed() {
    assertThat(guard.check(URI.create("https://no-such-host.invalid/hook")))
        .isInstanceOfSatisfying(
            Unresolved.class,
            unresolved -> assertThat(unresolved.host()).isEqualTo("no-such-host.invalid"));
  }

  @Test
  void aUrlWithoutAHostIsForbidden() {
    assertThat(guard.check(URI.create("https:///no-host")))
        .isEqualTo(new Forbidden("forbidden-address", "must name a host"));
    assertThat(guard.check(URI.create("https://a_b.example.com/")))
        .isEqualTo(new Forbidden("forbidden-address", "must name a host"));
  }

  @Test
  void aSecondAnswerForTheSameHostIsCheckedByTheSameRule() {
    URI url = URI.create("https://hooks.example.com/in");

    assertThat(guard.refusal(url, List.of(InetAddress.ofLiteral("93.184.215.14")))).isEmpty();
    assertThat(
            guard.refusal(
                url,
                List.of(
                    InetAddress.ofLiteral("93.184.215.14"), InetAddress.ofLiteral("127.0.0.1"))))
        .contains(
            new Forbidden(
                "forbidden-address",
                "must not reach a loopback address (hooks.example.com resolves to 127.0.0.1, in"
                    + " 127.0.0.0/8)"));
  }
}
