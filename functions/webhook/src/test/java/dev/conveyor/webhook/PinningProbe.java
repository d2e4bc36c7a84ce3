package dev.conveyor.webhook;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * Run in a JVM of its own by {@link PinningResolverProviderTest}, with the production classes ahead
 * of the tests' {@link TestDns}: prints what a pinned name resolves to there.
 */
public final class PinningProbe {
  private PinningProbe() {}

  public static void main(String[] args) throws Exception {
    PinnedHosts.requireInstalled();
    try (PinnedHosts.Hold hold = PinnedHosts.JVM.hold("probe.test")) {
      hold.fix(List.of(InetAddress.ofLiteral("192.0.2.44")));
      System.out.println(Arrays.toString(InetAddress.getAllByName("probe.test")));
    }
  }
}
