package dev.conveyor.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the pipeline talks to (SQS, S3, DynamoDB, Secrets Manager and PostgreSQL) in this JVM,
 * on loopback, without Docker: integration tests and the embedded local stack run against the same
 * real SDK clients and JDBC driver as production, pointed at {@link #sqsEndpoint()} and the rest
 * with one credential pair and region.
 *
 * <p>The five start concurrently (PostgreSQL dominates the start time). A start that fails closes
 * whatever did start, so no emulator thread or postmaster outlives the failure.
 */
public final class EmbeddedServices implements AutoCloseable {

  /** The region every emulator claims to be in. */
  public static final String REGION = "us-east-1";

  /** The account id in queue URLs and ARNs. */
  public static final String ACCOUNT_ID = "000000000000";

  /** The access key every emulator accepts (S3Proxy checks SigV4 signatures against it). */
  public static final String ACCESS_KEY_ID = "conveyor";

  /** Its secret key. */
  public static final String SECRET_ACCESS_KEY = "conveyor-local-secret";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedServices.class);
  private static final long CLOSE_TIMEOUT_SECONDS = 20;

  private static final Object SHARED_LOCK = new Object();
  private static volatile EmbeddedServices shared;

  private final EmbeddedSqs sqs;
  private final EmbeddedS3 s3;
  private final EmbeddedDynamoDb dynamoDb;
  private final SecretsManagerStub secrets;
  private final EmbeddedPostgresDb postgres;
  private final boolean isShared;
  private volatile boolean closed;

  /**
   * Where and how the emulators run.
   *
   * @param sqsPort ElasticMQ's port; 0 chooses a free one (likewise for the other ports)
   * @param s3Port S3Proxy's port
   * @param dynamoDbPort DynamoDB Local's port
   * @param secretsPort the Secrets Manager stub's port
   * @param postgresPort PostgreSQL's port
   * @param dataDir where S3 objects ({@code s3/}) and the PostgreSQL cluster ({@code postgres/})
   *     survive restarts; {@code null} keeps everything in memory or in temporary directories.
   *     Queues, tables and secrets are always in memory.
   */
  public record Options(
      int sqsPort, int s3Port, int dynamoDbPort, int secretsPort, int postgresPort, Path dataDir) {

    public Options {
      for (int port : new int[] {sqsPort, s3Port, dynamoDbPort, secretsPort, postgresPort}) {
        if (port < 0 || port > 65535) {
          throw new IllegalArgumentException("port out of range: " + port);
        }
      }
    }

    /** Free ports and nothing kept after {@link EmbeddedServices#close()}. */
    public static Options ephemeral() {
      return new Options(0, 0, 0, 0, 0, null);
    }
  }

  private EmbeddedServices(
      EmbeddedSqs sqs,
      EmbeddedS3 s3,
      EmbeddedDynamoDb dynamoDb,
      SecretsManagerStub secrets,
      EmbeddedPostgresDb postgres,
      boolean isShared) {
    this.sqs = sqs;
    this.s3 = s3;
    this.dynamoDb = dynamoDb;
    this.secrets = secrets;
    this.postgres = postgres;
    this.isShared = isShared;
  }

  /** Starts all five on free ports of 127.0.0.1, keeping nothing after {@link #close()}. */
  public static EmbeddedServices start() {
    return start(Options.ephemeral());
  }

  /** Starts all five as the options say. */
  public static EmbeddedServices start(Options options) {
    return start(options, false);
  }

  /**
   * One instance per JVM, started on first use and stopped by a shutdown hook, so test classes
   * share one start-up. Its {@link #close()} does nothing: other tests may still be using it.
   */
  public static EmbeddedServices shared() {
    EmbeddedServices instance = shared;
    if (instance != null) {
      return instance;
    }
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        EmbeddedServices started = start(Options.ephemeral(), true);
        Runtime.getRuntime()
            .addShutdownHook(new Thread(started::stopAll, "embedded-services-shutdown"));
        shared = started;
      }
      return shared;
    }
  }

  private static EmbeddedServices start(Options options, boolean isShared) {
    long startNanos = System.nanoTime();
    Path dataDir = options.dataDir();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService starter =
        Executors.newFixedThreadPool(
            5,
            runnable -> {
              Thread thread = new Thread(runnable, "emulator-start-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    try {
      // PostgreSQL first: it takes longest.
      Future<EmbeddedPostgresDb> postgres =
          starter.submit(() ->
              EmbeddedPostgresDb.start(
                  options.postgresPort(), dataDir == null ? null : dataDir.resolve("postgres")));
      Future<EmbeddedDynamoDb> dynamoDb =
          starter.submit(() -> EmbeddedDynamoDb.start(options.dynamoDbPort()));
      Future<EmbeddedSqs> sqs = starter.submit(() -> EmbeddedSqs.start(options.sqsPort()));
      Future<EmbeddedS3> s3 =
          starter.submit(() ->
              EmbeddedS3.start(
                  options.s3Port(),
                  dataDir == null ? null : dataDir.resolve("s3"),
                  ACCESS_KEY_ID,
                  SECRET_ACCESS_KEY));
      Future<SecretsManagerStub> secrets =
          starter.submit(() -> SecretsManagerStub.start(options.secretsPort()));

      List<AutoCloseable> started = new ArrayList<>();
      RuntimeException failure = null;
      // Wait for every start, failed or not, so nothing is left half-started behind our back.
      for (Future<? extends AutoCloseable> future : List.of(postgres, dynamoDb, sqs, s3, secrets)) {
        try {
          started.add(future.get());
        } catch (ExecutionException e) {
          failure = accumulate(failure, e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = accumulate(failure, e);
          // Those still starting finish on their own threads; close them when they do.
          closeWhenStarted(List.of(postgres, dynamoDb, sqs, s3, secrets), List.copyOf(started));
          break;
        }
      }
      if (failure != null) {
        closeAll(started);
        throw failure;
      }
      EmbeddedServices services =
          new EmbeddedServices(
              sqs.resultNow(),
              s3.resultNow(),
              dynamoDb.resultNow(),
              secrets.resultNow(),
              postgres.resultNow(),
              isShared);
      log.info(
          "emulators started in {} ms: SQS {}, S3 {}, DynamoDB {}, Secrets Manager {}, {}",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
          services.sqsEndpoint(),
          services.s3Endpoint(),
          services.dynamoDbEndpoint(),
          services.secretsManagerEndpoint(),
          services.jdbcUrl());
      return services;
    } finally {
      starter.shutdown();
    }
  }

  private static RuntimeException accumulate(RuntimeException failure, Throwable cause) {
    RuntimeException wrapped =
        switch (cause) {
          case RuntimeException runtime -> runtime;
          case IOException io -> new UncheckedIOException(io);
          default -> new IllegalStateException("an emulator did not start", cause);
        };
    if (failure == null) {
      return wrapped;
    }
    failure.addSuppressed(cause);
    return failure;
  }

  private static void closeWhenStarted(
      List<? extends Future<? extends AutoCloseable>> futures, List<AutoCloseable> alreadyTaken) {
    Thread closer =
        new Thread(
            () -> {
              for (Future<? extends AutoCloseable> future : futures) {
                try {
                  AutoCloseable emulator = future.get();
                  if (!alreadyTaken.contains(emulator)) {
                    closeQuietly(emulator);
                  }
                } catch (InterruptedException e) {
                  return;
                } catch (ExecutionException e) {
                  // It did not start: nothing to close.
                }
              }
            },
            "emulator-start-abandoned");
    closer.setDaemon(true);
    closer.start();
  }

  /** The region, {@value #REGION}. */
  public String region() {
    return REGION;
  }

  /** The access key every emulator accepts. */
  public String accessKeyId() {
    return ACCESS_KEY_ID;
  }

  /** The secret key every emulator accepts. */
  public String secretAccessKey() {
    return SECRET_ACCESS_KEY;
  }

  /** ElasticMQ; queue URLs it returns are usable with this endpoint. */
  public URI sqsEndpoint() {
    return sqs.endpoint();
  }

  /** S3Proxy; clients must use path-style access. */
  public URI s3Endpoint() {
    return s3.endpoint();
  }

  /** DynamoDB Local. */
  public URI dynamoDbEndpoint() {
    return dynamoDb.endpoint();
  }

  /** The Secrets Manager stub (GetSecretValue only). */
  public URI secretsManagerEndpoint() {
    return secrets.endpoint();
  }

  /** The {@code conveyor} database, without credentials in the URL. */
  public String jdbcUrl() {
    return postgres.jdbcUrl();
  }

  /** The role that owns the {@code conveyor} database. */
  public String dbUser() {
    return postgres.user();
  }

  /** Its password. */
  public String dbPassword() {
    return postgres.password();
  }

  /** Makes a secret available to {@code GetSecretValue}, by name or ARN. */
  public void putSecret(String secretId, String secretString) {
    secrets.putSecret(secretId, secretString);
  }

  /**
   * Registers a listener for objects created in S3; it runs on an emulator thread after the object
   * is readable, as an S3 event notification would arrive.
   */
  public void onObjectCreated(Consumer<S3ObjectCreated> listener) {
    s3.onObjectCreated(listener);
  }

  /** The SQS emulator alone. */
  public EmbeddedSqs sqs() {
    return sqs;
  }

  /** The S3 emulator alone. */
  public EmbeddedS3 s3() {
    return s3;
  }

  /** The DynamoDB emulator alone. */
  public EmbeddedDynamoDb dynamoDb() {
    return dynamoDb;
  }

  /** The Secrets Manager stub alone. */
  public SecretsManagerStub secretsManager() {
    return secrets;
  }

  /** The PostgreSQL server alone. */
  public EmbeddedPostgresDb postgres() {
    return postgres;
  }

  /**
   * Stops all five, concurrently and within a bounded time. Does nothing on the {@link #shared()}
   * instance, which its shutdown hook stops.
   */
  @Override
  public void close() {
    if (isShared) {
      log.debug("close() on the shared emulators ignored; a shutdown hook stops them");
      return;
    }
    stopAll();
  }

  private void stopAll() {
    if (closed) {
      return;
    }
    closed = true;
    closeAll(List.of(sqs, s3, dynamoDb, secrets, postgres));
  }

  private static void closeAll(List<? extends AutoCloseable> emulators) {
    if (emulators.isEmpty()) {
      return;
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService closer =
        Executors.newFixedThreadPool(
            emulators.size(),
            runnable -> {
              Thread thread = new Thread(runnable, "emulator-stop-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    try {
      List<Callable<Void>> closes = new ArrayList<>();
      for (AutoCloseable emulator : emulators) {
        closes.add(() -> {
          closeQuietly(emulator);
          return null;
        });
      }
      List<Future<Void>> done = closer.invokeAll(closes, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      for (Future<Void> future : done) {
        if (future.isCancelled()) {
          log.warn(
              "an emulator did not stop within {} s; left to die with the JVM",
              CLOSE_TIMEOUT_SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closer.shutdownNow();
    }
  }

  private static void closeQuietly(AutoCloseable emulator) {
    try {
      emulator.close();
    } catch (Exception e) {
      log.warn("{} did not close cleanly", emulator.getClass().getSimpleName(), e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedServices[sqs="
        + sqsEndpoint()
        + ", s3="
        + s3Endpoint()
        + ", dynamoDb="
        + dynamoDbEndpoint()
        + ", secretsManager="
        + secretsManagerEndpoint()
        + ", jdbcUrl="
        + jdbcUrl()
        + "]";
  }
}
