package dev.conveyor.core.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where webhooks may go: the one address rule that endpoint registration and delivery share, so the
 * two can never disagree.
 */
public final class WebhookAddresses {
  private WebhookAddresses() {}

  /**
   * Whether every address {@code host} resolves to is a loopback address: the only hosts plain
   * {@code http} may reach, and only with the local stack's explicit opt-in.
   *
   * @throws UnknownHostException when the host does not resolve; callers decide what that means
   */
  public static boolean allLoopback(String host) throws UnknownHostException {
    if (host == null) {
      return false;
    }
    for (InetAddress address : InetAddress.getAllByName(host)) {
      if (!address.isLoopbackAddress()) {
        return false;
      }
    }
    return true;
  }
}
