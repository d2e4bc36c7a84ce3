package dev.conveyor.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.adapters.aws.AwsClients;
import dev.conveyor.adapters.aws.S3BlobStore;
import dev.conveyor.adapters.aws.SecretsManagerSecrets;
import dev.conveyor.adapters.aws.SqsJobQueue;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.adapters.postgres.Database;
import dev.conveyor.adapters.postgres.DatabaseSettings;
import dev.conveyor.adapters.postgres.PostgresDeliveryStore;
import dev.conveyor.adapters.postgres.PostgresJobStore;
import dev.conveyor.adapters.postgres.PostgresOutbox;
import dev.conveyor.adapters.postgres.PostgresTenantAdmin;
import dev.conveyor.adapters.postgres.PostgresTenantDirectory;
import dev.conveyor.adapters.postgres.PostgresUploadStore;
import dev.conveyor.adapters.postgres.PostgresWebhookEndpointStore;
import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.job.JobPresenter;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.BlobStore;
import dev.conveyor.core.port.DeliveryStore;
import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.Outbox;
import dev.conveyor.core.port.Secrets;
import dev.conveyor.core.port.TenantAdmin;
import dev.conveyor.core.port.TenantDirectory;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.port.WebhookEndpointStore;
import dev.conveyor.core.submit.OutboxDispatcher;
import dev.conveyor.core.webhook.SecretSealer;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every function shares: AWS clients, the database pool and the adapters over them, each built
 * on first use and once per container. Function composition roots take what they need from here, so
 * no function repeats client or pool set-up.
 *
 * <p>Settings (beyond {@link AwsClients} and {@link DatabaseSettings}): {@code DB_SECRET_ID}
 * (database credentials as Secrets Manager stores them for RDS, {@code {"username","password"}};
 * overrides {@code DB_USER}/{@code DB_PASSWORD}), {@code DB_MIGRATE} (run Flyway at start; false on
 * AWS, where deployment migrates), {@code WEBHOOK_SEALING_KEY_SECRET_ID} (the AES key sealing
 * webhook secrets), {@code SECRETS_CACHE_SECONDS} (300), {@code RESULT_URL_TTL_SECONDS} (3600), and
 * the queue URLs {@code QUEUE_URL_CRITICAL|STANDARD|BACKGROUND}.
 */
public final class Infrastructure implements AutoCloseable {
  private final Env env;
  private final Clock clock;
  private final AwsClients aws;
  private final Lazy<HikariDataSource> dataSource;
  private final Lazy<Secrets> secrets;
  private final Lazy<SecretSealer> sealer;
  private final Lazy<JobStore> jobStore;
  private final Lazy<Outbox> outbox;
  private final Lazy<UploadStore> uploadStore;
  private final Lazy<TenantDirectory> tenantDirectory;
  private final Lazy<TenantAdmin> tenantAdmin;
  private final Lazy<DeliveryStore> deliveryStore;
  private final Lazy<WebhookEndpointStore> webhookEndpointStore;
  private final Lazy<JobQueue> jobQueue;
  private final Lazy<BlobStore> blobStore;
  private final Lazy<OutboxDispatcher> outboxDispatcher;
  private final Lazy<JobPresenter> jobPresenter;

  public Infrastructure(Env env, Clock clock, AwsClients aws) {
    this.env = env;
    this.clock = clock;
    this.aws = aws;
    this.secrets =
        Lazy.of(() ->
            new SecretsManagerSecrets(
                aws.secretsManager(), env.seconds("SECRETS_CACHE_SECONDS", 300), clock));
    this.dataSource = Lazy.of(this::buildDataSource);
    this.sealer =
        Lazy.of(
            () -> new SecretSealer(secrets().get(env.require("WEBHOOK_SEALING_KEY_SECRET_ID"))));
    this.jobStore = Lazy.of(() -> new PostgresJobStore(dataSource()));
    this.outbox = Lazy.of(() -> new PostgresOutbox(dataSource()));
    this.uploadStore = Lazy.of(() -> new PostgresUploadStore(dataSource()));
    this.tenantDirectory = Lazy.of(() -> new PostgresTenantDirectory(dataSource()));
    this.tenantAdmin = Lazy.of(() -> new PostgresTenantAdmin(dataSource()));
    this.deliveryStore = Lazy.of(() -> new PostgresDeliveryStore(dataSource()));
    this.webhookEndpointStore = Lazy.of(() -> new PostgresWebhookEndpointStore(dataSource()));
    this.jobQueue = Lazy.of(() -> new SqsJobQueue(aws.sqs(), SqsJobQueue.queueUrlsFrom(env)));
    this.blobStore = Lazy.of(() -> new S3BlobStore(aws.s3(), aws.s3Presigner()));
    this.outboxDispatcher = Lazy.of(() -> new OutboxDispatcher(jobQueue(), outbox()));
    this.jobPresenter =
        Lazy.of(() -> new JobPresenter(blobStore(), env.seconds("RESULT_URL_TTL_SECONDS", 3600)));
  }

  public static Infrastructure fromEnvironment(Env env) {
    return new Infrastructure(env, Clock.systemUTC(), AwsClients.fromEnvironment(env));
  }

  private HikariDataSource buildDataSource() {
    Function<String, String> settings = env.asFunction();
    Optional<String> secretId = env.optional("DB_SECRET_ID");
    if (secretId.isPresent()) {
      JsonNode credentials = Json.parseTrusted(secrets().get(secretId.get()));
      Map<String, String> fromSecret =
          Map.of(
              "DB_USER", credentials.path("username").asText(),
              "DB_PASSWORD", credentials.path("password").asText());
      Function<String, String> plain = settings;
      settings = name -> fromSecret.containsKey(name) ? fromSecret.get(name) : plain.apply(name);
    }
    HikariDataSource pool = Database.pool(DatabaseSettings.fromEnvironment(settings));
    if (env.flag("DB_MIGRATE", false)) {
      Database.migrate(pool);
    }
    return pool;
  }

  public Env env() {
    return env;
  }

  public Clock clock() {
    return clock;
  }

  public AwsClients aws() {
    return aws;
  }

  public HikariDataSource dataSource() {
    return dataSource.get();
  }

  public Secrets secrets() {
    return secrets.get();
  }

  public SecretSealer sealer() {
    return sealer.get();
  }

  public JobStore jobStore() {
    return jobStore.get();
  }

  public Outbox outbox() {
    return outbox.get();
  }

  public UploadStore uploadStore() {
    return uploadStore.get();
  }

  public TenantDirectory tenantDirectory() {
    return tenantDirectory.get();
  }

  public TenantAdmin tenantAdmin() {
    return tenantAdmin.get();
  }

  public DeliveryStore deliveryStore() {
    return deliveryStore.get();
  }

  public WebhookEndpointStore webhookEndpointStore() {
    return webhookEndpointStore.get();
  }

  public JobQueue jobQueue() {
    return jobQueue.get();
  }

  public BlobStore blobStore() {
    return blobStore.get();
  }

  public OutboxDispatcher outboxDispatcher() {
    return outboxDispatcher.get();
  }

  public JobPresenter jobPresenter() {
    return jobPresenter.get();
  }

  public JobEvents jobEvents() {
    return new JobEvents(jobPresenter());
  }

  /** A batch processor with its own bounded worker pool. */
  public SqsBatchProcessor batchProcessor(int maxConcurrency) {
    return new SqsBatchProcessor(aws.sqs(), maxConcurrency);
  }

  @Override
  public void close() {
    if (dataSource.isBuilt()) {
      dataSource.get().close();
    }
    aws.close();
  }
}
