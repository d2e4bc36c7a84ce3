package dev.conveyor.core.webhook;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which IP addresses a webhook may reach: none that a receiver on the public internet could have,
 * because each of them is what a server-side request forgery (SSRF) aims at — this host, the VPC,
 * the instance metadata service, or a block no receiver can legitimately hold. Pure: no DNS here;
 * {@link WebhookUrlGuard} resolves and applies it.
 *
 * <p>Refused, IPv4 (IANA special-purpose registry): {@code 0.0.0.0/8} unspecified ("this network"),
 * {@code 10.0.0.0/8}, {@code 172.16.0.0/12}, {@code 192.168.0.0/16} private, {@code 100.64.0.0/10}
 * shared (carrier-grade NAT), {@code 127.0.0.0/8} loopback, {@code 169.254.0.0/16} link-local (the
 * EC2/ECS metadata services among them), {@code 192.0.0.0/24} IETF protocol assignments, {@code
 * 192.0.2.0/24}, {@code 198.51.100.0/24}, {@code 203.0.113.0/24} documentation, {@code
 * 192.88.99.0/24} the retired 6to4 relay anycast, {@code 198.18.0.0/15} benchmarking, {@code
 * 224.0.0.0/4} multicast, {@code 255.255.255.255} broadcast and the rest of {@code 240.0.0.0/4}
 * reserved. The globally reachable anycast blocks of the registry (AS112, AMT) are left alone: they
 * are public services, not internal ones.
 *
 * <p>Refused, IPv6: {@code ::} unspecified, {@code ::1} loopback, {@code fc00::/7} unique local
 * (AWS's metadata service {@code fd00:ec2::254} among them), {@code fe80::/10} link-local, {@code
 * fec0::/10} site-local (deprecated), {@code ff00::/8} multicast, {@code 100::/64} discard-only,
 * {@code 2001::/23} IETF protocol assignments (Teredo, benchmarking, ORCHID), {@code 2001:db8::/32}
 * and {@code 3fff::/20} documentation, {@code 64:ff9b:1::/48} local-use translation, and IANA's
 * reserved space, which is every other address outside global unicast {@code 2000::/3} — except the
 * forms that carry an IPv4 address, which are judged by that address: IPv4-mapped {@code
 * ::ffff:a.b.c.d}, NAT64 {@code 64:ff9b::a.b.c.d} and 6to4 {@code 2002:AABB:CCDD::/48}. An
 * IPv4-compatible {@code ::a.b.c.d} (deprecated by RFC 4291) is refused whatever it carries.
 */
public final class WebhookAddresses {
  private WebhookAddresses() {}

  private static final Pattern NUMBER = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");
  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final Pattern CANONICAL_IPV4 =
      Pattern.compile(OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);

  private static final String IPV4_MAPPED = "IPv4-mapped";
  private static final String IPV4_COMPATIBLE = "IPv4-compatible";
  private static final String NAT64 = "NAT64";
  private static final String SIX_TO_FOUR = "6to4";

  private static final byte[] NAT64_PREFIX = {0x00, 0x64, (byte) 0xFF, (byte) 0x9B};

  /** What a refused block is; {@link #description} completes "must not reach …". */
  public enum Kind {
    UNSPECIFIED("an unspecified address"),
    LOOPBACK("a loopback address"),
    PRIVATE("a private address"),
    SHARED("a shared (carrier-grade NAT) address"),
    LINK_LOCAL("a link-local address"),
    UNIQUE_LOCAL("a unique local address"),
    SITE_LOCAL("a site-local address"),
    MULTICAST("a multicast address"),
    BROADCAST("the broadcast address"),
    PROTOCOL_ASSIGNMENT("an IETF protocol assignment"),
    DOCUMENTATION("a documentation address"),
    BENCHMARKING("a benchmarking address"),
    DISCARD("a discard-only address"),
    RESERVED("a reserved address");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /**
   * Why no webhook may go to an address.
   *
   * @param block the refused block, in CIDR notation
   * @param embeddedIn how the IPv6 address carries the refused IPv4 address ({@code IPv4-mapped},
   *     {@code IPv4-compatible}, {@code NAT64}, {@code 6to4}), or null when the address itself is
   *     in the block
   * @param embedded the IPv4 address carried, or null
   */
  public record Refusal(
      InetAddress address, Kind kind, String block, String embeddedIn, InetAddress embedded) {

    /** For the tenant: e.g. "a link-local address (169.254.169.254, in 169.254.0.0/16)". */
    public String reason() {
      return kind.description() + " (" + what() + ", in " + block + ")";
    }

    /**
     * For the tenant, naming the host that resolved to the address: e.g. "a private address
     * (hooks.example.com resolves to 10.0.0.5, in 10.0.0.0/8)".
     */
    public String reason(String host) {
      return kind.description() + " (" + host + " resolves to " + what() + ", in " + block + ")";
    }

    private String what() {
      return embeddedIn == null
          ? address.getHostAddress()
          : address.getHostAddress()
              + ", the "
              + embeddedIn
              + " form of "
              + embedded.getHostAddress();
    }
  }

