package dev.conveyor.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The tests' DNS: this module's test JVM resolves through the production {@link PinningResolver}
 * and {@link PinnedHosts#JVM}, over a zone of names the tests make up (and may re-point, as a DNS
 * change would); any other name goes to the JDK's resolver. Registered in the test resources'
 * {@code META-INF/services}, which come before the production registration on the test class path.
 *
 * <p>Not {@code -Djdk.net.hosts.file}: with it set, the JDK ignores every resolver provider, and
 * pinning with them.
 */
public final class TestDns extends InetAddressResolverProvider {
  /** A name's answers, given in turn (the last one again once they run out). */
  private record Answers(List<List<InetAddress>> inTurn, AtomicInteger asked) {
    static Answers always(String... literals) {
      return new Answers(List.of(addresses(literals)), new AtomicInteger());
    }

    List<InetAddress> next() {
      return inTurn.get(Math.min(asked.getAndIncrement(), inTurn.size() - 1));
    }
  }

  private static final Map<String, Answers> ZONE =
      new ConcurrentHashMap<>(
          Map.of(
              // A receiver on loopback by name: the local stack's case, with the opt-in.
              "receiver.test", Answers.always("127.0.0.1"),
              // Names that look public and resolve inwards.
              "loopback.evil.test", Answers.always("127.0.0.1"),
              "metadata.evil.test", Answers.always("169.254.169.254"),
              "metadata6.evil.test", Answers.always("fd00:ec2::254"),
              "private.evil.test", Answers.always("10.0.0.5"),
              "mixed.evil.test", Answers.always("93.184.215.14", "10.0.0.5")));

  /** From now on, {@code name} resolves to {@code literals}. */
  static void point(String name, String... literals) {
    ZONE.put(name, Answers.always(literals));
  }

  /**
   * From now on, each lookup of {@code name} gets the next of {@code answers} (one address each),
   * as from a DNS server that rebinds the name on every query.
   */
  static void answerInTurn(String name, String... answers) {
    ZONE.put(
        name,
        new Answers(Arrays.stream(answers).map(TestDns::addresses).toList(), new AtomicInteger()));
  }

  /** How many lookups of {@code name} reached this DNS since it was last pointed. */
  static int lookups(String name) {
    return ZONE.get(name).asked().get();
  }

  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver jdk = configuration.builtinResolver();
    InetAddressResolver zone =
        new InetAddressResolver() {
          @Override
          public Stream<InetAddress> lookupByName(String host, LookupPolicy policy)
              throws UnknownHostException {
            Answers answers = ZONE.get(host.toLowerCase(Locale.ROOT));
            return answers == null ? jdk.lookupByName(host, policy) : answers.next().stream();
          }

          @Override
          public String lookupByAddress(byte[] address) throws UnknownHostException {
            return jdk.lookupByAddress(address);
          }
        };
    return new PinningResolver(zone, PinnedHosts.JVM);
  }

  @Override
  public String name() {
    return "conveyor-test-dns";
  }

  private static List<InetAddress> addresses(String... literals) {
    return Arrays.stream(literals).map(InetAddress::ofLiteral).toList();
  }
}
