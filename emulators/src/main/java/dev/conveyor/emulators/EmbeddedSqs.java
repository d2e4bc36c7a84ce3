package dev.conveyor.emulators;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.FutureConverters;

/**
 * SQS for tests and the local stack: ElasticMQ on 127.0.0.1, speaking the JSON protocol the AWS SDK
 * v2 uses (redrive to a dead-letter queue and ChangeMessageVisibility behave as on AWS). Callers
 * create their queues through the SDK, exactly as the deployed stack's infrastructure does.
 *
 * <p>It runs on its own Pekko actor system with daemon threads, so a forgotten {@link #close()}
 * cannot keep the JVM alive.
 */
public final class EmbeddedSqs implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedSqs.class);
  private static final int BIND_ATTEMPTS = 3;

  private final ActorSystem actorSystem;
  private final SQSRestServer server;
  private final URI endpoint;
  private volatile boolean closed;

  private EmbeddedSqs(ActorSystem actorSystem, SQSRestServer server, int port) {
    this.actorSystem = actorSystem;
    this.server = server;
    this.endpoint = URI.create("http://" + Ports.LOOPBACK + ":" + port);
  }

  /**
   * Starts ElasticMQ on 127.0.0.1.
   *
   * @param port the port, or 0 for a free one
   */
  public static EmbeddedSqs start(int port) {
    RuntimeException failure = null;
    for (int attempt = 0; attempt < (port == 0 ? BIND_ATTEMPTS : 1); attempt++) {
      try {
        return startOn(Ports.orFree(port));
      } catch (RuntimeException e) {
        // A free port picked a moment ago can be taken by someone else before we bind it.
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }

  private static EmbeddedSqs startOn(int port) {
    ActorSystem actorSystem = ActorSystem.create("elasticmq", config());
    try {
      SQSRestServer server =
          SQSRestServerBuilder.withActorSystem(actorSystem)
              .withInterface(Ports.LOOPBACK)
              .withPort(port)
              // Queue URLs carry this address, so the SDK can use them with endpointOverride.
              .withServerAddress(new NodeAddress("http", Ports.LOOPBACK, port, ""))
              .withAWSRegion(EmbeddedServices.REGION)
              .withAWSAccountId(EmbeddedServices.ACCOUNT_ID)
              .start();
      server.waitUntilStarted();
      log.debug("ElasticMQ listening on {}:{}", Ports.LOOPBACK, port);
      return new EmbeddedSqs(actorSystem, server, port);
    } catch (RuntimeException e) {
      terminate(actorSystem);
      throw e;
    }
  }

  private static Config config() {
    // Daemon threads and no JVM shutdown hook of Pekko's own: close() owns the lifecycle.
    return ConfigFactory.parseString(
            """
            pekko.daemonic = on
            pekko.jvm-shutdown-hooks = off
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.loglevel = WARNING
            pekko.stdout-loglevel = OFF
            pekko.log-dead-letters = off
            pekko.log-dead-letters-during-shutdown = off
            """)
        .withFallback(ConfigFactory.load(EmbeddedSqs.class.getClassLoader()));
  }

  /** The SQS endpoint for {@code endpointOverride}, e.g. {@code http://127.0.0.1:38211}. */
  public URI endpoint() {
    return endpoint;
  }

  /** The port ElasticMQ listens on. */
  public int port() {
    return endpoint.getPort();
  }

  /** Unbinds the server and stops its actor system; waits a few seconds at most. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      FutureConverters.asJava(server.stopAndGetFuture().apply())
          .toCompletableFuture()
          .get(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Open long polls can outlive the deadline; the actor system's end closes them anyway.
      log.debug("ElasticMQ did not unbind cleanly", e);
    }
    terminate(actorSystem);
  }

  private static void terminate(ActorSystem actorSystem) {
    try {
      actorSystem.terminate();
      actorSystem.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("ElasticMQ's actor system did not terminate in time", e);
    }
  }
}