  /** Why no webhook may go to {@code address}, or empty when it is a public unicast address. */
  public static Optional<Refusal> refusal(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length == 4) {
      return find(IPV4_BLOCKS, bytes)
          .map(b -> new Refusal(address, b.kind(), b.cidr(), null, null));
    }
    Optional<Block> exact = find(IPV6_EXACT, bytes);
    if (exact.isPresent()) {
      return exact.map(b -> new Refusal(address, b.kind(), b.cidr(), null, null));
    }
    String form = ipv4Form(bytes);
    if (form != null) {
      byte[] carried = carriedIpv4(bytes, form);
      Optional<Block> inner = find(IPV4_BLOCKS, carried);
      if (inner.isPresent()) {
        return inner.map(b -> new Refusal(address, b.kind(), b.cidr(), form, ipv4(carried)));
      }
      if (!form.equals(IPV4_COMPATIBLE)) {
        return Optional.empty(); // a public IPv4 address, reached through its IPv6 form
      }
    }
    return find(IPV6_BLOCKS, bytes).map(b -> new Refusal(address, b.kind(), b.cidr(), null, null));
  }

  /**
   * Whether {@code host} spells an IPv4 address in any way but four decimal numbers without leading
   * zeros ({@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}, {@code 127.1}, …). Resolvers
   * disagree on what such spellings mean (the JDK reads {@code 0177.0.0.1} as 177.0.0.1, C's {@code
   * inet_aton} as 127.0.0.1), so they are refused outright rather than interpreted. As in the
   * WHATWG URL standard, a host whose last label is a number is an IPv4 spelling: no top-level
   * domain is numeric.
   */
  public static boolean isNonCanonicalIpv4(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String last = name.substring(name.lastIndexOf('.') + 1);
    boolean numeric = NUMBER.matcher(last).matches();
    return numeric && !CANONICAL_IPV4.matcher(host).matches();
  }

  /** The IPv6 form that carries an IPv4 address, or null. */
  private static String ipv4Form(byte[] bytes) {
    if (zeros(bytes, 0, 10) && (bytes[10] & 0xFF) == 0xFF && (bytes[11] & 0xFF) == 0xFF) {
      return IPV4_MAPPED;
    }
    if (zeros(bytes, 0, 12)) {
      return IPV4_COMPATIBLE; // :: and ::1 are matched exactly before
    }
    if (startsWith(bytes, NAT64_PREFIX) && zeros(bytes, 4, 12)) {
      return NAT64;
    }
    if ((bytes[0] & 0xFF) == 0x20 && (bytes[1] & 0xFF) == 0x02) {
      return SIX_TO_FOUR;
    }
    return null;
  }

  /** 6to4 carries its IPv4 address in bytes 2–5 ({@code 2002:AABB:CCDD::}), the others last. */
  private static byte[] carriedIpv4(byte[] bytes, String form) {
    int from = form.equals(SIX_TO_FOUR) ? 2 : 12;
    return new byte[] {bytes[from], bytes[from + 1], bytes[from + 2], bytes[from + 3]};
  }

  private static InetAddress ipv4(byte[] four) {
    return InetAddress.ofLiteral(
        "%d.%d.%d.%d".formatted(four[0] & 0xFF, four[1] & 0xFF, four[2] & 0xFF, four[3] & 0xFF));
  }

