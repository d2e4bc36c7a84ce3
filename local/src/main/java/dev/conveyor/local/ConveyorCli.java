package dev.conveyor.local;

import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.core.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./conveyor demo | serve | admin}: the local stack, and tenant chores, from the command
 * line.
 *
 * <p>No static logger here: the log configuration is chosen in {@link #main} before any logger
 * exists.
 */
public final class ConveyorCli {
  private ConveyorCli() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(System.getProperty("conveyor.home", ".")).toAbsolutePath().normalize();
    Path stateDir = home.resolve(".conveyor");
    Files.createDirectories(stateDir);
    // Function logs (JSON, as on Lambda) go to a file; the terminal shows the story.
    System.setProperty("conveyor.log.file", stateDir.resolve("local.log").toString());
    System.setProperty("log4j2.configurationFile", "log4j2-local.xml");
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    String command = args.length == 0 ? "help" : args[0];
    int status =
        switch (command) {
          case "demo" -> demo(out);
          case "serve" -> serve(out, stateDir);
          case "admin" -> new AdminCommand(out, stateDir).run(args);
          default -> {
            out.println("usage: ./conveyor demo | serve | admin | test");
            yield command.equals("help") ? 0 : 2;
          }
        };
    // Emulator threads (Pekko, Jetty, DynamoDB Local) are not all daemons: exit explicitly.
    System.exit(status);
  }

  private static int demo(PrintStream out) {
    long started = System.nanoTime();
    out.println("Conveyor demo: one image job through the whole path, on the embedded local stack");
    try (LocalStack stack = LocalStack.start(LocalStack.Settings.defaults())) {
      out.printf(
          "  ✓ local stack up in %.1f s: PostgreSQL, SQS, S3, DynamoDB, Secrets Manager, 4 functions; API %s%n",
          (System.nanoTime() - started) / 1e9, stack.apiUrl());
      DemoScenario.Report report = new DemoScenario(stack, out, Duration.ofSeconds(60)).run();
      out.printf(
          "Demo succeeded in %.1f s: job %s is %s.%n",
          (System.nanoTime() - started) / 1e9, report.jobId(), report.job().path("state").asText());
      return 0;
    } catch (DemoScenario.DemoFailure e) {
      out.println("  ✗ " + e.getMessage());
      out.println("Demo FAILED. Function logs: .conveyor/local.log");
      return 1;
    } catch (Exception e) {
      out.println("  ✗ " + e);
      out.println("Demo FAILED. Function logs: .conveyor/local.log");
      return 1;
    }
  }

  private static int serve(PrintStream out, Path stateDir)
      throws IOException, InterruptedException {
    int port = Integer.parseInt(Optional.ofNullable(System.getenv("CONVEYOR_PORT")).orElse("0"));
    LocalStack stack = LocalStack.start(new LocalStack.Settings(port, "conveyor", Map.of()));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> {
              stack.close();
              stopped.countDown();
            }));
    LocalTenant tenant = stack.createTenant("local", Optional.empty());
    Map<String, String> env = stack.env();
    Map<String, Object> local = new LinkedHashMap<>();
    local.put("apiUrl", stack.apiUrl().toString());
    local.put("apiKey", tenant.apiKey());
    local.put("tenantId", tenant.tenant().id().toString());
    local.put("region", env.get("AWS_REGION"));
    local.put("accessKeyId", env.get("AWS_ACCESS_KEY_ID"));
    local.put("secretAccessKey", env.get("AWS_SECRET_ACCESS_KEY"));
    local.put("s3Endpoint", env.get("AWS_ENDPOINT_URL_S3"));
    local.put("sqsEndpoint", env.get("AWS_ENDPOINT_URL_SQS"));
    local.put("dynamoDbEndpoint", env.get("AWS_ENDPOINT_URL_DYNAMODB"));
    local.put("uploadsBucket", env.get("UPLOADS_BUCKET"));
    local.put("resultsBucket", env.get("RESULTS_BUCKET"));
    local.put(
        "queues",
        Map.of(
            "critical", env.get("QUEUE_URL_CRITICAL"),
            "standard", env.get("QUEUE_URL_STANDARD"),
            "background", env.get("QUEUE_URL_BACKGROUND"),
            "uploadEvents", env.get("UPLOAD_EVENTS_QUEUE_URL")));
    local.put("jdbcUrl", env.get("DB_URL"));
    // The emulator's credentials (loopback only), for ./conveyor admin and database tools.
    local.put("dbUser", stack.services().dbUser());
    local.put("dbPassword", stack.services().dbPassword());
    Path file = stateDir.resolve("local.json");
    Files.writeString(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(local));
    out.println("Conveyor local stack is up (Ctrl-C stops it).");
    out.println("  API      " + stack.apiUrl());
    out.println("  API key  " + tenant.apiKey());
    out.println("  details  " + file);
    stopped.await();
    return 0;
  }
}
