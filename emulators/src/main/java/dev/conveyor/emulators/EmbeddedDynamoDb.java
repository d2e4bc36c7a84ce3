package dev.conveyor.emulators;

import com.amazonaws.services.dynamodbv2.local.main.CommandLineInput;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DynamoDB for tests and the local stack: DynamoDB Local in this JVM, in memory, on 127.0.0.1. One
 * shared database ({@code -sharedDb}) so every client sees the same tables whatever its credentials
 * or region. No telemetry leaves the machine.
 *
 * <p>DynamoDB Local has no bind-address option and leaves a sleeping job thread behind when it
 * stops; this class binds its Jetty connector to loopback before start and interrupts that thread
 * on {@link #close()}, so the JVM can exit.
 */
public final class EmbeddedDynamoDb implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDynamoDb.class);
  private static final int BIND_ATTEMPTS = 3;
  private static final String JOBS_PACKAGE = "com.amazonaws.services.dynamodbv2.local.shared.jobs.";

  private final DynamoDBProxyServer server;
  private final Set<Thread> threadsBefore;
  private final URI endpoint;
  private volatile boolean closed;

  private EmbeddedDynamoDb(DynamoDBProxyServer server, Set<Thread> threadsBefore, int port) {
    this.server = server;
    this.threadsBefore = threadsBefore;
    this.endpoint = URI.create("http://" + Ports.LOOPBACK + ":" + port);
  }

  /**
   * Starts DynamoDB Local in memory on 127.0.0.1.
   *
   * @param port the port, or 0 for a free one (DynamoDB Local itself rejects 0)
   */
  public static EmbeddedDynamoDb start(int port) {
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

  private static EmbeddedDynamoDb startOn(int port) {
    Set<Thread> threadsBefore = liveThreads();
    DynamoDBProxyServer server;
    try {
      CommandLineInput options =
          new CommandLineInput(
              new String[] {
                "-inMemory", "-sharedDb", "-disableTelemetry", "-port", Integer.toString(port)
              });
      if (!options.init()) {
        throw new IllegalArgumentException("DynamoDB Local refused its options");
      }
      // Not createServerFromCommandLineArgs(): that also prints its configuration to stdout.
      server = ServerRunner.createServer(options);
    } catch (Exception e) {
      throw new IllegalStateException("DynamoDB Local rejected its options", e);
    }
    try {
      bindToLoopback(server);
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      interruptJobThreads(threadsBefore);
      throw new IllegalStateException("DynamoDB Local did not start on port " + port, e);
    }
    log.debug("DynamoDB Local listening on {}:{}", Ports.LOOPBACK, port);
    return new EmbeddedDynamoDb(server, threadsBefore, port);
  }

  private static void bindToLoopback(DynamoDBProxyServer proxyServer)
      throws ReflectiveOperationException {
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxyServer);
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof AbstractNetworkConnector network) {
        network.setHost(Ports.LOOPBACK);
      }
    }
  }

  /** The DynamoDB endpoint for {@code endpointOverride}. */
  public URI endpoint() {
    return endpoint;
  }

  /** The port DynamoDB Local listens on. */
  public int port() {
    return endpoint.getPort();
  }

  /** Stops the server and the job threads it leaves behind. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopQuietly(server);
    interruptJobThreads(threadsBefore);
  }

  private static void stopQuietly(DynamoDBProxyServer server) {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("DynamoDB Local did not stop cleanly", e);
    }
  }

  /**
   * After stop() DynamoDB Local's ShardRolloverJobScheduler, a non-daemon pool thread, sleeps for
   * minutes before it notices it was cancelled. Interrupt the ones this instance started.
   */
  private static void interruptJobThreads(Set<Thread> threadsBefore) {
    for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
      Thread thread = entry.getKey();
      if (threadsBefore.contains(thread) || thread.isDaemon()) {
        continue;
      }
      boolean runsJob =
          Arrays.stream(entry.getValue())
              .anyMatch(frame -> frame.getClassName().startsWith(JOBS_PACKAGE));
      if (runsJob) {
        log.debug("interrupting DynamoDB Local job thread {}", thread.getName());
        thread.interrupt();
      }
    }
  }

  private static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().collect(Collectors.toSet());
  }
}
