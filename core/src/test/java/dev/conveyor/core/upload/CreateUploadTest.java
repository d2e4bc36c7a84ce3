package dev.conveyor.core.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.testing.InMemoryBlobStore;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CreateUploadTest {
  private static final String BUCKET = "conveyor-uploads";
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static final long MAX = 1000;

  private final Tenant acme =
      new Tenant(TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c"), "acme");
  private final MutableClock clock = new MutableClock(NOW);
  private final InMemoryUploads uploads = new InMemoryUploads();
  private final InMemoryBlobStore blobs = new InMemoryBlobStore(clock);
  private final CreateUpload createUpload =
      new CreateUpload(uploads, blobs, BUCKET, Duration.ofMinutes(15), MAX, clock);

  @Test
  void anUploadGetsAUrlBoundToItsContentTypeAndLength() {
    CreateUpload.Ticket ticket =
        createUpload.create(acme, body("{\"contentType\":\"image/png\",\"contentLength\":777}"));

    Upload upload = ticket.upload();
    assertThat(upload.state()).isEqualTo(Upload.State.PENDING);
    assertThat(upload.contentType()).isEqualTo("image/png");
    assertThat(upload.contentLength()).isEqualTo(777L);
    assertThat(upload.recipe()).isNull();
    assertThat(upload.key()).isEqualTo(Upload.objectKey(acme.id(), upload.id()));
    assertThat(upload.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(15)));
    assertThat(uploads.find(acme.id(), upload.id())).contains(upload);
    assertThat(ticket.url().headers())
        .containsEntry("content-type", "image/png")
        .containsEntry("content-length", "777");
    assertThat(ticket.url().expiresAt()).isEqualTo(upload.expiresAt());
  }

  @Test
  void theLengthMayBeExactlyTheLimit() {
    assertThat(
            createUpload
                .create(acme, body("{\"contentType\":\"image/jpeg\",\"contentLength\":1000}"))
                .upload()
                .contentLength())
        .isEqualTo(MAX);
  }

  @Test
  void aMissingOrOutOfRangeLengthIsRejectedAtSlashContentLength() {
    for (String length :
        new String[] {
          "",
          ",\"contentLength\":0",
          ",\"contentLength\":-5",
          ",\"contentLength\":1001",
          ",\"contentLength\":\"12\"",
          ",\"contentLength\":1.5",
          ",\"contentLength\":null",
          ",\"contentLength\":1e30"
        }) {
      ProblemException problem = problemOf(body("{\"contentType\":\"image/jpeg\"" + length + "}"));

      assertThat(problem.status()).as(length).isEqualTo(422);
      assertThat(problem.errors())
          .as(length)
          .containsExactly(
              new FieldError(
                  "/contentLength", "required: the file's size in bytes, from 1 to 1000"));
    }
    assertThat(uploads.uploads).isEmpty();
  }

  @Test
  void onlyJpegAndPngMayBeUploaded() {
    for (String type : new String[] {"image/gif", "text/html", "IMAGE/JPEG", "image/jpeg "}) {
      ProblemException problem =
          problemOf(body("{\"contentType\":\"" + type + "\",\"contentLength\":10}"));

      assertThat(problem.errors())
          .as(type)
          .containsExactly(
              new FieldError("/contentType", "unsupported: one of image/jpeg, image/png"));
    }
    assertThat(problemOf(body("{\"contentLength\":10}")).errors())
        .containsExactly(new FieldError("/contentType", "required: one of image/jpeg, image/png"));
    assertThat(uploads.uploads).isEmpty();
  }

  @Test
  void aRecipeIsStoredNormalisedWithItsType() {
    Upload upload =
        createUpload
            .create(
                acme,
                body(
                    """
                    {"contentType": "image/jpeg", "contentLength": 10,
                     "recipe": {"type": "image.transform",
                                "renditions": [{"name": "thumb", "width": 320}]}}
                    """))
            .upload();

    assertThat(upload.recipe())
        .isEqualTo(
            body(
                """
                {"type": "image.transform",
                 "renditions": [{"name": "thumb", "width": 320, "fit": "inside",
                   "position": "centre", "withoutEnlargement": true, "rotate": 0,
                   "flip": false, "flop": false, "format": "jpeg", "quality": 80,
                   "progressive": false, "background": "#ffffff"}]}
                """));
    assertThat(uploads.find(acme.id(), upload.id()).orElseThrow().recipe())
        .isEqualTo(upload.recipe());
  }

  @Test
  void aNullRecipeIsNoRecipe() {
    Upload upload =
        createUpload
            .create(
                acme, body("{\"contentType\":\"image/jpeg\",\"contentLength\":10,\"recipe\":null}"))
            .upload();

    assertThat(upload.recipe()).isNull();
  }

  @Test
  void anInvalidRecipeIsRejectedWithTheJobRulesAtSlashRecipe() {
    ProblemException problem =
        problemOf(
            body(
                """
                {"contentType": "image/jpeg", "contentLength": 10,
                 "recipe": {"type": "image.transform", "colour": "red",
                            "renditions": [{"name": "thumb", "width": 0},
                                           {"name": "thumb", "height": 10, "format": "gif"}]}}
                """));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors())
        .extracting(FieldError::pointer)
        .containsExactlyInAnyOrder(
            "/recipe/colour", "/recipe/renditions/0/width", "/recipe/renditions/1/format");
    assertThat(uploads.uploads).isEmpty();
  }

  @Test
  void aRecipeNamesAKnownTypeAndIsAnObject() {
    assertThat(problemOf(recipe("{\"type\":\"video.transcode\",\"renditions\":[]}")).errors())
        .containsExactly(new FieldError("/recipe/type", "one of image.transform"));
    assertThat(problemOf(recipe("{\"renditions\":[{\"name\":\"a\",\"width\":1}]}")).errors())
        .containsExactly(new FieldError("/recipe/type", "required: one of image.transform"));
    assertThat(problemOf(recipe("[1, 2]")).errors())
        .containsExactly(new FieldError("/recipe", "expected an object"));
  }

  @Test
  void aRecipeHasNoSourceBecauseTheUploadIsIt() {
    ProblemException problem =
        problemOf(
            recipe(
                """
                {"type": "image.transform", "source": {"uploadId": "0193c6d0-0000-7000-8000-000000000001"},
                 "renditions": [{"name": "thumb", "width": 320}]}
                """));

    assertThat(problem.errors())
        .containsExactly(new FieldError("/recipe/source", "not allowed: the upload is the source"));
  }

  @Test
  void everyInvalidFieldIsListedAtOnce() {
    ProblemException problem =
        problemOf(
            body(
                """
                {"contentType": "image/gif", "contentLength": 0, "colour": "red",
                 "recipe": {"type": "image.transform", "renditions": []}}
                """));

    assertThat(problem.errors())
        .extracting(FieldError::pointer)
        .containsExactlyInAnyOrder(
            "/contentType", "/contentLength", "/colour", "/recipe/renditions");
  }

  @Test
  void aBodyThatIsNotAnObjectIsRejected() {
    assertThat(problemOf(body("[]")).errors())
        .containsExactly(new FieldError("", "expected an object"));
  }

  private ProblemException problemOf(JsonNode body) {
    ProblemException problem =
        catchThrowableOfType(ProblemException.class, () -> createUpload.create(acme, body));
    assertThat(problem).as("expected a ProblemException").isNotNull();
    return problem;
  }

  private static JsonNode recipe(String recipe) {
    return body("{\"contentType\":\"image/jpeg\",\"contentLength\":10,\"recipe\":" + recipe + "}");
  }

  private static JsonNode body(String json) {
    return Json.parseTrusted(json);
  }
}
