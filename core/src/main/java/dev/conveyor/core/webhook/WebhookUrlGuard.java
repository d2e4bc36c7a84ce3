package dev.conveyor.core.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The one rule for where a webhook may be sent, applied when an endpoint is registered and again
 * before every delivery, so the two can never disagree.
 *
 * <p>A URL passes when its scheme is {@code https}, its host is a name or a canonically written IP
 * address (see {@link WebhookAddresses#isNonCanonicalIpv4}), and every address the host resolves to
 * is outside the refused blocks of {@link WebhookAddresses}. With {@code allowLoopbackHttp} — the
 * local stack's explicit opt-in, {@code WEBHOOK_ALLOW_LOOPBACK_HTTP} — loopback addresses (and only
 * they) are allowed too, over {@code http} as well.
 *
 * <p>The guard resolves the host once per check; a caller that connects must connect to exactly the
 * addresses it got back (the webhook transport pins them), or a DNS answer that changed in between
 * (DNS rebinding) would take it elsewhere.
 */
public final class WebhookUrlGuard {
  /** The error class of a refusal for the scheme. */
  public static final String FORBIDDEN_SCHEME = "forbidden-scheme";

  /** The error class of a refusal for the host or what it resolves to. */
  public static final String FORBIDDEN_ADDRESS = "forbidden-address";

  /** A host's addresses, as the JVM would connect to them. */
  @FunctionalInterface
  public interface Resolver {
    /** The JVM's own resolution ({@link InetAddress#getAllByName}), its cache included. */
    Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** What checking a URL found. */
  public sealed interface Verdict {}

  /**
   * The URL may be called.
   *
   * @param host the URL's host as written
   * @param addresses every address it resolved to, all allowed
   */
  public record Allowed(String host, List<InetAddress> addresses) implements Verdict {
    public Allowed {
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * The URL may not be called, whatever DNS says later.
   *
   * @param errorClass {@link #FORBIDDEN_SCHEME} or {@link #FORBIDDEN_ADDRESS}
   * @param reason for the tenant, completing "The URL …": e.g. "must use https"
   */
  public record Forbidden(String errorClass, String reason) implements Verdict {}

  /** The host does not resolve (now): nothing could be checked. */
  public record Unresolved(String host, UnknownHostException cause) implements Verdict {}

  private final boolean allowLoopbackHttp;
  private final Resolver resolver;

  public WebhookUrlGuard(boolean allowLoopbackHttp, Resolver resolver) {
    this.allowLoopbackHttp = allowLoopbackHttp;
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /** The guard the functions use: the JVM's resolver. */
  public WebhookUrlGuard(boolean allowLoopbackHttp) {
    this(allowLoopbackHttp, Resolver.SYSTEM);
  }

  /** Checks everything about {@code url}, resolving its host once. */
  public Verdict check(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    boolean https = scheme.equals("https");
    if (!https && !scheme.equals("http")) {
      return forbiddenScheme();
    }
    String host = url.getHost();
    if (host == null || host.isEmpty()) {
      // java.net.URI leaves the host out when it is no valid host name, as in http://0x7f.1/.
      String written = hostOf(url.getRawAuthority());
      return written != null && WebhookAddresses.isNonCanonicalIpv4(written)
          ? nonCanonical(written)
          : new Forbidden(FORBIDDEN_ADDRESS, "must name a host");
    }
    if (WebhookAddresses.isNonCanonicalIpv4(host)) {
      return nonCanonical(host);
    }
    if (!https && !allowLoopbackHttp) {
      return forbiddenScheme();
    }
    List<InetAddress> addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      return new Unresolved(host, e);
    }
    return refusal(url, addresses)
        .<Verdict>map(forbidden -> forbidden)
        .orElseGet(() -> new Allowed(host, addresses));
  }

  /**
   * Why {@code url} may not be called at {@code addresses} (what its host resolved to), or empty
   * when every one of them is allowed. The scheme and host of {@code url} must have passed {@link
   * #check} already.
   */
  public Optional<Forbidden> refusal(URI url, List<InetAddress> addresses) {
    boolean https = url.getScheme().equalsIgnoreCase("https");
    boolean literal = isLiteral(url.getHost());
    for (InetAddress address : addresses) {
      if (allowLoopbackHttp && address.isLoopbackAddress()) {
        continue;
      }
      if (!https) {
        return Optional.of(forbiddenScheme());
      }
      Optional<WebhookAddresses.Refusal> refusal = WebhookAddresses.refusal(address);
      if (refusal.isPresent()) {
        String why = literal ? refusal.get().reason() : refusal.get().reason(url.getHost());
        return Optional.of(new Forbidden(FORBIDDEN_ADDRESS, "must not reach " + why));
      }
    }
    return Optional.empty();
  }

  private Forbidden forbiddenScheme() {
    return new Forbidden(
        FORBIDDEN_SCHEME,
        allowLoopbackHttp ? "must use https (http only to a loopback host)" : "must use https");
  }

  private static Forbidden nonCanonical(String host) {
    return new Forbidden(
        FORBIDDEN_ADDRESS,
        "must write an IPv4 address as four decimal numbers without leading zeros (not "
            + host
            + ")");
  }

  /** The host in a raw authority ({@code user@host:port}), or null. */
  private static String hostOf(String rawAuthority) {
    if (rawAuthority == null) {
      return null;
    }
    String hostAndPort = rawAuthority.substring(rawAuthority.lastIndexOf('@') + 1);
    int colon = hostAndPort.lastIndexOf(':');
    return colon < 0 || hostAndPort.endsWith("]") ? hostAndPort : hostAndPort.substring(0, colon);
  }

  /** An IPv6 literal ({@code [::1]}) or a dotted-quad IPv4 literal. */
  private static boolean isLiteral(String host) {
    return host.startsWith("[") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }
}
