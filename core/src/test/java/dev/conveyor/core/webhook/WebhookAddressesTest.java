package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.webhook.WebhookAddresses.Kind;
import dev.conveyor.core.webhook.WebhookAddresses.Refusal;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookAddressesTest {

  /** Every refused block, at both edges where a neighbour is allowed. */
  @ParameterizedTest(name = "{0} is {1} ({2})")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          0.0.0.0                                 | UNSPECIFIED         | 0.0.0.0/8
          0.255.255.255                           | UNSPECIFIED         | 0.0.0.0/8
          10.0.0.0                                | PRIVATE             | 10.0.0.0/8
          10.0.0.5                                | PRIVATE             | 10.0.0.0/8
          10.255.255.255                          | PRIVATE             | 10.0.0.0/8
          100.64.0.0                              | SHARED              | 100.64.0.0/10
          100.127.255.255                         | SHARED              | 100.64.0.0/10
          127.0.0.0                               | LOOPBACK            | 127.0.0.0/8
          127.0.0.1                               | LOOPBACK            | 127.0.0.0/8
          127.255.255.255                         | LOOPBACK            | 127.0.0.0/8
          169.254.0.0                             | LINK_LOCAL          | 169.254.0.0/16
          169.254.169.254                         | LINK_LOCAL          | 169.254.0.0/16
          169.254.170.2                           | LINK_LOCAL          | 169.254.0.0/16
          169.254.255.255                         | LINK_LOCAL          | 169.254.0.0/16
          172.16.0.0                              | PRIVATE             | 172.16.0.0/12
          172.31.255.255                          | PRIVATE             | 172.16.0.0/12
          192.0.0.0                               | PROTOCOL_ASSIGNMENT | 192.0.0.0/24
          192.0.0.255                             | PROTOCOL_ASSIGNMENT | 192.0.0.0/24
          192.0.2.0                               | DOCUMENTATION       | 192.0.2.0/24
          192.0.2.255                             | DOCUMENTATION       | 192.0.2.0/24
          192.88.99.1                             | RESERVED            | 192.88.99.0/24
          192.168.0.0                             | PRIVATE             | 192.168.0.0/16
          192.168.255.255                         | PRIVATE             | 192.168.0.0/16
          198.18.0.0                              | BENCHMARKING        | 198.18.0.0/15
          198.19.255.255                          | BENCHMARKING        | 198.18.0.0/15
          198.51.100.7                            | DOCUMENTATION       | 198.51.100.0/24
          203.0.113.9                             | DOCUMENTATION       | 203.0.113.0/24
          224.0.0.0                               | MULTICAST           | 224.0.0.0/4
          224.0.0.1                               | MULTICAST           | 224.0.0.0/4
          239.255.255.255                         | MULTICAST           | 224.0.0.0/4
          240.0.0.0                               | RESERVED            | 240.0.0.0/4
          255.255.255.254                         | RESERVED            | 240.0.0.0/4
          255.255.255.255                         | BROADCAST           | 255.255.255.255/32
          ::                                      | UNSPECIFIED         | ::/128
          ::1                                     | LOOPBACK            | ::1/128
          fc00::                                  | UNIQUE_LOCAL        | fc00::/7
          fd00:ec2::254                           | UNIQUE_LOCAL        | fc00::/7
          fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | UNIQUE_LOCAL        | fc00::/7
          fe80::                                  | LINK_LOCAL          | fe80::/10
          fe80::1                                 | LINK_LOCAL          | fe80::/10
          febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff | LINK_LOCAL          | fe80::/10
          fec0::1                                 | SITE_LOCAL          | fec0::/10
          ff00::                                  | MULTICAST           | ff00::/8
          ff02::1                                 | MULTICAST           | ff00::/8
          100::                                   | DISCARD             | 100::/64
          100::ffff:ffff:ffff:ffff                | DISCARD             | 100::/64
          100:0:0:1::                             | RESERVED            | 100::/8
          2001::1                                 | PROTOCOL_ASSIGNMENT | 2001::/23
          2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff  | PROTOCOL_ASSIGNMENT | 2001::/23
          2001:db8::1                             | DOCUMENTATION       | 2001:db8::/32
          3fff::1                                 | DOCUMENTATION       | 3fff::/20
          3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff  | DOCUMENTATION       | 3fff::/20
          64:ff9b:1::a00:5                        | PRIVATE             | 64:ff9b:1::/48
          64:ff9b:0:0:1::                         | RESERVED            | ::/8
          1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | RESERVED            | 1000::/4
          4000::                                  | RESERVED            | 4000::/3
          5f00::1                                 | RESERVED            | 4000::/3
          fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | RESERVED            | f800::/6
          fe00::                                  | RESERVED            | fe00::/9
          fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff | RESERVED            | fe00::/9
          """)
  void aSpecialPurposeAddressIsRefused(String literal, Kind kind, String block) {
    InetAddress address = InetAddress.ofLiteral(literal);

    assertThat(WebhookAddresses.refusal(address))
        .contains(new Refusal(address, kind, block, null, null));
  }

  /** The neighbours of the refused blocks, and well-known public resolvers and hosts. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.0.0.0",
        "1.1.1.1",
        "8.8.8.8",
        "9.255.255.255",
        "11.0.0.0",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "191.255.255.255",
        "192.0.1.0",
        "192.0.3.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "2000::",
        "2001:200::",
        "2001:4860:4860::8888",
        "2606:4700::1111",
        "2a05:d018::1",
        "3fff:1000::",
        "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
      })
  void aPublicUnicastAddressIsAllowed(String literal) {
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral(literal))).isEmpty();
  }

  /** An IPv6 address that carries a refused IPv4 address is refused for what it carries. */
  @ParameterizedTest(name = "{0} carries {3} ({2})")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ::127.0.0.1             | LOOPBACK      | IPv4-compatible | 127.0.0.1
          ::169.254.169.254       | LINK_LOCAL    | IPv4-compatible | 169.254.169.254
          ::10.0.0.5              | PRIVATE       | IPv4-compatible | 10.0.0.5
          64:ff9b::127.0.0.1      | LOOPBACK      | NAT64           | 127.0.0.1
          64:ff9b::a9fe:a9fe      | LINK_LOCAL    | NAT64           | 169.254.169.254
          64:ff9b::10.0.0.5       | PRIVATE       | NAT64           | 10.0.0.5
          64:ff9b::100.64.0.1     | SHARED        | NAT64           | 100.64.0.1
          64:ff9b::224.0.0.1      | MULTICAST     | NAT64           | 224.0.0.1
          2002:7f00:1::           | LOOPBACK      | 6to4            | 127.0.0.1
          2002:a9fe:a9fe::1       | LINK_LOCAL    | 6to4            | 169.254.169.254
          2002:a00:5:1::1         | PRIVATE       | 6to4            | 10.0.0.5
          2002:c0a8:101::         | PRIVATE       | 6to4            | 192.168.1.1
          2002:ffff:ffff::        | BROADCAST     | 6to4            | 255.255.255.255
          2002::                  | UNSPECIFIED   | 6to4            | 0.0.0.0
          """)
  void anIpv6FormOfARefusedIpv4AddressIsRefused(
      String literal, Kind kind, String form, String carried) {
    InetAddress address = InetAddress.ofLiteral(literal);

    Refusal refusal = WebhookAddresses.refusal(address).orElseThrow();

    assertThat(refusal.kind()).isEqualTo(kind);
    assertThat(refusal.embeddedIn()).isEqualTo(form);
    assertThat(refusal.embedded()).isEqualTo(InetAddress.ofLiteral(carried));
  }

  @Test
  void anIpv4MappedAddressIsJudgedByTheIpv4AddressItMaps() throws Exception {
    // The JDK turns ::ffff:a.b.c.d into the IPv4 address it maps wherever it parses one...
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral("::ffff:169.254.169.254")))
        .map(Refusal::kind)
        .contains(Kind.LINK_LOCAL);
    // ...and an Inet6Address made from the raw bytes is judged the same.
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 127, 0, 0, 1};
    Inet6Address raw = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(WebhookAddresses.refusal(raw))
        .hasValueSatisfying(refusal -> {
          assertThat(refusal.kind()).isEqualTo(Kind.LOOPBACK);
          assertThat(refusal.embeddedIn()).isEqualTo("IPv4-mapped");
        });
    byte[] mappedPublic = mapped.clone();
    mappedPublic[12] = 93;
    mappedPublic[13] = (byte) 184;
    mappedPublic[14] = (byte) 215;
    mappedPublic[15] = 14;
    assertThat(WebhookAddresses.refusal(Inet6Address.getByAddress(null, mappedPublic, -1)))
        .isEmpty();
  }

  @Test
  void nat64And6to4FormsOfAPublicAddressAreAllowedButTheDeprecatedCompatibleFormIsNot() {
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral("64:ff9b::93.184.215.14"))).isEmpty();
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral("2002:5db8:d70e::1"))).isEmpty();
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral("::93.184.215.14")))
        .map(Refusal::block)
        .contains("::/8");
  }

  @Test
  void theReasonNamesTheKindTheAddressAndTheBlock() {
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral("169.254.169.254")).orElseThrow())
        .extracting(Refusal::reason)
        .isEqualTo("a link-local address (169.254.169.254, in 169.254.0.0/16)");
    assertThat(WebhookAddresses.refusal(InetAddress.ofLiteral("2002:7f00:1::")).orElseThrow())
        .extracting(r -> r.reason("evil.test"))
        .isEqualTo(
            "a loopback address (evil.test resolves to 2002:7f00:1:0:0:0:0:0, the 6to4 form of"
                + " 127.0.0.1, in 127.0.0.0/8)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "0x7F.0.0.1",
        "0177.0.0.1",
        "127.0.0.01",
        "00.0.0.0",
        "127.1",
        "127.0.1",
        "10.1",
        "1.2.3.4.5",
        "256.1.1.1",
        "127.0.0.1.",
        "0x",
        "example.123"
      })
  void anIpv4AddressSpelledOtherThanAsFourDecimalNumbersIsNonCanonical(String host) {
    assertThat(WebhookAddresses.isNonCanonicalIpv4(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "93.184.215.14",
        "hooks.example.com",
        "hooks.example.com.",
        "3com.com",
        "123.example",
        "0x7f.example",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "localhost"
      })
  void namesAndCanonicalAddressesAreNot(String host) {
    assertThat(WebhookAddresses.isNonCanonicalIpv4(host)).isFalse();
  }
}
