package dev.conveyor.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

class EmbeddedServicesTest {

  @Test
  void startsAllFiveOnLoopbackAndTheRealClientsTalkToThem() throws Exception {
    Set<Thread> threadsBefore = nonDaemonThreads();
    long startNanos = System.nanoTime();
    EmbeddedServices services = EmbeddedServices.start();
    long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    System.out.println("EmbeddedServices.start() took " + startMillis + " ms");
    List<Integer> ports;
    try {
      List<URI> endpoints =
          List.of(
              services.sqsEndpoint(),
              services.s3Endpoint(),
              services.dynamoDbEndpoint(),
              services.secretsManagerEndpoint());
      assertThat(endpoints).extracting(URI::getHost).containsOnly("127.0.0.1");
      ports = endpoints.stream().map(URI::getPort).collect(Collectors.toList());
      ports.add(services.postgres().port());
      assertThat(Set.copyOf(ports)).hasSize(5);
      assertThat(services.region()).isEqualTo("us-east-1");
      assertThat(services.accessKeyId()).isEqualTo(EmbeddedServices.ACCESS_KEY_ID);
      assertThat(services.secretAccessKey()).isEqualTo(EmbeddedServices.SECRET_ACCESS_KEY);

      BlockingQueue<S3ObjectCreated> created = new LinkedBlockingQueue<>();
      services.onObjectCreated(created::add);
      services.putSecret("conveyor/db", "{\"password\":\"pw\"}");

      try (SqsClient sqs = Sdk.sqs(services.sqsEndpoint());
          S3Client s3 = Sdk.s3(services.s3Endpoint());
          DynamoDbClient dynamoDb = Sdk.dynamoDb(services.dynamoDbEndpoint(), Sdk.CREDENTIALS);
          SecretsManagerClient secrets = Sdk.secretsManager(services.secretsManagerEndpoint());
          Connection db =
              DriverManager.getConnection(
                  services.jdbcUrl(), services.dbUser(), services.dbPassword());
          Statement statement = db.createStatement()) {
        String queueUrl = sqs.createQueue(b -> b.queueName("q")).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("m"));
        assertThat(sqs.receiveMessage(b -> b.queueUrl(queueUrl)).messages()).hasSize(1);

        s3.createBucket(b -> b.bucket("media"));
        s3.putObject(b -> b.bucket("media").key("in/x"), RequestBody.fromString("x"));
        assertThat(created.poll(5, TimeUnit.SECONDS))
            .extracting(S3ObjectCreated::bucket, S3ObjectCreated::key)
            .containsExactly("media", "in/x");

        dynamoDb.createTable(b ->
            b.tableName("jobs")
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(Tables.stringAttribute("pk"))
                .keySchema(Tables.hashKey("pk")));
        assertThat(dynamoDb.listTables().tableNames()).containsExactly("jobs");

        assertThat(secrets.getSecretValue(b -> b.secretId("conveyor/db")).secretString())
            .isEqualTo("{\"password\":\"pw\"}");

        try (ResultSet rows = statement.executeQuery("select current_database()")) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).isEqualTo("conveyor");
        }
      }
    } finally {
      long closeNanos = System.nanoTime();
      services.close();
      System.out.println(
          "EmbeddedServices.close() took "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeNanos)
              + " ms");
    }

    services.close(); // again: harmless
    for (int port : ports) {
      assertThat(canBind(port)).as("port %d free after close()", port).isTrue();
    }
    assertNoNewNonDaemonThreads(threadsBefore);
  }

  @Test
  void failedStartClosesWhatDidStart() throws Exception {
    Set<Thread> threadsBefore = nonDaemonThreads();
    int sqsPort = Ports.free();
    int s3Port = Ports.free();
    int dynamoDbPort = Ports.free();
    int postgresPort = Ports.free();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      EmbeddedServices.Options options =
          new EmbeddedServices.Options(
              sqsPort, s3Port, dynamoDbPort, taken.getLocalPort(), postgresPort, null);

      assertThatThrownBy(() -> EmbeddedServices.start(options))
          .hasStackTraceContaining(Integer.toString(taken.getLocalPort()));
    }

    for (int port : List.of(sqsPort, s3Port, dynamoDbPort, postgresPort)) {
      assertThat(canBind(port)).as("port %d free after the failed start", port).isTrue();
    }
    assertNoNewNonDaemonThreads(threadsBefore);
  }

  @Test
  void sharedIsStartedOnceAndSurvivesClose() {
    EmbeddedServices shared = EmbeddedServices.shared();
    assertThat(EmbeddedServices.shared()).isSameAs(shared);

    shared.close();

    shared.putSecret("still", "running");
    try (SecretsManagerClient secrets = Sdk.secretsManager(shared.secretsManagerEndpoint())) {
      assertThat(secrets.getSecretValue(b -> b.secretId("still")).secretString())
          .isEqualTo("running");
    }
  }

  @Test
  void optionsEphemeralChoosesFreePortsAndNoDataDir() {
    assertThat(EmbeddedServices.Options.ephemeral())
        .isEqualTo(new EmbeddedServices.Options(0, 0, 0, 0, 0, null));
    assertThatThrownBy(() -> new EmbeddedServices.Options(-1, 0, 0, 0, 0, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static boolean canBind(int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        return true;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(100);
      }
    }
  }

  private static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> !thread.isDaemon() && thread.isAlive())
        .collect(Collectors.toSet());
  }

  /** A thread left running here would keep the local stack's or a test's JVM from exiting. */
  private static void assertNoNewNonDaemonThreads(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Set<Thread> leftover;
    do {
      leftover = nonDaemonThreads();
      leftover.removeAll(before);
      if (leftover.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    assertThat(leftover)
        .extracting(Thread::getName)
        .as("non-daemon threads left running")
        .isEmpty();
  }
}
