package dev.conveyor.core.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueueMessageTest {
  private static final TenantId TENANT = TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c");
  private static final UUID ID = Ids.newV7(Instant.parse("2025-01-15T10:00:00Z"));

  @Test
  void aJobMessageRoundTrips() {
    QueueMessage message = QueueMessage.job(ID, TENANT, "corr-123");

    assertThat(QueueMessage.fromJson(message.toJson())).isEqualTo(message);
  }

  @Test
  void aDeliveryMessageWithoutCorrelationIdRoundTrips() {
    QueueMessage message = QueueMessage.delivery(ID, TENANT, null);

    assertThat(QueueMessage.fromJson(message.toJson())).isEqualTo(message);
  }

  @Test
  void theBodyIsAPointerToARowNotTheWork() {
    QueueMessage message = QueueMessage.job(ID, TENANT, "corr-123");

    assertThat(Json.parseTrusted(message.toJson()))
        .isEqualTo(
            Json.parseTrusted(
                """
                {"kind": "job", "id": "%s", "tenantId": "%s", "correlationId": "corr-123"}
                """
                    .formatted(ID, TENANT)));
    assertThat(QueueMessage.delivery(ID, TENANT, null).toJson()).doesNotContain("correlationId");
  }

  @Test
  void fieldsAddedByANewerSenderAreIgnored() {
    String body =
        """
        {"kind": "delivery", "id": "%s", "tenantId": "%s", "priority": 3}
        """
            .formatted(ID, TENANT);

    assertThat(QueueMessage.fromJson(body)).isEqualTo(QueueMessage.delivery(ID, TENANT, null));
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "   ",
        "not json",
        "null",
        "42",
        "\"job\"",
        "[]",
        "{}",
        "{\"kind\": \"job\"",
        "{\"kind\": \"task\", \"id\": \"0194a0b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\","
            + " \"tenantId\": \"8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c\"}",
        "{\"kind\": \"JOB\", \"id\": \"0194a0b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\","
            + " \"tenantId\": \"8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c\"}",
        "{\"id\": \"0194a0b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\","
            + " \"tenantId\": \"8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c\"}",
        "{\"kind\": \"job\", \"tenantId\": \"8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c\"}",
        "{\"kind\": \"job\", \"id\": \"not-a-uuid\","
            + " \"tenantId\": \"8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c\"}",
        "{\"kind\": \"job\", \"id\": \"0194a0b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\"}",
        "{\"kind\": \"job\", \"id\": \"0194a0b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\","
            + " \"tenantId\": 7}",
        "{\"kind\": \"job\", \"id\": \"0194a0b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\","
            + " \"tenantId\": \"8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c\"} trailing",
        "{\"Records\": [{\"eventSource\": \"aws:s3\"}]}"
      })
  void aBodyThatIsNotAConveyorMessageIsPoison(String body) {
    assertThatThrownBy(() -> QueueMessage.fromJson(body))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a Conveyor queue message");
  }

  @Test
  void aDeeplyNestedBodyIsPoisonNotAStackOverflow() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);

    assertThatThrownBy(() -> QueueMessage.fromJson(deep))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
