package dev.conveyor.webhook;

import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4_FIRST;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6_FIRST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolver.LookupPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PinningResolverTest {
  private static final LookupPolicy ANY = LookupPolicy.of(IPV4 | IPV6);
  private static final InetAddress PUBLIC = InetAddress.ofLiteral("93.184.215.14");
  private static final InetAddress METADATA = InetAddress.ofLiteral("169.254.169.254");

  /** DNS whose answer the test changes between lookups, as a rebinding attacker's does. */
  private static final class RebindingDns implements InetAddressResolver {
    volatile List<InetAddress> answer = List.of(PUBLIC);
    final AtomicInteger lookups = new AtomicInteger();

    @Override
    public java.util.stream.Stream<InetAddress> lookupByName(String host, LookupPolicy policy)
        throws UnknownHostException {
      lookups.incrementAndGet();
      if (answer.isEmpty()) {
        throw new UnknownHostException(host);
      }
      return answer.stream();
    }

    @Override
    public String lookupByAddress(byte[] address) {
      return "reverse.test";
    }
  }

  private final RebindingDns dns = new RebindingDns();
  private final PinnedHosts pins = new PinnedHosts();
  private final PinningResolver resolver = new PinningResolver(dns, pins);

  @Test
  void anUnpinnedHostGetsWhateverDnsSaysEachTime() throws Exception {
    assertThat(lookUp("hooks.example.com")).containsExactly(PUBLIC);
    dns.answer = List.of(METADATA);
    assertThat(lookUp("hooks.example.com")).containsExactly(METADATA);
    assertThat(dns.lookups).hasValue(2);
  }

  @Test
  void aPinnedHostKeepsItsFirstAnswerWhileDnsChangesAndGetsDnsAgainOnceReleased() throws Exception {
    try (PinnedHosts.Hold hold = pins.hold("rebind.test")) {
      assertThat(lookUp("rebind.test")).containsExactly(PUBLIC);
      dns.answer = List.of(METADATA);

      assertThat(lookUp("rebind.test")).containsExactly(PUBLIC);
      assertThat(lookUp("REBIND.test")).containsExactly(PUBLIC);
      assertThat(hold.fix(List.of(METADATA))).containsExactly(PUBLIC);
      assertThat(dns.lookups).hasValue(1);
    }
    assertThat(lookUp("rebind.test")).containsExactly(METADATA);
  }

  @Test
  void addressesFixedBeforeAnyLookupAreTheAnswerAndDnsIsNotAsked() throws Exception {
    try (PinnedHosts.Hold hold = pins.hold("rebind.test")) {
      assertThat(hold.fix(List.of(PUBLIC))).containsExactly(PUBLIC);
      dns.answer = List.of(METADATA);

      assertThat(lookUp("rebind.test")).containsExactly(PUBLIC);
      assertThat(dns.lookups).hasValue(0);
    }
  }

  @Test
  void deliveriesToOneHostShareItsPinUntilTheLastOneEnds() throws Exception {
    PinnedHosts.Hold first = pins.hold("rebind.test");
    PinnedHosts.Hold second = pins.hold("rebind.test");
    first.fix(List.of(PUBLIC));
    dns.answer = List.of(METADATA);

    first.close();
    first.close(); // a second close does not release the other delivery's claim
    assertThat(lookUp("rebind.test")).containsExactly(PUBLIC);

    second.close();
    assertThat(lookUp("rebind.test")).containsExactly(METADATA);
  }

  @Test
  void aFailedLookupFixesNothing() throws Exception {
    dns.answer = List.of();
    try (PinnedHosts.Hold hold = pins.hold("rebind.test")) {
      assertThatThrownBy(() -> lookUp("rebind.test")).isInstanceOf(UnknownHostException.class);
      dns.answer = List.of(PUBLIC);
      assertThat(lookUp("rebind.test")).containsExactly(PUBLIC);
    }
  }

  @Test
  void thePinnedAnswerIsGivenInTheFamiliesAndOrderTheLookupAsksFor() throws Exception {
    InetAddress v6 = InetAddress.ofLiteral("2606:4700::1111");
    try (PinnedHosts.Hold hold = pins.hold("dual.test")) {
      hold.fix(List.of(v6, PUBLIC));

      assertThat(resolver.lookupByName("dual.test", LookupPolicy.of(IPV4))).containsExactly(PUBLIC);
      assertThat(resolver.lookupByName("dual.test", LookupPolicy.of(IPV6))).containsExactly(v6);
      assertThat(resolver.lookupByName("dual.test", LookupPolicy.of(IPV4 | IPV6 | IPV4_FIRST)))
          .containsExactly(PUBLIC, v6);
      assertThat(resolver.lookupByName("dual.test", LookupPolicy.of(IPV4 | IPV6 | IPV6_FIRST)))
          .containsExactly(v6, PUBLIC);
      assertThat(resolver.lookupByName("dual.test", ANY)).containsExactly(v6, PUBLIC);
    }
    try (PinnedHosts.Hold hold = pins.hold("v6-only.test")) {
      hold.fix(List.of(v6));
      assertThatThrownBy(() -> resolver.lookupByName("v6-only.test", LookupPolicy.of(IPV4)))
          .isInstanceOf(UnknownHostException.class);
    }
  }

  /**
   * Many deliveries to one host at once, while DNS flips on every lookup: as long as any of them
   * holds the pin, every lookup gets the one answer that fixed it.
   */
  @Test
  void concurrentDeliveriesAllSeeOneAnswerWhileDnsFlips() throws Exception {
    AtomicInteger flips = new AtomicInteger();
    InetAddressResolver flipping =
        new InetAddressResolver() {
          @Override
          public java.util.stream.Stream<InetAddress> lookupByName(
              String host, LookupPolicy policy) {
            return java.util.stream.Stream.of(flips.getAndIncrement() % 2 == 0 ? PUBLIC : METADATA);
          }

          @Override
          public String lookupByAddress(byte[] address) {
            return "reverse.test";
          }
        };
    PinningResolver pinning = new PinningResolver(flipping, pins);
    PinnedHosts.Hold anchor = pins.hold("busy.test");
    InetAddress fixed = pinning.lookupByName("busy.test", ANY).findFirst().orElseThrow();

    ExecutorService deliveries = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<InetAddress>>> seen = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      seen.add(
          deliveries.submit(() -> {
            start.await();
            try (PinnedHosts.Hold hold = pins.hold("busy.test")) {
              List<InetAddress> answers = new ArrayList<>();
              for (int j = 0; j < 20; j++) {
                answers.addAll(pinning.lookupByName("busy.test", ANY).toList());
              }
              answers.addAll(hold.fix(List.of(METADATA)));
              return answers;
            }
          }));
    }
    start.countDown();
    for (Future<List<InetAddress>> answers : seen) {
      assertThat(answers.get(10, TimeUnit.SECONDS)).containsOnly(fixed);
    }
    deliveries.shutdown();
    assertThat(flips).hasValue(1);

    anchor.close();
    assertThat(pinning.lookupByName("busy.test", ANY).toList()).doesNotContain(fixed);
  }

  @Test
  void reverseLookupsGoToDns() throws Exception {
    assertThat(resolver.lookupByAddress(PUBLIC.getAddress())).isEqualTo("reverse.test");
  }

  private List<InetAddress> lookUp(String host) throws UnknownHostException {
    return resolver.lookupByName(host, ANY).toList();
  }
}
