package dev.conveyor.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.core.json.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * One real job through the whole path, as a tenant would drive it: presigned upload → {@code POST
 * /v1/jobs} → tier queue → transform worker → S3 → signed webhook → {@code succeeded}. Each step is
 * checked, not assumed; the first that fails ends the run with its reason.
 */
final class DemoScenario {
  static final int SOURCE_WIDTH = 2400;
  static final int SOURCE_HEIGHT = 1600;
  static final Map<String, Integer> RENDITION_WIDTHS = Map.of("thumb", 480, "preview", 1200);

  /** What the run saw, for the summary and for tests to assert on. */
  record Report(
      LocalTenant tenant,
      String jobId,
      JsonNode job,
      WebhookReceiver.Received webhook,
      Map<String, BufferedImage> renditions,
      List<String> states) {}

  static final class DemoFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DemoFailure(String message) {
      super(message);
    }
  }

  private final LocalStack stack;
  private final PrintStream out;
  private final Duration jobTimeout;

  DemoScenario(LocalStack stack, PrintStream out, Duration jobTimeout) {
    this.stack = stack;
    this.out = out;
    this.jobTimeout = jobTimeout;
  }

  Report run() throws InterruptedException, IOException {
    try (WebhookReceiver receiver = new WebhookReceiver().start()) {
      LocalTenant tenant = stack.createTenant("demo", Optional.of(receiver.url()));
      receiver.trust(tenant.webhookSecret().orElseThrow());
      step(
          "tenant 'demo' with API key %s… and a webhook endpoint at %s",
          tenant.apiKey().substring(0, 10), receiver.url());
      ApiClient api = new ApiClient(stack.apiUrl(), tenant.apiKey());

      byte[] source = SampleImage.jpeg(SOURCE_WIDTH, SOURCE_HEIGHT);
      ApiClient.Response upload =
          expect(
              api.post(
                  "/v1/uploads",
                  "{\"contentType\":\"image/jpeg\",\"contentLength\":" + source.length + "}"),
              201);
      JsonNode ticket = upload.json();
      Map<String, String> headers = new LinkedHashMap<>();
      ticket.path("headers").properties().stream()
          // java.net.http sends the body's length itself (the signed content-length).
          .filter(e -> !e.getKey().equalsIgnoreCase("content-length"))
          .forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
      int putStatus = api.put(URI.create(ticket.path("url").asText()), headers, source);
      if (putStatus != 200) {
        throw new DemoFailure("the presigned PUT answered HTTP " + putStatus);
      }
      step(
          "uploaded a %d×%d JPEG (%d KB) to its presigned URL (upload %s)",
          SOURCE_WIDTH, SOURCE_HEIGHT, source.length / 1024, ticket.path("id").asText());

      String request =
          Json.write(
              Map.of(
                  "type", "image.transform",
                  "source", Map.of("uploadId", ticket.path("id").asText()),
                  "renditions",
                      List.of(
                          Map.of(
                              "name",
                              "thumb",
                              "width",
                              RENDITION_WIDTHS.get("thumb"),
                              "format",
                              "jpeg",
                              "quality",
                              80),
                          Map.of(
                              "name",
                              "preview",
                              "width",
                              RENDITION_WIDTHS.get("preview"),
                              "format",
                              "png"))));
      ApiClient.Response accepted = expect(api.post("/v1/jobs", request), 202);
      String jobId = accepted.json().path("id").asText();
      step("job %s accepted: 202, Location %s", jobId, accepted.header("location"));

      List<String> states = new ArrayList<>();
      JsonNode job = waitForEnd(api, jobId, states);
      if (!"succeeded".equals(job.path("state").asText())) {
        throw new DemoFailure(
            "the job ended " + job.path("state").asText() + ": " + job.path("failure"));
      }

      WebhookReceiver.Received webhook =
          receiver
              .next(Duration.ofSeconds(30))
              .orElseThrow(() -> new DemoFailure("no webhook arrived within 30 s"));
      JsonNode event = Json.parseTrusted(webhook.body());
      if (!webhook.verified()) {
        throw new DemoFailure("the webhook's signature did not verify");
      }
      if (!"job.succeeded".equals(event.path("type").asText())
          || !jobId.equals(event.path("data").path("id").asText())) {
        throw new DemoFailure("unexpected webhook: " + event.path("type").asText());
      }
      step(
          "webhook job.succeeded received, Standard Webhooks signature verified (%s)",
          webhook.id());

      Map<String, BufferedImage> renditions = new LinkedHashMap<>();
      for (JsonNode r : job.path("result").path("renditions")) {
        String name = r.path("name").asText();
        byte[] bytes = api.download(URI.create(r.path("url").asText()));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        if (image == null) {
          throw new DemoFailure("rendition " + name + " does not decode");
        }
        int expected = RENDITION_WIDTHS.get(name);
        if (image.getWidth() != expected) {
          throw new DemoFailure(
              "rendition " + name + " is " + image.getWidth() + " px wide, not " + expected);
        }
        renditions.put(name, image);
        step(
            "rendition %-8s %d×%d %s, %d KB, decoded from S3",
            name,
            image.getWidth(),
            image.getHeight(),
            r.path("contentType").asText(),
            bytes.length / 1024);
      }
      return new Report(tenant, jobId, job, webhook, renditions, states);
    }
  }

  private JsonNode waitForEnd(ApiClient api, String jobId, List<String> states)
      throws InterruptedException {
    long deadline = System.nanoTime() + jobTimeout.toNanos();
    long started = System.nanoTime();
    out.print("  … job state: ");
    while (System.nanoTime() < deadline) {
      JsonNode job = expect(api.get("/v1/jobs/" + jobId), 200).json();
      String state = job.path("state").asText();
      if (states.isEmpty() || !states.getLast().equals(state)) {
        out.print((states.isEmpty() ? "" : " → ") + state);
        out.flush();
        states.add(state);
      }
      if (state.equals("succeeded") || state.equals("failed") || state.equals("cancelled")) {
        out.printf("  (%.1f s)%n", (System.nanoTime() - started) / 1e9);
        return job;
      }
      Thread.sleep(100);
    }
    out.println();
    throw new DemoFailure("the job did not finish within " + jobTimeout.toSeconds() + " s");
  }

  private static ApiClient.Response expect(ApiClient.Response response, int status) {
    if (response.status() != status) {
      throw new DemoFailure(
          "expected HTTP " + status + " but got " + response.status() + ": " + response.body());
    }
    return response;
  }

  private void step(String format, Object... args) {
    out.printf("  ✓ " + format + "%n", args);
  }
}