  private static boolean zeros(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  // --- the blocks ----------------------------------------------------------------------------

  private record Block(byte[] network, int prefixLength, Kind kind, String cidr) {
    static Block of(String cidr, Kind kind) {
      int slash = cidr.indexOf('/');
      byte[] network = InetAddress.ofLiteral(cidr.substring(0, slash)).getAddress();
      return new Block(network, Integer.parseInt(cidr.substring(slash + 1)), kind, cidr);
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = prefixLength / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefixLength % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[whole] & mask) == (network[whole] & mask);
    }
  }

  private static Optional<Block> find(List<Block> blocks, byte[] address) {
    return blocks.stream().filter(b -> b.contains(address)).findFirst();
  }

  /** First match wins: the broadcast address before the reserved block around it. */
  private static final List<Block> IPV4_BLOCKS =
      List.of(
          Block.of("0.0.0.0/8", Kind.UNSPECIFIED),
          Block.of("10.0.0.0/8", Kind.PRIVATE),
          Block.of("100.64.0.0/10", Kind.SHARED),
          Block.of("127.0.0.0/8", Kind.LOOPBACK),
          Block.of("169.254.0.0/16", Kind.LINK_LOCAL),
          Block.of("172.16.0.0/12", Kind.PRIVATE),
          Block.of("192.0.0.0/24", Kind.PROTOCOL_ASSIGNMENT),
          Block.of("192.0.2.0/24", Kind.DOCUMENTATION),
          Block.of("192.88.99.0/24", Kind.RESERVED),
          Block.of("192.168.0.0/16", Kind.PRIVATE),
          Block.of("198.18.0.0/15", Kind.BENCHMARKING),
          Block.of("198.51.100.0/24", Kind.DOCUMENTATION),
          Block.of("203.0.113.0/24", Kind.DOCUMENTATION),
          Block.of("224.0.0.0/4", Kind.MULTICAST),
          Block.of("255.255.255.255/32", Kind.BROADCAST),
          Block.of("240.0.0.0/4", Kind.RESERVED));

  /** Matched before the IPv4-carrying forms, which :: and ::1 would otherwise look like. */
  private static final List<Block> IPV6_EXACT =
      List.of(Block.of("::/128", Kind.UNSPECIFIED), Block.of("::1/128", Kind.LOOPBACK));

  /**
   * The named blocks first; then IANA's reserved space, which with them covers everything outside
   * global unicast {@code 2000::/3}.
   */
  private static final List<Block> IPV6_BLOCKS =
      List.of(
          Block.of("64:ff9b:1::/48", Kind.PRIVATE),
          Block.of("100::/64", Kind.DISCARD),
          Block.of("2001::/23", Kind.PROTOCOL_ASSIGNMENT),
          Block.of("2001:db8::/32", Kind.DOCUMENTATION),
          Block.of("3fff::/20", Kind.DOCUMENTATION),
          Block.of("fc00::/7", Kind.UNIQUE_LOCAL),
          Block.of("fe80::/10", Kind.LINK_LOCAL),
          Block.of("fec0::/10", Kind.SITE_LOCAL),
          Block.of("ff00::/8", Kind.MULTICAST),
          Block.of("::/8", Kind.RESERVED),
          Block.of("100::/8", Kind.RESERVED),
          Block.of("200::/7", Kind.RESERVED),
          Block.of("400::/6", Kind.RESERVED),
          Block.of("800::/5", Kind.RESERVED),
          Block.of("1000::/4", Kind.RESERVED),
          Block.of("4000::/3", Kind.RESERVED),
          Block.of("6000::/3", Kind.RESERVED),
          Block.of("8000::/3", Kind.RESERVED),
          Block.of("a000::/3", Kind.RESERVED),
          Block.of("c000::/3", Kind.RESERVED),
          Block.of("e000::/4", Kind.RESERVED),
          Block.of("f000::/5", Kind.RESERVED),
          Block.of("f800::/6", Kind.RESERVED),
          Block.of("fe00::/9", Kind.RESERVED));
}
