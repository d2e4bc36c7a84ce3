package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.port.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SecretsManagerSecretsTest {

  private static AwsClients aws;

  @BeforeAll
  static void buildClients() {
    aws = EmulatorEnv.clients();
  }

  @AfterAll
  static void closeClients() {
    aws.close();
  }

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aSecretIsFetchedOnceAndServedFromMemoryUntilItsTtlEnds() {
    String id = EmulatorEnv.unique("conveyor/webhook-sealing-key");
    EmulatorEnv.services().putSecret(id, "first-value");
    ManualClock clock = new ManualClock();
    Secrets secrets = new SecretsManagerSecrets(aws.secretsManager(), Duration.ofMinutes(5), clock);

    assertThat(secrets.get(id)).isEqualTo("first-value");

    // Rotated behind our back: within the TTL the cached value is served, with no call.
    EmulatorEnv.services().putSecret(id, "rotated-value");
    clock.advance(Duration.ofMinutes(4));
    assertThat(secrets.get(id)).isEqualTo("first-value");

    clock.advance(Duration.ofMinutes(1));
    assertThat(secrets.get(id)).isEqualTo("rotated-value");
  }

  @Test
  void invalidatingASecretFetchesItAgain() {
    String id = EmulatorEnv.unique("conveyor/db");
    EmulatorEnv.services().putSecret(id, "{\"username\":\"a\",\"password\":\"b\"}");
    SecretsManagerSecrets secrets =
        new SecretsManagerSecrets(aws.secretsManager(), Duration.ofMinutes(5), new ManualClock());
    secrets.get(id);
    EmulatorEnv.services().putSecret(id, "{\"username\":\"a\",\"password\":\"c\"}");

    secrets.invalidate(id);

    assertThat(secrets.get(id)).contains("\"c\"");
  }

  @Test
  void anUnknownSecretIsNotFound() {
    Secrets secrets = new SecretsManagerSecrets(aws.secretsManager());

    assertThatThrownBy(() -> secrets.get("conveyor/does-not-exist"))
        .isInstanceOf(Secrets.SecretNotFoundException.class)
        .hasMessageContaining("conveyor/does-not-exist");
  }

  @Test
  void theCacheTtlDefaultsToFiveMinutes() {
    assertThat(SecretsManagerSecrets.cacheTtlFrom(Env.of(Map.of())))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(SecretsManagerSecrets.cacheTtlFrom(Env.of(Map.of("SECRETS_CACHE_SECONDS", "60"))))
        .isEqualTo(Duration.ofMinutes(1));
  }
}
