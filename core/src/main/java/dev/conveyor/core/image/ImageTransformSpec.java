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
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * An {@code image.transform} job: one source upload and one or more renditions.
 *
 * <pre>{@code
 * {"type": "image.transform",
 *  "source": {"uploadId": "0193..."},
 *  "renditions": [{"name": "thumb", "width": 320, "format": "jpeg", "quality": 80},
 *                 {"name": "square", "width": 256, "height": 256, "fit": "cover",
 *                  "position": "attention", "format": "webp"},
 *                 {"name": "detail", "crop": {"left": 10, "top": 20, "width": 400, "height": 300},
 *                  "rotate": 90, "flop": true, "format": "png"}]}
 * }</pre>
 *
 * <p>Per rendition: {@code name} (required); {@code width}, {@code height} (1-8192; neither keeps
 * the size); {@code fit} ({@code inside}, the default, {@code outside}, {@code cover}, {@code
 * contain}, {@code fill}: the last three need both sides); {@code position} (a compass point such
 * as {@code north}, {@code centre}, or {@code attention}, for cover); {@code withoutEnlargement}
 * (true); {@code crop} (a rectangle of the upright source); {@code rotate} (0, 90, 180, 270);
 * {@code flip}, {@code flop}; {@code format} ({@code jpeg}, {@code png}, {@code webp}, {@code
 * avif}); {@code quality} (1-100, 80); {@code progressive} (false); {@code background} ({@code
 * "#ffffff"}). See {@link Rendition} for the order of the steps.
 */
public record ImageTransformSpec(UUID sourceUploadId, List<Rendition> renditions) {
  public static final int MAX_RENDITIONS = 10;
  public static final int MAX_DIMENSION = 8192;
  public static final int DEFAULT_QUALITY = 80;

  private static final Set<String> TOP_LEVEL = Set.of("type", "source", "renditions");

  /** The largest crop offset or side: far beyond any source the pixel limit lets through. */
  public static final int MAX_CROP = 65_535;

