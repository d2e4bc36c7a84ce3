package dev.conveyor.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.upload.Upload;
import java.lang.reflect.Field;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the benchmarks need from the local stack's package-private parts: a tenant with an API key
 * ({@link LocalStack#createTenant}) and one source image uploaded the way a tenant uploads it
 * ({@link ApiClient}, {@link SampleImage}, as {@link DemoScenario} does). Lives in the bench
 * module, in this package, so the local stack exposes nothing for the benchmarks' sake.
 */
public final class BenchAccess {
  private BenchAccess() {}

  /**
   * Stops the event source mapping that feeds {@code functionName} (e.g. {@code
   * conveyor-transform}, the standard tier's consumers): from then on the stack accepts and
   * enqueues that tier's jobs and nothing consumes them.
   *
   * <p>LocalStack has no switch for this, so this reaches into its list of running parts by
   * reflection, and fails loudly if that list or the mapping is not where it was. A {@code
   * LocalStack.Settings} flag would do the same without reflection.
   *
   * @return how many mappings were stopped (1)
   */
  public static int stopConsumers(LocalStack stack, String functionName) {
    try {
      Field runningField = LocalStack.class.getDeclaredField("running");
      runningField.setAccessible(true);
      Field nameField = EventSourceMapping.class.getDeclaredField("functionName");
      nameField.setAccessible(true);
      List<?> running = (List<?>) runningField.get(stack);
      int stopped = 0;
      for (Object part : running) {
        if (part instanceof EventSourceMapping mapping
            && functionName.equals(nameField.get(mapping))) {
          mapping.close();
          stopped++;
        }
      }
      if (stopped != 1) {
        throw new IllegalStateException(
            "expected one event source mapping for " + functionName + ", found " + stopped);
      }
      return stopped;
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(
          "LocalStack changed: cannot find its event source mappings (" + e + ")", e);
    }
  }

  /**
   * A tenant and one received upload, ready to be the source of any number of jobs.
   *
   * @param sourceBytes the size of the uploaded JPEG
   */
  public record Fixture(
      TenantId tenantId,
      String apiKey,
      UUID uploadId,
      int width,
      int height,
      int sourceBytes,
      Optional<String> webhookSecret) {}

  /**
   * Creates a tenant, uploads a {@code width}×{@code height} JPEG through {@code POST /v1/uploads}
   * and its presigned PUT, and waits until the upload is {@code received} (the S3 event went
   * through), so that no job submitted later has to ask S3 whether the file arrived.
   */
  public static Fixture prepare(
      LocalStack stack, String tenantName, int width, int height, Duration timeout)
      throws InterruptedException {
    return prepare(stack, tenantName, width, height, timeout, Optional.empty());
  }

  /** As {@link #prepare(LocalStack, String, int, int, Duration)}, with a webhook endpoint. */
  static Fixture prepare(
      LocalStack stack,
      String tenantName,
      int width,
      int height,
      Duration timeout,
      Optional<URI> webhook)
      throws InterruptedException {
    LocalTenant tenant = stack.createTenant(tenantName, webhook);
    ApiClient api = new ApiClient(stack.apiUrl(), tenant.apiKey());
    byte[] source = SampleImage.jpeg(width, height);
    ApiClient.Response upload =
        api.post(
            "/v1/uploads",
            "{\"contentType\":\"image/jpeg\",\"contentLength\":" + source.length + "}");
    if (upload.status() != 201) {
      throw new IllegalStateException(
          "POST /v1/uploads answered " + upload.status() + ": " + upload.body());
    }
    JsonNode ticket = upload.json();
    Map<String, String> headers = new LinkedHashMap<>();
    ticket.path("headers").properties().stream()
        // java.net.http sends the body's length itself (the signed content-length).
        .filter(e -> !e.getKey().equalsIgnoreCase("content-length"))
        .forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
    int put = api.put(URI.create(ticket.path("url").asText()), headers, source);
    if (put != 200) {
      throw new IllegalStateException("the presigned PUT answered HTTP " + put);
    }
    UUID uploadId = UUID.fromString(ticket.path("id").asText());
    TenantId tenantId = tenant.tenant().id();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Upload> found = stack.infrastructure().uploadStore().find(tenantId, uploadId);
      if (found.isPresent() && found.get().state() == Upload.State.RECEIVED) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "upload "
                + uploadId
                + " was not received within "
                + timeout.toSeconds()
                + " s (state "
                + found.map(u -> u.state().name()).orElse("missing")
                + ")");
      }
      Thread.sleep(50);
    }
    return new Fixture(
        tenantId, tenant.apiKey(), uploadId, width, height, source.length, tenant.webhookSecret());
  }
}
