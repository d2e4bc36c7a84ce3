package dev.conveyor.core.submit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.image.ImageTransformSpec;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.port.BlobStore;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.upload.Upload;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Accepts a job: validate, record job and outbox row in one transaction, then enqueue. The work is
 * never done here; the caller gets {@code 202 Accepted} in milliseconds whatever the job costs.
 */
public final class SubmitJob {
  private final JobStore jobs;
  private final UploadStore uploads;
  private final BlobStore blobs;
  private final OutboxDispatcher dispatcher;
  private final Clock clock;

  public SubmitJob(
      JobStore jobs,
      UploadStore uploads,
      BlobStore blobs,
      OutboxDispatcher dispatcher,
      Clock clock) {
    this.jobs = jobs;
    this.uploads = uploads;
    this.blobs = blobs;
    this.dispatcher = dispatcher;
    this.clock = clock;
  }

  /**
   * @throws ProblemException 422 for an invalid job, naming each invalid field
   */
  public Job submit(Tenant tenant, JsonNode body, String correlationId) {
    JobType type = jobType(body, "");
    JsonNode spec =
        switch (type) {
          case IMAGE_TRANSFORM -> {
            ImageTransformSpec image = ImageTransformSpec.parse(body);
            requireReceivedUpload(tenant, image);
            yield image.toJson();
          }
        };

    Job job = Job.queued(JobId.generate(clock.instant()), tenant.id(), type, spec, correlationId);
    PendingMessage pending = jobs.insert(job);
    dispatcher.dispatch(pending);
    return job;
  }

  /**
   * The first check of every job body, shared by {@code POST /v1/jobs} and upload recipes: an
   * object naming a known type.
   *
   * @param at the JSON Pointer of the body in its request: {@code ""} for a job, {@code /recipe}
   *     for an upload's recipe
   * @throws ProblemException 422 locating the problem under {@code at}
   */
  public static JobType jobType(JsonNode body, String at) {
    if (body == null || !body.isObject()) {
      throw ProblemException.unprocessable(
          "The body must be a JSON object.", List.of(new FieldError(at, "expected an object")));
    }
    JsonNode typeNode = body.path("type");
    if (!typeNode.isTextual()) {
      throw ProblemException.unprocessable(
          "The job has no type.",
          List.of(new FieldError(at + "/type", "required: one of " + knownTypes())));
    }
    return JobType.fromWireName(typeNode.asText())
        .orElseThrow(() ->
            ProblemException.unprocessable(
                "Unknown job type '" + typeNode.asText() + "'.",
                List.of(new FieldError(at + "/type", "one of " + knownTypes()))));
  }

  private void requireReceivedUpload(Tenant tenant, ImageTransformSpec spec) {
    Upload upload =
        uploads
            .find(tenant.id(), spec.sourceUploadId())
            .orElseThrow(() ->
                ProblemException.unprocessable(
                    "The source upload does not exist.",
                    List.of(new FieldError("/source/uploadId", "no such upload"))));
    // The S3 event may still be on its way: ask S3 itself before refusing.
    if (upload.state() == Upload.State.PENDING
        && blobs.head(upload.bucket(), upload.key()).isEmpty()) {
      throw ProblemException.unprocessable(
          "The source upload has not arrived yet: PUT the file to its URL first.",
          List.of(new FieldError("/source/uploadId", "upload not received")));
    }
  }

  private static String knownTypes() {
    return Arrays.stream(JobType.values()).map(JobType::wireName).collect(Collectors.joining(", "));
  }
}
