package dev.conveyor.local;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalResources;
import dev.conveyor.adapters.local.LocalTenants;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.postgres.Database;
import dev.conveyor.emulators.EmbeddedServices;
import dev.conveyor.submit.ApiHandler;
import dev.conveyor.submit.SubmitFunction;
import dev.conveyor.submit.UploadEventHandler;
import dev.conveyor.sync.PartitionUpkeepHandler;
import dev.conveyor.sync.SyncFunction;
import dev.conveyor.transform.TransformFunction;
import dev.conveyor.transform.TransformHandler;
import dev.conveyor.webhook.WebhookFunction;
import dev.conveyor.webhook.WebhookHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Conveyor on one JVM, no Docker: the emulators, the four functions (each with its own environment
 * and pool, as separate Lambda functions would have), a gateway for the API, an event source
 * mapping per consumer queue with its own concurrency cap, and S3 upload events. Loopback only.
 */
public final class LocalStack implements AutoCloseable {
  /**
   * @param apiPort 0 chooses a free port
   * @param prefix names every queue, bucket and secret
   */
  public record Settings(int apiPort, String prefix, Map<String, String> overrides) {
    public static Settings defaults() {
      return new Settings(0, "conveyor", Map.of());
    }
  }

  /** Per-tier consumer concurrency: critical work never waits behind bulk work. */
  private static final int CRITICAL_CONCURRENCY = 4;

  /**
   * On AWS every container has its own CPU; here all tiers share this machine's. The image workers
   * (one transform at a time each, on one libvips thread: {@code TRANSFORM_CONCURRENCY=1}, {@code
   * MEDIA_THREADS=1}) take at most all cores but one, so a flood of images leaves a core for
   * webhooks and the API. At least one worker, at most two.
   */
  private static final int STANDARD_CONCURRENCY =
      Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() - 1));

  private static final int UPLOAD_EVENTS_CONCURRENCY = 1;

  private final EmbeddedServices services;
  private final boolean ownsServices;
  private final Map<String, String> env;
  private final List<AutoCloseable> running = new ArrayList<>();
  private final Infrastructure admin;
  private LocalGateway gateway;

  private LocalStack(EmbeddedServices services, boolean ownsServices, Map<String, String> env) {
    this.services = services;
    this.ownsServices = ownsServices;
    this.env = env;
    this.admin = Infrastructure.fromEnvironment(Env.of(env));
    running.add(admin);
  }

  /** Starts the emulators and the stack on them. */
  public static LocalStack start(Settings settings) {
    EmbeddedServices services = EmbeddedServices.start();
    try {
      return start(services, true, settings);
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  /** Starts a stack on emulators someone else owns (tests share one set per JVM). */
  public static LocalStack startOn(EmbeddedServices services, Settings settings) {
    return start(services, false, settings);
  }

  private static LocalStack start(EmbeddedServices services, boolean owns, Settings settings) {
    LocalResources.Endpoints endpoints =
        new LocalResources.Endpoints(
            services.region(),
            services.accessKeyId(),
            services.secretAccessKey(),
            services.sqsEndpoint(),
            services.s3Endpoint(),
            services.dynamoDbEndpoint(),
            services.secretsManagerEndpoint(),
            services.jdbcUrl(),
            services.dbUser(),
            services.dbPassword());
    Map<String, String> env =
        new LinkedHashMap<>(
            LocalResources.provision(endpoints, settings.prefix(), services::putSecret));
    env.putAll(settings.overrides());
    LocalStack stack = new LocalStack(services, owns, env);
    try {
      // Migrate once, here: the functions start on a migrated schema, as after a deploy on AWS.
      Database.migrate(stack.admin.dataSource());
      stack.startFunctions(settings.apiPort());
      return stack;
    } catch (RuntimeException | IOException e) {
      stack.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  private void startFunctions(int apiPort) throws IOException {
    // Each function gets its own environment and pool, sized to its concurrency (Lambda: one
    // container per concurrent invocation, DB_MAX_CONNECTIONS per container).
    Infrastructure submitInfra = function(8);
    Infrastructure transformInfra =
        function(STANDARD_CONCURRENCY, Map.of("MEDIA_THREADS", "1", "TRANSFORM_CONCURRENCY", "1"));
    Infrastructure webhookInfra = function(CRITICAL_CONCURRENCY);
    Infrastructure syncInfra = function(1);

    SubmitFunction submit = new SubmitFunction(submitInfra);
    TransformFunction transform = new TransformFunction(transformInfra);
    WebhookFunction webhook = new WebhookFunction(webhookInfra);
    SyncFunction sync = new SyncFunction(syncInfra);

    new PartitionUpkeepHandler(sync.partitions(), sync.monthsAhead()).handleRequest(null, null);

    var sqs = admin.aws().sqs();
    String region = services.region();
    running.add(
        new EventSourceMapping(
                sqs,
                env.get("QUEUE_URL_STANDARD"),
                region,
                "conveyor-transform",
                new TransformHandler(transform.jobRunner(), transform.batchProcessor()),
                5,
                STANDARD_CONCURRENCY,
                Duration.ofMinutes(15))
            .start());
    running.add(
        new EventSourceMapping(
                sqs,
                env.get("QUEUE_URL_CRITICAL"),
                region,
                "conveyor-webhook",
                new WebhookHandler(webhook.deliverWebhook(), webhook.batchProcessor()),
                10,
                CRITICAL_CONCURRENCY,
                Duration.ofMinutes(1))
            .start());
    running.add(
        new EventSourceMapping(
                sqs,
                env.get("UPLOAD_EVENTS_QUEUE_URL"),
                region,
                "conveyor-upload-events",
                new UploadEventHandler(submit.recordUpload(), submit.batchProcessor()),
                10,
                UPLOAD_EVENTS_CONCURRENCY,
                Duration.ofSeconds(30))
            .start());

    UploadNotifications notifications =
        new UploadNotifications(
            sqs, env.get("UPLOADS_BUCKET"), env.get("UPLOAD_EVENTS_QUEUE_URL"), region);
    services.onObjectCreated(notifications::objectCreated);

    gateway = new LocalGateway(apiPort, 16, Duration.ofSeconds(30), new ApiHandler(submit.api()));
    running.add(gateway.start());
  }

  private Infrastructure function(int maxConnections) {
    return function(maxConnections, Map.of());
  }

  /**
   * A function's environment: the stack's, plus {@code defaults} the stack's settings may override.
   */
  private Infrastructure function(int maxConnections, Map<String, String> defaults) {
    Map<String, String> functionEnv = new LinkedHashMap<>(defaults);
    functionEnv.putAll(env);
    functionEnv.put("DB_MAX_CONNECTIONS", Integer.toString(maxConnections));
    Infrastructure infra = Infrastructure.fromEnvironment(Env.of(functionEnv));
    running.add(infra);
    return infra;
  }

  public URI apiUrl() {
    return gateway.url();
  }

  /** The environment the functions run with (what the CDK stack sets on AWS). */
  public Map<String, String> env() {
    return Map.copyOf(env);
  }

  public EmbeddedServices services() {
    return services;
  }

  /** Adapters over the stack's resources, for provisioning and inspection. */
  public Infrastructure infrastructure() {
    return admin;
  }

  LocalTenant createTenant(String name, Optional<URI> webhookUrl) {
    return new LocalTenants(admin.tenantAdmin(), admin.sealer()).create(name, webhookUrl);
  }

  @Override
  public void close() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        // Keep closing the rest: a half-stopped stack must not hang the JVM.
      }
    }
    if (ownsServices) {
      services.close();
    }
  }
}
