package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.adapters.config.Env;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.regions.Region;

class AwsClientsTest {

  private static Map<String, String> minimal() {
    return new HashMap<>(Map.of(AwsClients.AWS_REGION, "eu-west-1"));
  }

  @Test
  void theRegionIsRequiredAndChecked() {
    assertThatThrownBy(() -> new AwsClients(Env.of(Map.of())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("AWS_REGION");
    assertThatThrownBy(() -> new AwsClients(Env.of(Map.of("AWS_REGION", "Ireland"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("AWS_REGION");
  }

  @Test
  void settingsAreValidatedAtStartNotOnFirstUse() {
    Map<String, String> badEndpoint = minimal();
    badEndpoint.put(AwsClients.AWS_ENDPOINT_URL_SQS, "localhost:9324");
    Map<String, String> badAttempts = minimal();
    badAttempts.put(AwsClients.AWS_MAX_ATTEMPTS, "100");
    Map<String, String> zeroTimeout = minimal();
    zeroTimeout.put(AwsClients.AWS_CONNECT_TIMEOUT_SECONDS, "0");

    assertThatThrownBy(() -> new AwsClients(Env.of(badEndpoint)))
        .hasMessageContaining("AWS_ENDPOINT_URL_SQS");
    assertThatThrownBy(() -> new AwsClients(Env.of(badAttempts)))
        .hasMessageContaining("AWS_MAX_ATTEMPTS");
    assertThatThrownBy(() -> new AwsClients(Env.of(zeroTimeout)))
        .hasMessageContaining("AWS_CONNECT_TIMEOUT_SECONDS");
  }

  @Test
  void anAccessKeyWithoutItsSecretIsRefusedWithoutEchoingTheKey() {
    Map<String, String> env = minimal();
    env.put(AwsClients.AWS_ACCESS_KEY_ID, "AKIAEXAMPLEKEYID");

    assertThatThrownBy(() -> new AwsClients(Env.of(env)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("AWS_SECRET_ACCESS_KEY")
        .hasMessageNotContaining("AKIAEXAMPLEKEYID");
  }

  @Test
  void keysPassedAsVariablesBecomeStaticCredentials() {
    Map<String, String> env = minimal();
    env.put(AwsClients.AWS_ACCESS_KEY_ID, "local-id");
    env.put(AwsClients.AWS_SECRET_ACCESS_KEY, "local-secret");
    env.put(AwsClients.AWS_SESSION_TOKEN, "local-token");

    try (AwsClients clients = new AwsClients(Env.of(env))) {
      var credentials = clients.credentialsProvider().resolveCredentials();
      assertThat(credentials.accessKeyId()).isEqualTo("local-id");
      assertThat(credentials.secretAccessKey()).isEqualTo("local-secret");
      assertThat(credentials).isInstanceOf(AwsSessionCredentials.class);
      assertThat(clients.region()).isEqualTo(Region.EU_WEST_1);
    }
  }

  @Test
  void withoutKeysTheCredentialsLambdaProvidesInTheEnvironmentAreUsed() {
    try (AwsClients clients = new AwsClients(Env.of(minimal()))) {
      assertThat(clients.credentialsProvider())
          .isInstanceOf(EnvironmentVariableCredentialsProvider.class);
    }
  }

  @Test
  void eachClientIsBuiltOnFirstUseAndThenReused() {
    try (AwsClients clients = new AwsClients(Env.of(minimal()))) {
      assertThat(clients.built()).isEmpty();

      var sqs = clients.sqs();

      assertThat(clients.sqs()).isSameAs(sqs);
      assertThat(clients.built()).containsExactlyInAnyOrder("sqs", "http");
      assertThat(clients.built()).doesNotContain("dynamoDb", "s3", "secretsManager");
    }
  }

  @Test
  void closingClosesWhatWasBuiltAndRefusesLaterUse() {
    AwsClients clients = new AwsClients(Env.of(minimal()));
    clients.s3();
    clients.s3Presigner();

    clients.close();

    assertThat(clients.built()).isEmpty();
    assertThatThrownBy(clients::s3).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(clients::dynamoDb).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aServiceEndpointOverridesTheCommonOne() {
    Map<String, String> env = minimal();
    env.put(AwsClients.AWS_ENDPOINT_URL, "http://127.0.0.1:4566");
    env.put(AwsClients.AWS_ENDPOINT_URL_SQS, "http://127.0.0.1:9324");

    try (AwsClients clients = new AwsClients(Env.of(env))) {
      assertThat(clients.sqs().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("http://127.0.0.1:9324"));
      assertThat(clients.dynamoDb().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("http://127.0.0.1:4566"));
      assertThat(clients.secretsManager().serviceClientConfiguration().region())
          .isEqualTo(Region.EU_WEST_1);
    }
  }

  @Test
  void withoutEndpointsTheClientsGoToAws() {
    try (AwsClients clients = new AwsClients(Env.of(minimal()))) {
      assertThat(clients.sqs().serviceClientConfiguration().endpointOverride()).isEmpty();
    }
  }
}
