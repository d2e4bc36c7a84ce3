package dev.conveyor.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;

class EmbeddedDynamoDbTest {

  private static EmbeddedDynamoDb dynamoDb;
  private static DynamoDbClient client;

  @BeforeAll
  static void start() {
    dynamoDb = EmbeddedDynamoDb.start(0);
    client = Sdk.dynamoDb(dynamoDb.endpoint(), Sdk.CREDENTIALS);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (dynamoDb != null) {
      dynamoDb.close();
    }
  }

  @Test
  void listensOnLoopbackOnAPortItChoseItself() {
    assertThat(dynamoDb.endpoint().getHost()).isEqualTo("127.0.0.1");
    assertThat(dynamoDb.port()).isPositive();
  }

  @Test
  void createTablePutItemGetItem() {
    client.createTable(b ->
        b.tableName("idempotency")
            .billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(Tables.stringAttribute("id"))
            .keySchema(Tables.hashKey("id")));

    client.putItem(b ->
        b.tableName("idempotency")
            .item(
                Map.of(
                    "id", AttributeValue.fromS("job-1"),
                    "status", AttributeValue.fromS("COMPLETED"))));

    Map<String, AttributeValue> item =
        client
            .getItem(b ->
                b.tableName("idempotency")
                    .key(Map.of("id", AttributeValue.fromS("job-1")))
                    .consistentRead(true))
            .item();
    assertThat(item).containsEntry("status", AttributeValue.fromS("COMPLETED"));
  }

  @Test
  void clientsWithOtherCredentialsSeeTheSameTables() {
    client.createTable(b ->
        b.tableName("shared")
            .billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(Tables.stringAttribute("pk"))
            .keySchema(Tables.hashKey("pk")));

    try (DynamoDbClient other =
        Sdk.dynamoDb(dynamoDb.endpoint(), Sdk.credentials("someoneElse", "other-secret"))) {
      assertThat(other.listTables().tableNames()).contains("shared");
    }
  }
}
