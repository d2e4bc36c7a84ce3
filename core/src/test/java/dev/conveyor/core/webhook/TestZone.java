package dev.conveyor.core.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A DNS zone of the test's own for {@link WebhookUrlGuard}: names answer what the test says, any
 * other name does not resolve, and address literals are parsed, never looked up.
 */
final class TestZone implements WebhookUrlGuard.Resolver {
  private final Map<String, List<InetAddress>> names = new HashMap<>();

  /** The names asked for, in order. */
  final List<String> asked = new CopyOnWriteArrayList<>();

  TestZone(Map<String, List<String>> names) {
    names.forEach((name, literals) ->
        this.names.put(name, literals.stream().map(InetAddress::ofLiteral).toList()));
  }

  /** Public names for ordinary endpoints, and {@code *.evil.test} names aimed inwards. */
  static TestZone standard() {
    return new TestZone(
        Map.of(
            "hooks.example.com", List.of("93.184.215.14", "2606:4700::1111"),
            "h.example.com", List.of("93.184.215.14"),
            "localhost", List.of("127.0.0.1", "::1"),
            "loopback.evil.test", List.of("127.0.0.1"),
            "metadata.evil.test", List.of("169.254.169.254"),
            "metadata6.evil.test", List.of("fd00:ec2::254"),
            "private.evil.test", List.of("10.0.0.5"),
            "mixed.evil.test", List.of("93.184.215.14", "10.0.0.5"),
            "loopback-and-private.evil.test", List.of("127.0.0.1", "10.0.0.5")));
  }

  @Override
  public List<InetAddress> resolve(String host) throws UnknownHostException {
    if (host.startsWith("[") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
      return List.of(InetAddress.ofLiteral(host.replace("[", "").replace("]", "")));
    }
    asked.add(host);
    List<InetAddress> addresses = names.get(host);
    if (addresses == null) {
      throw new UnknownHostException(host);
    }
    return addresses;
  }
}
