package dev.conveyor.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

class SecretsManagerStubTest {

  private static SecretsManagerStub stub;
  private static SecretsManagerClient client;

  @BeforeAll
  static void start() {
    stub = SecretsManagerStub.start(0);
    client = Sdk.secretsManager(stub.endpoint());
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (stub != null) {
      stub.close();
    }
  }

  @Test
  void getSecretValueReturnsWhatWasPut() {
    Instant before = Instant.now().minusSeconds(1);
    stub.putSecret("conveyor/webhook-signing-key", "whsec_abc");

    GetSecretValueResponse secret =
        client.getSecretValue(b -> b.secretId("conveyor/webhook-signing-key"));

    assertThat(secret.name()).isEqualTo("conveyor/webhook-signing-key");
    assertThat(secret.secretString()).isEqualTo("whsec_abc");
    assertThat(secret.arn())
        .matches(
            "arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor/webhook-signing-key-\\w{6}");
    assertThat(secret.versionId()).isNotBlank();
    assertThat(secret.versionStages()).containsExactly("AWSCURRENT");
    assertThat(secret.createdDate()).isBetween(before, Instant.now().plusSeconds(1));
  }

  @Test
  void getSecretValueFindsASecretByItsFullOrPartialArn() {
    stub.putSecret("db", "{\"password\":\"pw\"}");
    String arn = client.getSecretValue(b -> b.secretId("db")).arn();
    String partialArn = arn.substring(0, arn.length() - 7);

    assertThat(client.getSecretValue(b -> b.secretId(arn)).secretString())
        .isEqualTo("{\"password\":\"pw\"}");
    assertThat(client.getSecretValue(b -> b.secretId(partialArn)).name()).isEqualTo("db");
  }

  @Test
  void puttingASecretAgainMakesANewVersionUnderTheSameArn() {
    stub.putSecret("rotating", "v1");
    GetSecretValueResponse first = client.getSecretValue(b -> b.secretId("rotating"));
    stub.putSecret("rotating", "v2");
    GetSecretValueResponse second = client.getSecretValue(b -> b.secretId("rotating"));

    assertThat(second.secretString()).isEqualTo("v2");
    assertThat(second.arn()).isEqualTo(first.arn());
    assertThat(second.versionId()).isNotEqualTo(first.versionId());
  }

  @Test
  void unknownSecretIsResourceNotFound() {
    assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId("nope")))
        .isInstanceOfSatisfying(
            ResourceNotFoundException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.awsErrorDetails().errorMessage())
                  .isEqualTo("Secrets Manager can't find the specified secret.");
            });
  }

  @Test
  void otherOperationsAreRefusedPlainly() {
    assertThatThrownBy(() -> client.listSecrets())
        .isInstanceOfSatisfying(
            SecretsManagerException.class,
            e ->
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnknownOperationException"));
  }
}
