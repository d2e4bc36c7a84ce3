package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class WebhookAddressesTest {
  @Test
  void loopbackNamesAndAddressesAreLoopback() throws Exception {
    assertThat(WebhookAddresses.allLoopback("127.0.0.1")).isTrue();
    assertThat(WebhookAddresses.allLoopback("127.8.9.10")).isTrue();
    assertThat(WebhookAddresses.allLoopback("::1")).isTrue();
    assertThat(WebhookAddresses.allLoopback("localhost")).isTrue();
  }

  @Test
  void anyOtherAddressIsNot() throws Exception {
    assertThat(WebhookAddresses.allLoopback("192.0.2.1")).isFalse();
    assertThat(WebhookAddresses.allLoopback("10.0.0.1")).isFalse();
    assertThat(WebhookAddresses.allLoopback(null)).isFalse();
  }

  @Test
  void aHostThatDoesNotResolveIsLeftToTheCaller() {
    assertThatThrownBy(() -> WebhookAddresses.allLoopback("no-such-host.invalid"))
        .isInstanceOf(UnknownHostException.class);
  }
}
