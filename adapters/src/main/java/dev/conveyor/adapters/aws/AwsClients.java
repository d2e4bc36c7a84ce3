package dev.conveyor.adapters.aws;

import dev.conveyor.adapters.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The one way every Conveyor function (and the local stack) builds its AWS SDK clients: explicit
 * region, explicit credentials provider, one shared url-connection HTTP client with timeouts, the
 * standard retry strategy, and endpoint overrides for the emulators. Create one per container in
 * the composition root; each client is built on first use and then reused, so a function that never
 * touches DynamoDB never pays for a DynamoDB client.
 *
 * <p>Environment variables (all validated in the constructor):
 *
 * <table>
 *   <caption>AWS client settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code AWS_REGION}</td><td>required</td><td>the region (Lambda sets it)</td></tr>
 *   <tr><td>{@code AWS_ENDPOINT_URL}</td><td>none</td><td>endpoint for every service (local
 *       stack, LocalStack)</td></tr>
 *   <tr><td>{@code AWS_ENDPOINT_URL_SQS}, {@code _S3}, {@code _DYNAMODB},
 *       {@code _SECRETS_MANAGER}</td><td>{@code AWS_ENDPOINT_URL}</td><td>per-service endpoint
 *       (the SDK's standard names)</td></tr>
 *   <tr><td>{@code S3_FORCE_PATH_STYLE}</td><td>false</td><td>path-style S3 addressing (needed
 *       by emulators on 127.0.0.1)</td></tr>
 *   <tr><td>{@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
 *       {@code AWS_SESSION_TOKEN}</td><td>none</td><td>static credentials, used only when given
 *       through {@link Env#of}; from the process environment the SDK's own provider reads
 *       them</td></tr>
 *   <tr><td>{@code AWS_CONNECT_TIMEOUT_SECONDS}</td><td>2</td><td>TCP connect timeout</td></tr>
 *   <tr><td>{@code AWS_SOCKET_TIMEOUT_SECONDS}</td><td>30</td><td>read timeout (above SQS's 20 s
 *       long poll)</td></tr>
 *   <tr><td>{@code AWS_MAX_ATTEMPTS}</td><td>3</td><td>attempts per call, 1–10, standard retry
 *       mode (exponential backoff with jitter, retry quota)</td></tr>
 * </table>
 *
 * <p>Credentials: from {@link Env#of} with an access key pair, static credentials (the local
 * stack). From the process environment, {@link ContainerCredentialsProvider} when Lambda provides
 * {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} (it does so, instead of the access key variables, for
 * SnapStart functions), else {@link EnvironmentVariableCredentialsProvider} (other functions). The
 * default chain is never used: it probes profile files and the instance metadata service on a cold
 * start.
 */
public final class AwsClients implements AutoCloseable {

  public static final String AWS_REGION = "AWS_REGION";
  public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";
  public static final String AWS_ENDPOINT_URL_SQS = "AWS_ENDPOINT_URL_SQS";
  public static final String AWS_ENDPOINT_URL_S3 = "AWS_ENDPOINT_URL_S3";
  public static final String AWS_ENDPOINT_URL_DYNAMODB = "AWS_ENDPOINT_URL_DYNAMODB";
  public static final String AWS_ENDPOINT_URL_SECRETS_MANAGER = "AWS_ENDPOINT_URL_SECRETS_MANAGER";
  public static final String S3_FORCE_PATH_STYLE = "S3_FORCE_PATH_STYLE";
  public static final String AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  public static final String AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";
  public static final String AWS_SESSION_TOKEN = "AWS_SESSION_TOKEN";
  public static final String AWS_CONTAINER_CREDENTIALS_FULL_URI =
      "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  public static final String AWS_CONNECT_TIMEOUT_SECONDS = "AWS_CONNECT_TIMEOUT_SECONDS";
  public static final String AWS_SOCKET_TIMEOUT_SECONDS = "AWS_SOCKET_TIMEOUT_SECONDS";
  public static final String AWS_MAX_ATTEMPTS = "AWS_MAX_ATTEMPTS";

  static final long DEFAULT_CONNECT_TIMEOUT_SECONDS = 2;
  static final long DEFAULT_SOCKET_TIMEOUT_SECONDS = 30;
  static final int DEFAULT_MAX_ATTEMPTS = 3;

  private static final Logger log = LoggerFactory.getLogger(AwsClients.class);
  private static final Pattern REGION_NAME = Pattern.compile("[a-z]{2}(-[a-z0-9]+)+-[0-9]+");

  private final Region region;
  private final AwsCredentialsProvider credentials;
  private final Optional<URI> sqsEndpoint;
  private final Optional<URI> s3Endpoint;
  private final Optional<URI> dynamoDbEndpoint;
  private final Optional<URI> secretsManagerEndpoint;
  private final boolean s3PathStyle;
  private final Duration connectTimeout;
  private final Duration socketTimeout;
  private final int maxAttempts;

  private final Lazy<SdkHttpClient> http;
  private final Lazy<SqsClient> sqs;
  private final Lazy<S3Client> s3;
  private final Lazy<S3Presigner> s3Presigner;
  private final Lazy<DynamoDbClient> dynamoDb;
  private final Lazy<SecretsManagerClient> secretsManager;
  private final List<Lazy<?>> all;

  /**
   * Reads and validates the settings; builds no client yet.
   *
   * @throws IllegalStateException naming the variable that is missing or malformed
   */
  public AwsClients(Env env) {
    Objects.requireNonNull(env, "env");
    String regionName = env.require(AWS_REGION);
    if (!REGION_NAME.matcher(regionName).matches()) {
      throw Env.invalid(AWS_REGION, regionName, "a region name such as eu-west-1");
    }
    this.region = Region.of(regionName);
    this.credentials = credentialsFrom(env);
    Optional<URI> common = env.url(AWS_ENDPOINT_URL);
    this.sqsEndpoint = env.url(AWS_ENDPOINT_URL_SQS).or(() -> common);
    this.s3Endpoint = env.url(AWS_ENDPOINT_URL_S3).or(() -> common);
    this.dynamoDbEndpoint = env.url(AWS_ENDPOINT_URL_DYNAMODB).or(() -> common);
    this.secretsManagerEndpoint = env.url(AWS_ENDPOINT_URL_SECRETS_MANAGER).or(() -> common);
    this.s3PathStyle = env.flag(S3_FORCE_PATH_STYLE, false);
    this.connectTimeout =
        positive(env, AWS_CONNECT_TIMEOUT_SECONDS, DEFAULT_CONNECT_TIMEOUT_SECONDS);
    this.socketTimeout = positive(env, AWS_SOCKET_TIMEOUT_SECONDS, DEFAULT_SOCKET_TIMEOUT_SECONDS);
    this.maxAttempts = env.intValue(AWS_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS, 1, 10);

    List<Lazy<?>> lazies = new ArrayList<>();
    // Service clients close before the HTTP client they share.
    this.sqs = register(lazies, "sqs", this::buildSqs);
    this.s3 = register(lazies, "s3", this::buildS3);
    this.s3Presigner = register(lazies, "s3Presigner", this::buildS3Presigner);
    this.dynamoDb = register(lazies, "dynamoDb", this::buildDynamoDb);
    this.secretsManager = register(lazies, "secretsManager", this::buildSecretsManager);
    this.http = register(lazies, "http", this::buildHttpClient);
    this.all = List.copyOf(lazies);
  }

  /** Same as the constructor: reads and validates the settings, builds no client yet. */
  public static AwsClients fromEnvironment(Env env) {
    return new AwsClients(env);
  }

  private static Duration positive(Env env, String name, long defaultSeconds) {
    Duration value = env.seconds(name, defaultSeconds);
    if (value.isZero()) {
      throw Env.invalid(name, "0", "at least 1 second");
    }
    return value;
  }

  private static AwsCredentialsProvider credentialsFrom(Env env) {
    Optional<String> accessKeyId = env.optional(AWS_ACCESS_KEY_ID);
    Optional<String> secretAccessKey = env.optional(AWS_SECRET_ACCESS_KEY);
    if (!env.isProcessEnvironment() && (accessKeyId.isPresent() || secretAccessKey.isPresent())) {
      String id = accessKeyId.orElseGet(() -> env.require(AWS_ACCESS_KEY_ID));
      String secret = secretAccessKey.orElseGet(() -> env.require(AWS_SECRET_ACCESS_KEY));
      Optional<String> token = env.optional(AWS_SESSION_TOKEN);
      AwsCredentials credentials =
          token.isPresent()
              ? AwsSessionCredentials.create(id, secret, token.get())
              : AwsBasicCredentials.create(id, secret);
      return StaticCredentialsProvider.create(credentials);
    }
    if (env.optional(AWS_CONTAINER_CREDENTIALS_FULL_URI).isPresent()) {
      // The SDK provider reads this variable and its token from the process environment.
      return ContainerCredentialsProvider.create();
    }
    return EnvironmentVariableCredentialsProvider.create();
  }

  /** The region every client is built for. */
  public Region region() {
    return region;
  }

  public SqsClient sqs() {
    return sqs.get();
  }

  public S3Client s3() {
    return s3.get();
  }

  public S3Presigner s3Presigner() {
    return s3Presigner.get();
  }

  public DynamoDbClient dynamoDb() {
    return dynamoDb.get();
  }

  public SecretsManagerClient secretsManager() {
    return secretsManager.get();
  }

  /** Closes every client that was built, then the shared HTTP client; later calls fail. */
  @Override
  public void close() {
    for (Lazy<?> lazy : all) {
      lazy.close();
    }
  }

  /** The names of the clients built so far (for tests). */
  Set<String> built() {
    Set<String> names = new LinkedHashSet<>();
    for (Lazy<?> lazy : all) {
      if (lazy.isBuilt()) {
        names.add(lazy.name);
      }
    }
    return names;
  }

  AwsCredentialsProvider credentialsProvider() {
    return credentials;
  }

  private SdkHttpClient buildHttpClient() {
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(connectTimeout)
        .socketTimeout(socketTimeout)
        .build();
  }

  private ClientOverrideConfiguration overrides() {
    return ClientOverrideConfiguration.builder()
        .retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build())
        .build();
  }

  private <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B configure(
      B builder, Optional<URI> endpoint) {
    builder
        .region(region)
        .credentialsProvider(credentials)
        .httpClient(http.get())
        .overrideConfiguration(overrides());
    endpoint.ifPresent(builder::endpointOverride);
    return builder;
  }

  private SqsClient buildSqs() {
    return configure(SqsClient.builder(), sqsEndpoint).build();
  }

  private S3Client buildS3() {
    return configure(S3Client.builder(), s3Endpoint).forcePathStyle(s3PathStyle).build();
  }

  private S3Presigner buildS3Presigner() {
    S3Presigner.Builder builder =
        S3Presigner.builder()
            .region(region)
            .credentialsProvider(credentials)
            .serviceConfiguration(
                S3Configuration.builder().pathStyleAccessEnabled(s3PathStyle).build());
    s3Endpoint.ifPresent(builder::endpointOverride);
    return builder.build();
  }

  private DynamoDbClient buildDynamoDb() {
    return configure(DynamoDbClient.builder(), dynamoDbEndpoint).build();
  }

  private SecretsManagerClient buildSecretsManager() {
    return configure(SecretsManagerClient.builder(), secretsManagerEndpoint).build();
  }

  private static <T extends SdkAutoCloseable> Lazy<T> register(
      List<Lazy<?>> lazies, String name, Supplier<T> factory) {
    Lazy<T> lazy = new Lazy<>(name, factory);
    lazies.add(lazy);
    return lazy;
  }

  /** A client built on first use, once, and closed with the rest. */
  private static final class Lazy<T extends SdkAutoCloseable> {
    final String name;
    private final Supplier<T> factory;
    private T value;
    private boolean closed;

    Lazy(String name, Supplier<T> factory) {
      this.name = name;
      this.factory = factory;
    }

    synchronized T get() {
      if (closed) {
        throw new IllegalStateException("AwsClients is closed; no " + name + " client");
      }
      if (value == null) {
        long start = System.nanoTime();
        value = factory.get();
        log.debug("built the {} client in {} ms", name, (System.nanoTime() - start) / 1_000_000);
      }
      return value;
    }

    synchronized boolean isBuilt() {
      return value != null;
    }

    synchronized void close() {
      closed = true;
      if (value != null) {
        try {
          value.close();
        } catch (RuntimeException e) {
          log.warn("the {} client did not close cleanly", name, e);
        }
        value = null;
      }
    }
  }
}
