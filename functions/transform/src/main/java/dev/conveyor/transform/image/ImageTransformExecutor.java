package dev.conveyor.transform.image;

import static dev.conveyor.transform.image.ImageFailures.INVALID_SPEC;
import static dev.conveyor.transform.image.ImageFailures.SOURCE_MISSING;
import static dev.conveyor.transform.image.ImageFailures.SOURCE_TOO_LARGE;
import static dev.conveyor.transform.image.ImageFailures.failure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.image.ImageTransformSpec;
import dev.conveyor.core.image.Rendition;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.BlobStore;
import dev.conveyor.core.port.BlobStore.BlobNotFoundException;
import dev.conveyor.core.port.BlobStore.BlobTooLargeException;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.upload.Upload;
import dev.conveyor.core.work.JobExecutor;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs an {@code image.transform} job: reads the source upload, renders every rendition, and writes
 * each to its deterministic key {@code results/{tenant}/{job}/{rendition}.{ext}}, so a retry
 * overwrites the same objects instead of adding new ones. Everything is rendered before anything is
 * written: a job that fails permanently leaves no outputs behind.
 *
 * <p>The result lists each output's bucket and key; {@code JobPresenter} swaps the bucket for a
 * short-lived URL.
 *
 * <pre>{@code
 * {"renditions": [{"name": "thumb", "bucket": "...", "key": "results/.../thumb.jpg",
 *                  "contentType": "image/jpeg", "width": 320, "height": 240, "bytes": 18342}]}
 * }</pre>
 *
 * <p>Permanent failures ({@link ImageFailures}) end the job; anything else (S3 throttling, 5xx,
 * timeouts) propagates and is retried.
 */
public final class ImageTransformExecutor implements JobExecutor {
  private final BlobStore blobs;
  private final ImageEngine engine;
  private final ImageLimits limits;
  private final String uploadsBucket;
  private final String resultsBucket;

  public ImageTransformExecutor(
      BlobStore blobs,
      ImageEngine engine,
      ImageLimits limits,
      String uploadsBucket,
      String resultsBucket) {
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.engine = Objects.requireNonNull(engine, "engine");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.uploadsBucket = Objects.requireNonNull(uploadsBucket, "uploadsBucket");
    this.resultsBucket = Objects.requireNonNull(resultsBucket, "resultsBucket");
  }

  @Override
  public JsonNode execute(Job job) {
    ImageTransformSpec spec = spec(job);
    byte[] source = readSource(Upload.objectKey(job.tenantId(), spec.sourceUploadId()));

    List<RenditionRequest> requests = spec.renditions().stream().map(RenditionRequest::of).toList();
    List<EncodedImage> images = engine.renderAll(source, requests);

    ObjectNode result = Json.MAPPER.createObjectNode();
    ArrayNode list = result.putArray("renditions");
    for (int i = 0; i < images.size(); i++) {
      Rendition rendition = spec.renditions().get(i);
      EncodedImage image = images.get(i);
      String key = resultKey(job.tenantId(), job.id(), rendition);
      blobs.put(resultsBucket, key, image.bytes(), image.contentType(), Map.of());
      list.addObject()
          .put("name", rendition.name())
          .put("bucket", resultsBucket)
          .put("key", key)
          .put("contentType", image.contentType())
          .put("width", image.width())
          .put("height", image.height())
          .put("bytes", image.bytes().length);
    }
    return result;
  }

  /** Where a rendition of a job is stored: one key per (tenant, job, rendition), never reused. */
  public static String resultKey(TenantId tenant, JobId job, Rendition rendition) {
    return "results/"
        + tenant
        + "/"
        + job
        + "/"
        + rendition.name()
        + "."
        + rendition.format().extension();
  }

  private static ImageTransformSpec spec(Job job) {
    try {
      return ImageTransformSpec.fromStored(job.spec());
    } catch (ProblemException e) {
      throw failure(INVALID_SPEC, "The stored job spec is not valid: " + e.getMessage(), e);
    }
  }

  private byte[] readSource(String key) {
    try {
      return blobs.get(uploadsBucket, key, limits.maxSourceBytes());
    } catch (BlobNotFoundException e) {
      throw failure(
          SOURCE_MISSING, "The source upload was not found (never uploaded, or expired).", e);
    } catch (BlobTooLargeException e) {
      throw failure(
          SOURCE_TOO_LARGE,
          "The source is larger than "
              + limits.maxSourceBytes()
              + " bytes ("
              + e.getMessage()
              + ").",
          e);
    }
  }
}
