package dev.conveyor.core.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;

/**
 * An {@code image.transform} job: one source upload and one or more renditions.
 *
 * <pre>{@code
 * {"type": "image.transform",
 *  "source": {"uploadId": "0193..."},
 *  "renditions": [{"name": "thumb", "width": 320, "format": "jpeg", "quality": 80}]}
 * }</pre>
 */
public record ImageTransformSpec(UUID sourceUploadId, List<Rendition> renditions) {
  public static final int MAX_RENDITIONS = 10;
  public static final int MAX_DIMENSION = 8192;
  public static final int DEFAULT_QUALITY = 80;

  private static final Set<String> TOP_LEVEL = Set.of("type", "source", "renditions");
  private static final Set<String> RENDITION_FIELDS =
      Set.of("name", "width", "height", "format", "quality");

  /**
   * Validates a request body, collecting every problem rather than stopping at the first.
   *
   * @throws ProblemException 422 listing each invalid field
   */
  public static ImageTransformSpec parse(JsonNode body) {
    return parse(body, "", true);
  }

  /**
   * Validates a recipe: a job body without its source, which an upload supplies once its file
   * lands. The same rules as {@link #parse}, every problem located under {@code at}.
   *
   * @param at the JSON Pointer of the recipe in its request, e.g. {@code /recipe}
   * @return a spec whose {@link #sourceUploadId} is null; see {@link #withSource}
   * @throws ProblemException 422 listing each invalid field
   */
  public static ImageTransformSpec parseRecipe(JsonNode recipe, String at) {
    return parse(recipe, at, false);
  }

  /** This spec with its source set: a recipe made into a job. */
  public ImageTransformSpec withSource(UUID uploadId) {
    return new ImageTransformSpec(uploadId, renditions);
  }

  private static ImageTransformSpec parse(JsonNode body, String at, boolean withSource) {
    List<FieldError> errors = new ArrayList<>();
    rejectUnknownFields(body, TOP_LEVEL, at, errors);
    if (!withSource && body.has("source")) {
      errors.add(new FieldError(at + "/source", "not allowed: the upload is the source"));
    }

    UUID uploadId = null;
    if (withSource) {
      JsonNode source = body.path("source");
      if (!source.isObject()) {
        errors.add(
            new FieldError(at + "/source", "required: an object such as {\"uploadId\": \"...\"}"));
      } else {
        rejectUnknownFields(source, Set.of("uploadId"), at + "/source", errors);
        JsonNode id = source.path("uploadId");
        try {
          uploadId = UUID.fromString(id.asText(""));
        } catch (IllegalArgumentException e) {
          errors.add(new FieldError(at + "/source/uploadId", "required: the id of an upload"));
        }
      }
    }

    List<Rendition> renditions = new ArrayList<>();
    JsonNode list = body.path("renditions");
    if (!list.isArray() || list.isEmpty() || list.size() > MAX_RENDITIONS) {
      errors.add(
          new FieldError(at + "/renditions", "required: 1 to " + MAX_RENDITIONS + " renditions"));
    } else {
      Set<String> names = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        Rendition r = parseRendition(list.get(i), at + "/renditions/" + i, errors);
        if (r != null && !names.add(r.name())) {
          errors.add(
              new FieldError(at + "/renditions/" + i + "/name", "duplicate name: " + r.name()));
        }
        renditions.add(r);
      }
    }
    if (!errors.isEmpty()) {
      throw ProblemException.unprocessable(
          withSource
              ? "The image.transform job is not valid."
              : "The image.transform recipe is not valid.",
          errors);
    }
    return new ImageTransformSpec(uploadId, List.copyOf(renditions));
  }

  private static Rendition parseRendition(JsonNode node, String at, List<FieldError> errors) {
    if (!node.isObject()) {
      errors.add(new FieldError(at, "must be an object"));
      return null;
    }
    int before = errors.size();
    rejectUnknownFields(node, RENDITION_FIELDS, at, errors);
    String name = node.path("name").isTextual() ? node.path("name").asText() : "";
    if (!name.matches("[a-z0-9][a-z0-9_-]{0,39}")) {
      errors.add(
          new FieldError(at + "/name", "required: 1-40 of a-z, 0-9, '-' and '_', e.g. \"thumb\""));
    }
    OptionalInt width = dimension(node, "width", at, errors);
    OptionalInt height = dimension(node, "height", at, errors);
    if (!hasValue(node, "width") && !hasValue(node, "height")) {
      errors.add(new FieldError(at, "give a width, a height, or both"));
    }
    String formatName = node.path("format").asText("jpeg");
    ImageFormat format = ImageFormat.fromWireName(formatName).orElse(null);
    if (format == null) {
      errors.add(new FieldError(at + "/format", "unsupported format: one of jpeg, png"));
    }
    int quality = DEFAULT_QUALITY;
    if (node.has("quality")) {
      JsonNode q = node.get("quality");
      if (!q.canConvertToInt() || !q.isIntegralNumber() || q.asInt() < 1 || q.asInt() > 100) {
        errors.add(new FieldError(at + "/quality", "an integer from 1 to 100"));
      } else {
        quality = q.asInt();
      }
    }
    return errors.size() == before ? new Rendition(name, width, height, format, quality) : null;
  }

  private static OptionalInt dimension(
      JsonNode node, String field, String at, List<FieldError> errors) {
    if (!node.has(field) || node.get(field).isNull()) {
      return OptionalInt.empty();
    }
    JsonNode v = node.get(field);
    if (!v.isIntegralNumber()
        || !v.canConvertToInt()
        || v.asInt() < 1
        || v.asInt() > MAX_DIMENSION) {
      errors.add(new FieldError(at + "/" + field, "an integer from 1 to " + MAX_DIMENSION));
      return OptionalInt.empty();
    }
    return OptionalInt.of(v.asInt());
  }

  private static boolean hasValue(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  /** RFC 6901: '~' and '/' inside a member name are written '~0' and '~1'. */
  private static String escapePointer(String member) {
    return member.replace("~", "~0").replace("/", "~1");
  }

  private static void rejectUnknownFields(
      JsonNode node, Set<String> known, String at, List<FieldError> errors) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
      String field = it.next().getKey();
      if (!known.contains(field)) {
        errors.add(new FieldError(at + "/" + escapePointer(field), "unknown field"));
      }
    }
  }

  /**
   * The normalised form stored with the job (defaults filled in); a recipe's (no source yet) has no
   * {@code source}.
   */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    if (sourceUploadId != null) {
      root.putObject("source").put("uploadId", sourceUploadId.toString());
    }
    ArrayNode list = root.putArray("renditions");
    for (Rendition r : renditions) {
      ObjectNode n = list.addObject().put("name", r.name());
      r.width().ifPresent(w -> n.put("width", w));
      r.height().ifPresent(h -> n.put("height", h));
      n.put("format", r.format().wireName()).put("quality", r.quality());
    }
    return root;
  }

  /** Reads the normalised form back; it was validated on the way in. */
  public static ImageTransformSpec fromStored(JsonNode stored) {
    ObjectNode copy = stored.deepCopy();
    return parse(copy);
  }
}
