package dev.conveyor.emulators;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Real AWS SDK v2 clients pointed at the emulators, configured as the application's are. */
final class Sdk {

  static final Region REGION = Region.of(EmbeddedServices.REGION);
  static final StaticCredentialsProvider CREDENTIALS =
      credentials(EmbeddedServices.ACCESS_KEY_ID, EmbeddedServices.SECRET_ACCESS_KEY);

  private Sdk() {}

  static StaticCredentialsProvider credentials(String accessKeyId, String secretAccessKey) {
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(accessKeyId, secretAccessKey));
  }

  static SdkHttpClient http() {
    return UrlConnectionHttpClient.create();
  }

  static SqsClient sqs(URI endpoint) {
    return SqsClient.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(CREDENTIALS)
        .httpClient(http())
        .build();
  }

  static S3Client s3(URI endpoint) {
    return s3(endpoint, CREDENTIALS);
  }

  static S3Client s3(URI endpoint, StaticCredentialsProvider credentials) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(REGION)
        .credentialsProvider(credentials)
        .httpClient(http())
        .build();
  }

  static S3Presigner presigner(URI endpoint) {
    return S3Presigner.builder()
        .endpointOverride(endpoint)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .region(REGION)
        .credentialsProvider(CREDENTIALS)
        .build();
  }

  static DynamoDbClient dynamoDb(URI endpoint, StaticCredentialsProvider credentials) {
    return DynamoDbClient.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(credentials)
        .httpClient(http())
        .build();
  }

  static SecretsManagerClient secretsManager(URI endpoint) {
    return SecretsManagerClient.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(CREDENTIALS)
        .httpClient(http())
        .build();
  }
}
