package dev.conveyor.adapters.local;

import dev.conveyor.adapters.aws.AwsClients;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.webhook.SecretSealer;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates, on emulators, the resources the CDK stack creates on AWS — tier queues with their DLQs
 * and redrive policies, the upload-events queue, the buckets, the secrets — and returns the
 * environment a function would get there. The local stack and tests both start from here, so they
 * run the functions configured exactly as on AWS, endpoints aside.
 */
public final class LocalResources {

  /** Where the emulators listen, and the one credential pair they all accept. */
  public record Endpoints(
      String region,
      String accessKeyId,
      String secretAccessKey,
      URI sqs,
      URI s3,
      URI dynamoDb,
      URI secretsManager,
      String jdbcUrl,
      String dbUser,
      String dbPassword) {}

  /** How many receives a message gets before its tier's DLQ takes it. */
  static final Map<Tier, Integer> MAX_RECEIVES =
      Map.of(Tier.CRITICAL, 10, Tier.STANDARD, 5, Tier.BACKGROUND, 5);

  private LocalResources() {}

  /**
   * @param prefix names every resource, so several stacks (or test classes) share one set of
   *     emulators without seeing each other's queues and buckets
   * @param putSecret stores a secret in the Secrets Manager emulator (the SDK has no call the
   *     emulator needs to support for that)
   */
  public static Map<String, String> provision(
      Endpoints endpoints, String prefix, BiConsumer<String, String> putSecret) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_REGION", endpoints.region());
    env.put("AWS_ACCESS_KEY_ID", endpoints.accessKeyId());
    env.put("AWS_SECRET_ACCESS_KEY", endpoints.secretAccessKey());
    env.put("AWS_ENDPOINT_URL_SQS", endpoints.sqs().toString());
    env.put("AWS_ENDPOINT_URL_S3", endpoints.s3().toString());
    env.put("AWS_ENDPOINT_URL_DYNAMODB", endpoints.dynamoDb().toString());
    env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoints.secretsManager().toString());
    env.put("S3_FORCE_PATH_STYLE", "true");

    String dbSecret = prefix + "/database";
    putSecret.accept(
        dbSecret,
        Json.write(Map.of("username", endpoints.dbUser(), "password", endpoints.dbPassword())));
    String sealingKey = prefix + "/webhook-sealing-key";
    putSecret.accept(sealingKey, SecretSealer.newKey());
    env.put("DB_URL", endpoints.jdbcUrl());
    env.put("DB_SECRET_ID", dbSecret);
    env.put("WEBHOOK_SEALING_KEY_SECRET_ID", sealingKey);

    env.put("UPLOADS_BUCKET", prefix + "-uploads");
    env.put("RESULTS_BUCKET", prefix + "-results");
    // The local stack calls receivers on loopback over plain HTTP: a named, explicit opt-in.
    env.put("WEBHOOK_ALLOW_LOOPBACK_HTTP", "true");

    try (AwsClients aws = AwsClients.fromEnvironment(Env.of(env))) {
      for (Tier tier : Tier.values()) {
        env.put(
            "QUEUE_URL_" + tier.name(),
            createQueueWithDlq(aws.sqs(), prefix + "-" + tier.wireName(), MAX_RECEIVES.get(tier)));
      }
      env.put(
          "UPLOAD_EVENTS_QUEUE_URL", createQueueWithDlq(aws.sqs(), prefix + "-uploads-events", 5));
      String apiState = prefix + "-api-state";
      createApiStateTable(aws.dynamoDb(), apiState);
      env.put("API_STATE_TABLE", apiState);
      aws.s3().createBucket(b -> b.bucket(prefix + "-uploads"));
      aws.s3().createBucket(b -> b.bucket(prefix + "-results"));
    }
    return env;
  }

  /**
   * Idempotency records and rate-limit buckets: one on-demand table, string key {@code pk}, items
   * expiring through the TTL attribute {@code expiresAt} (epoch seconds).
   */
  private static void createApiStateTable(DynamoDbClient dynamoDb, String name) {
    dynamoDb.createTable(t ->
        t.tableName(name)
            .billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
            .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH)));
    dynamoDb.updateTimeToLive(u ->
        u.tableName(name).timeToLiveSpecification(s -> s.attributeName("expiresAt").enabled(true)));
  }

  private static String createQueueWithDlq(SqsClient sqs, String name, int maxReceives) {
    String dlqUrl = sqs.createQueue(q -> q.queueName(name + "-dlq")).queueUrl();
    String dlqArn =
        sqs.getQueueAttributes(a -> a.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String redrive =
        Json.write(Map.of("deadLetterTargetArn", dlqArn, "maxReceiveCount", maxReceives));
    return sqs.createQueue(q ->
            q.queueName(name)
                .attributes(
                    Map.of(
                        QueueAttributeName.REDRIVE_POLICY,
                        redrive,
                        QueueAttributeName.VISIBILITY_TIMEOUT,
                        "60")))
        .queueUrl();
  }
}
