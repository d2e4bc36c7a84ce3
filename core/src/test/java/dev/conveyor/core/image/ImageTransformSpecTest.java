package dev.conveyor.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageTransformSpecTest {
  private static final String UPLOAD = "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b";

  @Test
  void aValidSpecIsNormalisedWithJpegAndQuality80AsDefaults() {
    ImageTransformSpec spec =
        ImageTransformSpec.parse(
            json(
                """
                {"type": "image.transform",
                 "source": {"uploadId": "%s"},
                 "renditions": [
                   {"name": "thumb", "width": 320},
                   {"name": "hero_2x", "height": 1080, "format": "png", "quality": 95},
                   {"name": "box", "width": 8192, "height": 1, "quality": 1}]}
                """
                    .formatted(UPLOAD)));

    assertThat(spec.sourceUploadId()).isEqualTo(UUID.fromString(UPLOAD));
    assertThat(spec.renditions())
        .containsExactly(
            new Rendition("thumb", OptionalInt.of(320), OptionalInt.empty(), ImageFormat.JPEG, 80),
            new Rendition(
                "hero_2x", OptionalInt.empty(), OptionalInt.of(1080), ImageFormat.PNG, 95),
            new Rendition("box", OptionalInt.of(8192), OptionalInt.of(1), ImageFormat.JPEG, 1));
  }

  @Test
  void theStoredFormSpellsOutTheDefaultsAndDropsTheType() {
    ImageTransformSpec spec = ImageTransformSpec.parse(valid());

    assertThat(spec.toJson())
        .isEqualTo(
            json(
                """
                {"source": {"uploadId": "%s"},
                 "renditions": [{"name": "thumb", "width": 320, "fit": "inside",
                   "position": "centre", "withoutEnlargement": true, "rotate": 0,
                   "flip": false, "flop": false, "format": "jpeg", "quality": 80,
                   "progressive": false, "background": "#ffffff"}]}
                """
                    .formatted(UPLOAD)));
  }

  @Test
  void theStoredFormReadsBackAsTheSameSpec() {
    ImageTransformSpec spec =
        ImageTransformSpec.parse(
            json(
                """
                {"type": "image.transform", "source": {"uploadId": "%s"},
                 "renditions": [{"name": "a", "width": 10},
                                {"name": "b", "height": 20, "format": "png", "quality": 100},
                                {"name": "c", "width": 30, "height": 40, "quality": 55}]}
                """
                    .formatted(UPLOAD)));
    ObjectNode stored = spec.toJson();
    JsonNode before = stored.deepCopy();

    assertThat(ImageTransformSpec.fromStored(stored)).isEqualTo(spec);
    assertThat(ImageTransformSpec.fromStored(Json.parseTrusted(Json.write(stored))))
        .isEqualTo(spec);
    assertThat(stored).as("reading does not alter the stored form").isEqualTo(before);
  }

  @Test
  void aMissingSourceIsRejectedAtSlashSource() {
    ObjectNode body = valid();
    body.remove("source");

    assertThat(errorsOf(body)).extracting(FieldError::pointer).containsExactly("/source");
  }

  @Test
  void aSourceThatIsNotAnObjectIsRejectedAtSlashSource() {
    ObjectNode body = valid();
    body.put("source", UPLOAD);

    assertThat(errorsOf(body)).extracting(FieldError::pointer).containsExactly("/source");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not-a-uuid", "0193a5b2-7c4d-7e8f-9a0b", "0193a5b2x7c4d"})
  void aMalformedUploadIdIsRejectedWithItsPointer(String uploadId) {
    ObjectNode body = valid();
    ((ObjectNode) body.get("source")).put("uploadId", uploadId);

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/source/uploadId", "required: the id of an upload"));
  }

  @Test
  void aMissingUploadIdIsRejectedWithItsPointer() {
    ObjectNode body = valid();
    body.putObject("source");

    assertThat(errorsOf(body)).extracting(FieldError::pointer).containsExactly("/source/uploadId");
  }

  @Test
  void noRenditionsAtAllIsRejected() {
    ObjectNode body = valid();
    body.putArray("renditions");

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions", "required: 1 to 10 renditions"));
  }

  @Test
  void missingOrNonArrayRenditionsAreRejected() {
    ObjectNode missing = valid();
    missing.remove("renditions");
    ObjectNode object = valid();
    object.putObject("renditions").put("name", "thumb").put("width", 320);

    assertThat(errorsOf(missing)).extracting(FieldError::pointer).containsExactly("/renditions");
    assertThat(errorsOf(object)).extracting(FieldError::pointer).containsExactly("/renditions");
  }

  @Test
  void tenRenditionsAreAcceptedAndElevenAreTooMany() {
    ObjectNode ten = withRenditions(10);
    ObjectNode eleven = withRenditions(11);

    assertThat(ImageTransformSpec.parse(ten).renditions())
        .hasSize(ImageTransformSpec.MAX_RENDITIONS);
    assertThat(errorsOf(eleven))
        .containsExactly(new FieldError("/renditions", "required: 1 to 10 renditions"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "Thumb",
        "-thumb",
        "_thumb",
        "thumb nail",
        "thumb.jpg",
        "vignette-été",
        "a23456789012345678901234567890123456789012" // 41 characters
      })
  void aBadRenditionNameIsRejectedWithItsPointer(String name) {
    ObjectNode body = valid();
    rendition(body, 0).put("name", name);

    assertThat(errorsOf(body))
        .extracting(FieldError::pointer)
        .containsExactly("/renditions/0/name");
  }

  @Test
  void aMissingRenditionNameIsRejectedWithItsPointer() {
    ObjectNode body = valid();
    rendition(body, 0).remove("name");

    assertThat(errorsOf(body))
        .extracting(FieldError::pointer)
        .containsExactly("/renditions/0/name");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a", "0", "thumb_2x", "w-320", "a234567890123456789012345678901234567890"})
  void namesOfOneToFortyLowercaseCharactersAreAccepted(String name) {
    ObjectNode body = valid();
    rendition(body, 0).put("name", name);

    assertThat(ImageTransformSpec.parse(body).renditions().getFirst().name()).isEqualTo(name);
  }

  @Test
  void aDuplicateNameIsRejectedAtTheSecondOccurrence() {
    ObjectNode body = valid();
    ArrayNode list = (ArrayNode) body.get("renditions");
    list.addObject().put("name", "other").put("width", 100);
    list.addObject().put("name", "thumb").put("height", 100);

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/2/name", "duplicate name: thumb"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "8193", "1.5", "320.0", "\"320\"", "true", "[320]", "1e10"})
  void anOutOfRangeOrNonIntegerWidthIsRejectedWithItsPointer(String width) {
    ObjectNode body = valid();
    rendition(body, 0).set("width", json(width));

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/0/width", "an integer from 1 to 8192"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "8193", "2.5", "\"tall\"", "4294967297"})
  void anOutOfRangeOrNonIntegerHeightIsRejectedWithItsPointer(String height) {
    ObjectNode body = valid();
    rendition(body, 0).set("height", json(height));

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/0/height", "an integer from 1 to 8192"));
  }

  @Test
  void aRenditionWithNeitherWidthNorHeightKeepsTheSize() {
    ObjectNode body = valid();
    rendition(body, 0).remove("width");
    rendition(body, 0).put("format", "webp");

    Rendition rendition = ImageTransformSpec.parse(body).renditions().getFirst();

    assertThat(rendition.width()).isEmpty();
    assertThat(rendition.height()).isEmpty();
    assertThat(rendition.format()).isEqualTo(ImageFormat.WEBP);
  }

  @ParameterizedTest
  @ValueSource(strings = {"123", "true", "{\"a\":1}", "[\"thumb\"]"})
  void aNameThatIsNotAStringIsRejected(String name) {
    ObjectNode body = valid();
    rendition(body, 0).set("name", json(name));

    assertThat(errorsOf(body))
        .extracting(FieldError::pointer)
        .containsExactly("/renditions/0/name");
  }

  @Test
  void anExplicitNullDimensionCountsAsAbsent() {
    ObjectNode body = valid();
    rendition(body, 0).putNull("height");

    assertThat(ImageTransformSpec.parse(body).renditions().getFirst().height()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"JPEG", "jpg", "gif", "heic", ""})
  void anUnknownFormatIsRejectedWithItsPointer(String format) {
    ObjectNode body = valid();
    rendition(body, 0).put("format", format);

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/0/format", "one of jpeg, png, webp, avif"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "101", "-5", "\"high\"", "\"80\"", "80.5", "null", "true"})
  void aQualityOutsideOneToHundredOrNotAnIntegerIsRejectedWithItsPointer(String quality) {
    ObjectNode body = valid();
    rendition(body, 0).set("quality", json(quality));

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/0/quality", "an integer from 1 to 100"));
  }

  @Test
  void anUnknownFieldIsRejectedWithItsPointer() {
    ObjectNode body = valid();
    body.put("priority", "high");

    assertThat(errorsOf(body)).containsExactly(new FieldError("/priority", "unknown field"));
  }

  @Test
  void anUnknownFieldInARenditionIsRejectedWithItsPointer() {
    ObjectNode body = valid();
    ((ArrayNode) body.get("renditions")).addObject().put("name", "big").put("width", 2000);
    rendition(body, 1).put("blur", 3);

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/1/blur", "unknown field"));
  }

  @Test
  void anUnknownFieldInTheSourceIsRejectedWithItsPointer() {
    ObjectNode body = valid();
    ((ObjectNode) body.get("source")).put("bucket", "someone-elses");

    assertThat(errorsOf(body)).containsExactly(new FieldError("/source/bucket", "unknown field"));
  }

  @Test
  void aRenditionThatIsNotAnObjectIsRejectedAtItsIndex() {
    ObjectNode body = valid();
    ((ArrayNode) body.get("renditions")).add("thumb");

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/1", "must be an object"));
  }

  @Test
  void everyViolationIsCollectedInOneAnswer() {
    ProblemException problem =
        problemOf(
            json(
                """
                {"type": "image.transform", "extra": 1,
                 "source": {"uploadId": "nope"},
                 "renditions": [
                   {"name": "Thumb", "width": 0},
                   {"name": "ok", "height": 9000, "format": "gif", "quality": 0, "blur": 3},
                   {"name": "dup", "width": 5},
                   {"name": "dup", "height": 5}]}
                """));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.type()).isEqualTo("validation-failed");
    assertThat(problem.errors())
        .extracting(FieldError::pointer)
        .containsExactlyInAnyOrder(
            "/extra",
            "/source/uploadId",
            "/renditions/0/name",
            "/renditions/0/width",
            "/renditions/1/blur",
            "/renditions/1/height",
            "/renditions/1/format",
            "/renditions/1/quality",
            "/renditions/3/name");
  }

  @Test
  void anUnknownFieldsPointerIsEscapedPerRfc6901() {
    ObjectNode body = valid();
    body.put("a/b", 1);
    body.put("c~d", 2);

    assertThat(errorsOf(body))
        .extracting(FieldError::pointer)
        .containsExactlyInAnyOrder("/a~1b", "/c~0d");
  }

  // ---- helpers ----

  private static ObjectNode valid() {
    return (ObjectNode)
        json(
            """
            {"type": "image.transform",
             "source": {"uploadId": "%s"},
             "renditions": [{"name": "thumb", "width": 320}]}
            """
                .formatted(UPLOAD));
  }

  private static ObjectNode withRenditions(int count) {
    ObjectNode body = valid();
    ArrayNode list = body.putArray("renditions");
    for (int i = 0; i < count; i++) {
      list.addObject().put("name", "r" + i).put("width", 100 + i);
    }
    return body;
  }

  private static ObjectNode rendition(ObjectNode body, int index) {
    return (ObjectNode) body.get("renditions").get(index);
  }

  private static JsonNode json(String text) {
    return Json.parseTrusted(text);
  }

  private static List<FieldError> errorsOf(JsonNode body) {
    return problemOf(body).errors();
  }

  private static ProblemException problemOf(JsonNode body) {
    try {
      ImageTransformSpec spec = ImageTransformSpec.parse(body);
      return fail("expected a 422 problem, but the spec was accepted: " + spec);
    } catch (ProblemException e) {
      assertThat(e.status()).isEqualTo(422);
      return e;
    }
  }

  @Test
  void everyOperationRoundTripsThroughTheStoredForm() {
    ObjectNode body = valid();
    rendition(body, 0)
        .put("height", 200)
        .put("fit", "cover")
        .put("position", "attention")
        .put("withoutEnlargement", false)
        .put("rotate", 270)
        .put("flip", true)
        .put("flop", true)
        .put("format", "avif")
        .put("quality", 55)
        .put("progressive", true)
        .put("background", "#10A0ff")
        .putObject("crop")
        .put("left", 5)
        .put("top", 6)
        .put("width", 70)
        .put("height", 80);

    ImageTransformSpec spec = ImageTransformSpec.parse(body);
    Rendition r = spec.renditions().getFirst();

    assertThat(r.fit()).isEqualTo(Fit.COVER);
    assertThat(r.position()).isEqualTo(Position.ATTENTION);
    assertThat(r.withoutEnlargement()).isFalse();
    assertThat(r.crop()).contains(new CropArea(5, 6, 70, 80));
    assertThat(r.rotate()).isEqualTo(Rotation.CLOCKWISE_270);
    assertThat(r.flip()).isTrue();
    assertThat(r.flop()).isTrue();
    assertThat(r.format()).isEqualTo(ImageFormat.AVIF);
    assertThat(r.quality()).isEqualTo(55);
    assertThat(r.progressive()).isTrue();
    assertThat(r.background()).isEqualTo(0x10A0FF);
    ObjectNode stored = spec.toJson();
    stored.put("type", "image.transform");
    assertThat(ImageTransformSpec.fromStored(stored)).isEqualTo(spec);
  }

  @Test
  void defaultsAreAPlainResizeInsideTheBoxWithoutEnlargement() {
    Rendition r = ImageTransformSpec.parse(valid()).renditions().getFirst();

    assertThat(r.fit()).isEqualTo(Fit.INSIDE);
    assertThat(r.position()).isEqualTo(Position.CENTRE);
    assertThat(r.withoutEnlargement()).isTrue();
    assertThat(r.crop()).isEmpty();
    assertThat(r.rotate()).isEqualTo(Rotation.NONE);
    assertThat(r.progressive()).isFalse();
    assertThat(r.background()).isEqualTo(Rendition.WHITE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cover", "contain", "fill"})
  void fitsThatProduceTheExactBoxNeedBothSides(String fit) {
    ObjectNode body = valid();
    rendition(body, 0).put("fit", fit);

    assertThat(errorsOf(body))
        .containsExactly(new FieldError("/renditions/0/fit", fit + " needs both width and height"));
  }

  @Test
  void attentionIsAPositionForCoverOnly() {
    ObjectNode body = valid();
    rendition(body, 0).put("height", 100).put("fit", "contain").put("position", "attention");

    assertThat(errorsOf(body))
        .containsExactly(
            new FieldError("/renditions/0/position", "attention applies to fit cover only"));
  }

  @Test
  void centerIsAcceptedForCentre() {
    ObjectNode body = valid();
    rendition(body, 0).put("height", 100).put("fit", "cover").put("position", "center");

    assertThat(ImageTransformSpec.parse(body).renditions().getFirst().position())
        .isEqualTo(Position.CENTRE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"fit\": \"stretch\"}",
        "{\"fit\": 1}",
        "{\"position\": \"top\"}",
        "{\"rotate\": 45}",
        "{\"rotate\": \"90\"}",
        "{\"rotate\": 90.5}",
        "{\"flip\": \"yes\"}",
        "{\"flop\": 1}",
        "{\"progressive\": \"on\"}",
        "{\"withoutEnlargement\": \"false\"}",
        "{\"background\": \"white\"}",
        "{\"background\": \"#fff\"}",
        "{\"crop\": \"centre\"}",
        "{\"crop\": {\"left\": 0, \"top\": 0, \"width\": 0, \"height\": 10}}",
        "{\"crop\": {\"left\": -1, \"top\": 0, \"width\": 10, \"height\": 10}}",
        "{\"crop\": {\"left\": 0, \"top\": 0, \"width\": 10}}",
        "{\"crop\": {\"left\": 0, \"top\": 0, \"width\": 70000, \"height\": 10}}",
        "{\"crop\": {\"left\": 0, \"top\": 0, \"width\": 10, \"height\": 10, \"x\": 1}}"
      })
  void anInvalidOperationIsRejectedWithItsPointer(String operation) {
    ObjectNode body = valid();
    ObjectNode changes = (ObjectNode) json(operation);
    String field = changes.properties().iterator().next().getKey();
    rendition(body, 0).setAll(changes);

    assertThat(errorsOf(body))
        .isNotEmpty()
        .allSatisfy(error -> assertThat(error.pointer()).startsWith("/renditions/0/" + field));
  }
}
