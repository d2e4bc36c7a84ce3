package dev.conveyor.webhook;

import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;

/**
 * Installs {@link PinningResolver} as this JVM's resolver (JEP 418; registered in {@code
 * META-INF/services/java.net.spi.InetAddressResolverProvider}): the JDK's own resolver, except for
 * webhook hosts {@link PinnedHosts pinned} by a delivery in flight.
 */
public final class PinningResolverProvider extends InetAddressResolverProvider {
  @Override
  public InetAddressResolver get(Configuration configuration) {
    return new PinningResolver(configuration.builtinResolver(), PinnedHosts.JVM);
  }

  @Override
  public String name() {
    return "conveyor-webhook-pinning";
  }
}
