package dev.conveyor.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Webhook hosts pinned to one answer while deliveries to them are in flight: whoever looks a pinned
 * host up in this JVM — the SSRF guard, or the HTTP client about to connect — gets that answer and
 * DNS is not asked again, so a DNS answer that changes between the check and the connection (DNS
 * rebinding) cannot take a delivery anywhere the guard did not see. {@link PinningResolverProvider}
 * installs the resolver that consults the pins.
 *
 * <p>How a delivery uses it, and why no lookup escapes:
 *
 * <ol>
 *   <li>{@link #hold} the host <em>before</em> the guard resolves it. From then on, the first
 *       lookup of the host that reaches the resolver fixes the pin's answer, and every later one
 *       gets that answer.
 *   <li>The guard resolves through {@link InetAddress#getAllByName}, like the HTTP client, so it
 *       sees the JVM's address cache as the client will: either an entry made before the hold
 *       (which it checks), or the pin's answer.
 *   <li>{@link Hold#fix} the addresses the guard got, unless a lookup fixed the pin first; the
 *       transport checks whatever the pin answers too. The client's own lookup can then only meet
 *       the cache entry the guard saw (if still fresh) or the pin's answer: both checked.
 *   <li>Close the hold when the exchange is over, or cancelled at the deadline: the JDK client
 *       looks the host up when it sets the exchange up and checks for cancellation after that,
 *       before it connects, so a cancelled exchange never connects to an unpinned answer.
 * </ol>
 *
 * <p>Deliveries to one host at once share its pin (the first fixes it; it is released with the last
 * hold), so they all see one answer. Pins are keyed by the host in lower case.
 */
final class PinnedHosts {
  /** The pins this JVM's resolver consults. */
  static final PinnedHosts JVM = new PinnedHosts();

  /** A lookup of the host in DNS (or whatever resolves it underneath the pins). */
  @FunctionalInterface
  interface Lookup {
    List<InetAddress> addresses() throws UnknownHostException;
  }

  private final ConcurrentHashMap<String, Pin> pins = new ConcurrentHashMap<>();

  /** Pins {@code host} until the hold is closed. */
  Hold hold(String host) {
    String key = key(host);
    Pin pin = pins.compute(key, (k, held) -> (held == null ? new Pin() : held).retain());
    return new Hold(key, pin);
  }

  /**
   * The pinned answer for {@code host}: fixed by {@code lookup} if the pin has none yet. Null when
   * the host is not pinned, and then {@code lookup} is not called.
   */
  List<InetAddress> answer(String host, Lookup lookup) throws UnknownHostException {
    Pin pin = pins.get(key(host));
    return pin == null ? null : pin.answer(lookup);
  }

  /**
   * Fails unless this JVM resolves through the pins: without {@link PinningResolverProvider}
   * installed, a pin would be ignored and the HTTP client would ask DNS again.
   */
  static void requireInstalled() {
    String probe = "pin-probe-" + UUID.randomUUID() + ".invalid";
    List<InetAddress> marker = List.of(InetAddress.ofLiteral("192.0.2.1"));
    try (Hold hold = JVM.hold(probe)) {
      hold.fix(marker);
      if (List.of(InetAddress.getAllByName(probe)).equals(marker)) {
        return;
      }
    } catch (UnknownHostException notPinned) {
      // falls through
    }
    throw new IllegalStateException(
        "Webhook hosts cannot be pinned: this JVM does not resolve through "
            + PinningResolverProvider.class.getName()
            + " (META-INF/services/java.net.spi.InetAddressResolverProvider missing, or another"
            + " resolver provider found first)");
  }

  private static String key(String host) {
    return host.toLowerCase(Locale.ROOT);
  }

  /** A delivery's claim on a host's pin. */
  final class Hold implements AutoCloseable {
    private final String key;
    private final Pin pin;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Hold(String key, Pin pin) {
      this.key = key;
      this.pin = pin;
    }

    /**
     * Fixes the pin's answer to {@code addresses}, unless a lookup fixed it first.
     *
     * @return the pinned answer: what every lookup of the host gets while it is held
     */
    List<InetAddress> fix(List<InetAddress> addresses) {
      return pin.fixIfAbsent(addresses);
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        pins.computeIfPresent(key, (k, held) -> held.release() ? null : held);
      }
    }
  }

  private static final class Pin {
    /** Changed only inside {@code pins.compute…} for this key, which serialises the changes. */
    private int holders;

    private List<InetAddress> answer;

    Pin retain() {
      holders++;
      return this;
    }

    /** Whether this was the last hold. */
    boolean release() {
      return --holders == 0;
    }

    /**
     * Holding the lock during the lookup makes concurrent first lookups of the host wait for one
     * answer instead of fixing different ones.
     */
    synchronized List<InetAddress> answer(Lookup lookup) throws UnknownHostException {
      if (answer == null) {
        answer = List.copyOf(lookup.addresses());
      }
      return answer;
    }

    synchronized List<InetAddress> fixIfAbsent(List<InetAddress> addresses) {
      if (answer == null) {
        answer = List.copyOf(addresses);
      }
      return answer;
    }
  }
}
