package dev.conveyor.core.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.image.ImageTransformSpec;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.submit.SubmitJob;
import java.util.Objects;

/**
 * The job an upload asks for once its file lands: a job body without a source, validated by the
 * same rules as {@code POST /v1/jobs} ({@link SubmitJob#jobType}, then the type's spec).
 *
 * <pre>{@code
 * {"type": "image.transform", "renditions": [{"name": "thumb", "width": 320}]}
 * }</pre>
 *
 * @param spec the type's normalised spec without its source (defaults filled in)
 */
public record Recipe(JobType type, JsonNode spec) {
  public Recipe {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(spec, "spec");
  }

  /**
   * @param at the recipe's JSON Pointer in its request, e.g. {@code /recipe}
   * @throws ProblemException 422 listing each invalid field, located under {@code at}
   */
  public static Recipe parse(JsonNode recipe, String at) {
    JobType type = SubmitJob.jobType(recipe, at);
    JsonNode spec =
        switch (type) {
          case IMAGE_TRANSFORM -> ImageTransformSpec.parseRecipe(recipe, at).toJson();
        };
    return new Recipe(type, spec);
  }

  /** The form stored with the upload: the spec with its {@code type}. */
  public JsonNode toStored() {
    ObjectNode stored = JsonNodeFactory.instance.objectNode().put("type", type.wireName());
    stored.setAll((ObjectNode) spec.deepCopy());
    return stored;
  }

  /** Reads the stored form back, validating it again (it was valid when stored). */
  public static Recipe fromStored(JsonNode stored) {
    return parse(stored, "");
  }

  /** The queued job this recipe makes of a landed upload: the upload is its source. */
  public Job jobFor(Upload upload, JobId id, String correlationId) {
    JsonNode jobSpec =
        switch (type) {
          case IMAGE_TRANSFORM ->
              ImageTransformSpec.parseRecipe(spec, "").withSource(upload.id()).toJson();
        };
    return Job.queued(id, upload.tenantId(), type, jobSpec, correlationId);
  }
}
