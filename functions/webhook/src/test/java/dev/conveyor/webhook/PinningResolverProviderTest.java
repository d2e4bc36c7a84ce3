package dev.conveyor.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.File;
import java.net.InetAddress;
import java.net.spi.InetAddressResolverProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PinningResolverProviderTest {
  @Test
  void aJvmWithTheWebhookFunctionOnItsClassPathResolvesThroughThePins() throws Exception {
    // The production classes first, so their registration is the one found (not TestDns).
    String classPath =
        codeOf(PinningResolverProvider.class) + File.pathSeparator + codeOf(PinningProbe.class);
    Process probe =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                PinningProbe.class.getName())
            .redirectErrorStream(true)
            .start();

    assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(probe.exitValue()).as(output).isZero();
    assertThat(output.strip()).isEqualTo("[probe.test/192.0.2.44]");
  }

  @Test
  void theProductionProviderIsRegisteredAndTheTestsDnsComesFirst() {
    assertThat(ServiceLoader.load(InetAddressResolverProvider.class).stream())
        .extracting(ServiceLoader.Provider::type)
        .startsWith(TestDns.class)
        .contains(PinningResolverProvider.class);
  }

  @Test
  void thisJvmResolvesAPinnedHostToItsPinnedAnswer() throws Exception {
    assertThatCode(PinnedHosts::requireInstalled).doesNotThrowAnyException();
    InetAddress pinned = InetAddress.ofLiteral("192.0.2.44");
    try (PinnedHosts.Hold hold = PinnedHosts.JVM.hold("pinned-only.test")) {
      hold.fix(List.of(pinned));

      assertThat(InetAddress.getAllByName("pinned-only.test")).containsExactly(pinned);
    }
  }

  private static String codeOf(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