  private static final Set<String> RENDITION_FIELDS =
      Set.of(
          "name",
          "width",
          "height",
          "fit",
          "position",
          "withoutEnlargement",
          "crop",
          "rotate",
          "flip",
          "flop",
          "format",
          "quality",
          "progressive",
          "background");
  private static final Set<String> CROP_FIELDS = Set.of("left", "top", "width", "height");

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
    Fit fit =
        choice(
            node,
            "fit",
            Fit.INSIDE,
            Fit::fromWireName,
            "inside, outside, cover, contain, fill",
            at,
            errors);
    if (fit != null
        && fit.needsBothSides()
        && (!hasValue(node, "width") || !hasValue(node, "height"))) {
      errors.add(new FieldError(at + "/fit", fit.wireName() + " needs both width and height"));
    }
    Position position =
        choice(
            node,
            "position",
            Position.CENTRE,
            Position::fromWireName,
            Position.wireNames(),
            at,
            errors);
    if (position == Position.ATTENTION && fit != Fit.COVER) {
      errors.add(new FieldError(at + "/position", "attention applies to fit cover only"));
    }
    boolean withoutEnlargement = flag(node, "withoutEnlargement", true, at, errors);
    Optional<CropArea> crop = crop(node, at, errors);
    Rotation rotate = Rotation.NONE;
    if (hasValue(node, "rotate")) {
      JsonNode r = node.get("rotate");
      Optional<Rotation> rotation =
          r.isIntegralNumber() && r.canConvertToInt()
              ? Rotation.ofDegrees(r.asInt())
              : Optional.empty();
      if (rotation.isEmpty()) {
        errors.add(new FieldError(at + "/rotate", "one of 0, 90, 180, 270 (degrees clockwise)"));
      } else {
        rotate = rotation.get();
      }
    }
    boolean flip = flag(node, "flip", false, at, errors);
    boolean flop = flag(node, "flop", false, at, errors);
    ImageFormat format =
        choice(
            node,
            "format",
            ImageFormat.JPEG,
            ImageFormat::fromWireName,
            ImageFormat.wireNames(),
            at,
            errors);
    int quality = DEFAULT_QUALITY;
    if (node.has("quality")) {
      JsonNode q = node.get("quality");
      if (!q.canConvertToInt() || !q.isIntegralNumber() || q.asInt() < 1 || q.asInt() > 100) {
        errors.add(new FieldError(at + "/quality", "an integer from 1 to 100"));
      } else {
        quality = q.asInt();
      }
    }
    boolean progressive = flag(node, "progressive", false, at, errors);
    int background = Rendition.WHITE;
    if (hasValue(node, "background")) {
      String colour = node.get("background").isTextual() ? node.get("background").asText() : "";
      if (!colour.matches("#[0-9a-fA-F]{6}")) {
        errors.add(new FieldError(at + "/background", "a colour such as \"#ffffff\""));
      } else {
        background = Integer.parseInt(colour.substring(1), 16);
      }
    }
    return errors.size() == before
        ? new Rendition(
            name,
            width,
            height,
            fit,
            position,
            withoutEnlargement,
            crop,
            rotate,
            flip,
            flop,
            format,
            quality,
            progressive,
            background)
        : null;
  }

  /** A named choice such as {@code fit}; {@code fallback} when absent, null when invalid. */
  private static <T> T choice(
      JsonNode node,
      String field,
      T fallback,
      Function<String, Optional<T>> byName,
      String known,
      String at,
      List<FieldError> errors) {
    if (!hasValue(node, field)) {
      return fallback;
    }
    JsonNode value = node.get(field);
    Optional<T> chosen = value.isTextual() ? byName.apply(value.asText()) : Optional.empty();
    if (chosen.isEmpty()) {
      errors.add(new FieldError(at + "/" + field, "one of " + known));
      return null;
    }
    return chosen.get();
  }

  private static boolean flag(
      JsonNode node, String field, boolean fallback, String at, List<FieldError> errors) {
    if (!hasValue(node, field)) {
      return fallback;
    }
    if (!node.get(field).isBoolean()) {
      errors.add(new FieldError(at + "/" + field, "true or false"));
      return fallback;
    }
    return node.get(field).asBoolean();
  }

  private static Optional<CropArea> crop(JsonNode node, String at, List<FieldError> errors) {
    if (!hasValue(node, "crop")) {
      return Optional.empty();
    }
    JsonNode crop = node.get("crop");
    String where = at + "/crop";
    if (!crop.isObject()) {
      errors.add(new FieldError(where, "an object: {\"left\", \"top\", \"width\", \"height\"}"));
      return Optional.empty();
    }
    int before = errors.size();
    rejectUnknownFields(crop, CROP_FIELDS, where, errors);
    int left = bounded(crop, "left", 0, where, errors);
    int top = bounded(crop, "top", 0, where, errors);
    int width = bounded(crop, "width", 1, where, errors);
    int height = bounded(crop, "height", 1, where, errors);
    return errors.size() == before
        ? Optional.of(new CropArea(left, top, width, height))
        : Optional.empty();
  }

  private static int bounded(
      JsonNode node, String field, int min, String at, List<FieldError> errors) {
    JsonNode v = node.path(field);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > MAX_CROP) {
      errors.add(
          new FieldError(at + "/" + field, "required: an integer from " + min + " to " + MAX_CROP));
      return min;
    }
    return v.asInt();
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
      n.put("fit", r.fit().wireName())
          .put("position", r.position().wireName())
          .put("withoutEnlargement", r.withoutEnlargement());
      r.crop()
          .ifPresent(c ->
              n.putObject("crop")
                  .put("left", c.left())
                  .put("top", c.top())
                  .put("width", c.width())
                  .put("height", c.height()));
      n.put("rotate", r.rotate().degrees())
          .put("flip", r.flip())
          .put("flop", r.flop())
          .put("format", r.format().wireName())
          .put("quality", r.quality())
          .put("progressive", r.progressive())
          .put("background", String.format("#%06x", r.background()));
    }
    return root;
  }

  /** Reads the normalised form back; it was validated on the way in. */
  public static ImageTransformSpec fromStored(JsonNode stored) {
    ObjectNode copy = stored.deepCopy();
    return parse(copy);
  }
}
