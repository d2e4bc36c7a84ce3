package dev.conveyor.adapters.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {

  @Test
  void aMissingRequiredVariableFailsNamingIt() {
    Env env = Env.of(Map.of());

    assertThatThrownBy(() -> env.require("QUEUE_URL_CRITICAL"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("QUEUE_URL_CRITICAL");
  }

  @Test
  void aBlankValueCountsAsUnsetAndValuesAreTrimmed() {
    Env env = Env.of(Map.of("EMPTY", "  ", "PADDED", " value "));

    assertThat(env.optional("EMPTY")).isEmpty();
    assertThat(env.get("EMPTY", "fallback")).isEqualTo("fallback");
    assertThatThrownBy(() -> env.require("EMPTY")).hasMessageContaining("EMPTY");
    assertThat(env.require("PADDED")).isEqualTo("value");
  }

  @Test
  void unsetVariablesTakeTheirDefaults() {
    Env env = Env.of(Map.of());

    assertThat(env.optional("X")).isEmpty();
    assertThat(env.get("X", "d")).isEqualTo("d");
    assertThat(env.intValue("DB_MAX_CONNECTIONS", 2, 1, 10)).isEqualTo(2);
    assertThat(env.seconds("DB_CONNECT_TIMEOUT_SECONDS", 5)).isEqualTo(Duration.ofSeconds(5));
    assertThat(env.flag("DB_MIGRATE", true)).isTrue();
    assertThat(env.url("AWS_ENDPOINT_URL")).isEmpty();
  }

  @Test
  void anIntegerOutsideItsRangeIsRefusedNamingTheVariableAndTheValue() {
    Env env = Env.of(Map.of("DB_MAX_CONNECTIONS", "50", "DB_POOL", "two"));

    assertThat(Env.of(Map.of("N", "7")).intValue("N", 1, 1, 10)).isEqualTo(7);
    assertThatThrownBy(() -> env.intValue("DB_MAX_CONNECTIONS", 2, 1, 10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DB_MAX_CONNECTIONS")
        .hasMessageContaining("'50'")
        .hasMessageContaining("1 to 10");
    assertThatThrownBy(() -> env.intValue("DB_POOL", 2, 1, 10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DB_POOL")
        .hasMessageContaining("'two'");
  }

  @Test
  void theValueOfASecretLookingVariableIsNeverEchoed() {
    Env env =
        Env.of(
            Map.of(
                "DB_PASSWORD", "hunter2",
                "API_SIGNING_KEY", "k3y-material",
                "WEBHOOK_SECRET_ROTATION", "s3cret",
                "AWS_SESSION_TOKEN", "t0ken"));

    assertThatThrownBy(() -> env.intValue("DB_PASSWORD", 1, 1, 2))
        .hasMessageContaining("DB_PASSWORD")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> env.flag("API_SIGNING_KEY", false))
        .hasMessageContaining("API_SIGNING_KEY")
        .hasMessageNotContaining("k3y-material");
    assertThatThrownBy(() -> env.seconds("WEBHOOK_SECRET_ROTATION", 1))
        .hasMessageContaining("WEBHOOK_SECRET_ROTATION")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> env.url("AWS_SESSION_TOKEN")).hasMessageNotContaining("t0ken");
    assertThat(env.toString()).contains("DB_PASSWORD").doesNotContain("hunter2");
  }

  @Test
  void secondsAreAWholeNonNegativeNumber() {
    assertThat(Env.of(Map.of("T", "30")).seconds("T", 5)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Env.of(Map.of("T", "0")).seconds("T", 5)).isEqualTo(Duration.ZERO);
    for (String bad : new String[] {"-1", "1.5", "30s", "PT30S"}) {
      assertThatThrownBy(() -> Env.of(Map.of("TIMEOUT_SECONDS", bad)).seconds("TIMEOUT_SECONDS", 5))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("TIMEOUT_SECONDS")
          .hasMessageContaining(bad);
    }
  }

  @Test
  void flagsAcceptTheUsualSpellingsAndNothingElse() {
    for (String yes : new String[] {"true", "TRUE", "yes", "on", "1"}) {
      assertThat(Env.of(Map.of("F", yes)).flag("F", false)).as(yes).isTrue();
    }
    for (String no : new String[] {"false", "False", "no", "off", "0"}) {
      assertThat(Env.of(Map.of("F", no)).flag("F", true)).as(no).isFalse();
    }
    assertThatThrownBy(
            () -> Env.of(Map.of("S3_FORCE_PATH_STYLE", "maybe")).flag("S3_FORCE_PATH_STYLE", false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("S3_FORCE_PATH_STYLE")
        .hasMessageContaining("maybe");
  }

  @Test
  void aUrlMustBeAbsoluteHttpOrHttps() {
    assertThat(Env.of(Map.of("U", "http://127.0.0.1:4566")).url("U"))
        .contains(URI.create("http://127.0.0.1:4566"));
    for (String bad : new String[] {"127.0.0.1:4566", "ftp://host", "not a url", "/relative"}) {
      assertThatThrownBy(() -> Env.of(Map.of("AWS_ENDPOINT_URL", bad)).url("AWS_ENDPOINT_URL"))
          .as(bad)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("AWS_ENDPOINT_URL");
    }
  }

  @Test
  void asAFunctionItAnswersNullForUnsetVariables() {
    var lookup =
        Env.of(Map.of("DB_URL", "jdbc:postgresql://db/conveyor", "BLANK", "")).asFunction();

    assertThat(lookup.apply("DB_URL")).isEqualTo("jdbc:postgresql://db/conveyor");
    assertThat(lookup.apply("BLANK")).isNull();
    assertThat(lookup.apply("MISSING")).isNull();
  }

  @Test
  void aMapEnvironmentIsACopyAndNotTheProcessEnvironment() {
    Map<String, String> values = new HashMap<>(Map.of("A", "1"));
    Env env = Env.of(values);
    values.put("A", "2");

    assertThat(env.require("A")).isEqualTo("1");
    assertThat(env.isProcessEnvironment()).isFalse();
    assertThat(Env.system().isProcessEnvironment()).isTrue();
  }
}
