package dev.conveyor.webhook;

import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4_FIRST;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6_FIRST;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves through {@code delegate}, except that a {@link PinnedHosts pinned} host gets its pinned
 * answer (the first lookup while it is pinned fixes it), and DNS is not asked again until the pin
 * is released.
 */
final class PinningResolver implements InetAddressResolver {
  private final InetAddressResolver delegate;
  private final PinnedHosts pins;

  PinningResolver(InetAddressResolver delegate, PinnedHosts pins) {
    this.delegate = delegate;
    this.pins = pins;
  }

  @Override
  public Stream<InetAddress> lookupByName(String host, LookupPolicy policy)
      throws UnknownHostException {
    List<InetAddress> pinned = pins.answer(host, () -> lookUp(host, policy));
    return pinned == null ? delegate.lookupByName(host, policy) : as(policy, host, pinned);
  }

  @Override
  public String lookupByAddress(byte[] address) throws UnknownHostException {
    return delegate.lookupByAddress(address);
  }

  private List<InetAddress> lookUp(String host, LookupPolicy policy) throws UnknownHostException {
    List<InetAddress> addresses = delegate.lookupByName(host, policy).toList();
    if (addresses.isEmpty()) {
      throw new UnknownHostException(host);
    }
    return addresses;
  }

  /**
   * The pinned answer in the address families, and the order, that {@code policy} asks for, named
   * {@code host} as the JDK's own answers are.
   */
  private static Stream<InetAddress> as(LookupPolicy policy, String host, List<InetAddress> pinned)
      throws UnknownHostException {
    int wanted = policy.characteristics();
    List<InetAddress> answer = new ArrayList<>();
    for (InetAddress address : pinned) {
      if ((address instanceof Inet4Address && (wanted & IPV4) != 0)
          || (address instanceof Inet6Address && (wanted & IPV6) != 0)) {
        // No IPv6 scope kept: only link-local addresses have one, and no webhook may reach them.
        answer.add(InetAddress.getByAddress(host, address.getAddress()));
      }
    }
    if (answer.isEmpty()) {
      throw new UnknownHostException(host);
    }
    answer.sort(familyOrder(wanted));
    return answer.stream();
  }

  /** Stable, so the pinned order holds within a family and when neither family comes first. */
  private static Comparator<InetAddress> familyOrder(int wanted) {
    if ((wanted & IPV4_FIRST) != 0) {
      return Comparator.comparingInt(a -> a instanceof Inet4Address ? 0 : 1);
    }
    if ((wanted & IPV6_FIRST) != 0) {
      return Comparator.comparingInt(a -> a instanceof Inet6Address ? 0 : 1);
    }
    return (a, b) -> 0;
  }
}
