package dev.conveyor.adapters.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.port.BlobStore;
import dev.conveyor.core.port.BlobStore.BlobInfo;
import dev.conveyor.core.port.BlobStore.PresignedUpload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class S3BlobStoreTest {

  private static final byte[] PNG_ISH =
      "\u0089PNG pretend image bytes".getBytes(StandardCharsets.UTF_8);

  private static AwsClients aws;
  private static BlobStore blobs;
  private static String bucket;
  private static HttpClient http;

  @BeforeAll
  static void createBucket() {
    aws = EmulatorEnv.clients();
    blobs = new S3BlobStore(aws.s3(), aws.s3Presigner());
    bucket = EmulatorEnv.unique("conveyor-uploads");
    aws.s3().createBucket(b -> b.bucket(bucket));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void closeClients() {
    aws.close();
    http.close();
  }

  @Test
  void anObjectPutComesBackWithItsSizeAndContentType() {
    blobs.put(bucket, "results/t1/j1/thumb", PNG_ISH, "image/png", Map.of("job-id", "j1"));

    BlobInfo info = blobs.head(bucket, "results/t1/j1/thumb").orElseThrow();
    assertThat(info.size()).isEqualTo(PNG_ISH.length);
    assertThat(info.contentType()).isEqualTo("image/png");
    assertThat(info.eTag()).isNotBlank().doesNotStartWith("\"");
    assertThat(blobs.get(bucket, "results/t1/j1/thumb", PNG_ISH.length)).isEqualTo(PNG_ISH);
  }

  @Test
  void anEmptyObjectIsReadAsNoBytes() {
    blobs.put(bucket, "empty", new byte[0], "application/octet-stream", Map.of());

    assertThat(blobs.get(bucket, "empty", 0)).isEmpty();
    assertThat(blobs.head(bucket, "empty").orElseThrow().size()).isZero();
  }

  @Test
  void anObjectOverTheLimitIsRefusedBeforeItIsRead() {
    byte[] tenKib = new byte[10 * 1024];
    blobs.put(bucket, "uploads/bomb.jpg", tenKib, "image/jpeg", Map.of());

    assertThatThrownBy(() -> blobs.get(bucket, "uploads/bomb.jpg", tenKib.length - 1))
        .isInstanceOf(BlobStore.BlobTooLargeException.class)
        .hasMessageContaining(String.valueOf(tenKib.length))
        .hasMessageContaining(String.valueOf(tenKib.length - 1));
    // The refused read left nothing broken behind: the next read of the same object works.
    assertThat(blobs.get(bucket, "uploads/bomb.jpg", tenKib.length)).hasSize(tenKib.length);
  }

  @Test
  void aMissingObjectIsNotFoundAndHasNoHead() {
    assertThatThrownBy(() -> blobs.get(bucket, "uploads/never-uploaded", 1024))
        .isInstanceOf(BlobStore.BlobNotFoundException.class)
        .hasMessageContaining("uploads/never-uploaded");
    assertThat(blobs.head(bucket, "uploads/never-uploaded")).isEmpty();
  }

  @Test
  void aPresignedPutWithTheReturnedHeadersUploads() throws Exception {
    PresignedUpload upload =
        blobs.presignPut(
            bucket, "uploads/t1/photo.jpg", "image/jpeg", PNG_ISH.length, Duration.ofMinutes(5));

    assertThat(upload.headers())
        .containsEntry("content-type", "image/jpeg")
        .containsEntry("content-length", String.valueOf(PNG_ISH.length));
    assertThat(upload.headers().keySet()).noneMatch(name -> name.equalsIgnoreCase("host"));
    assertThat(upload.expiresAt()).isBetween(Instant.now(), Instant.now().plusSeconds(301));

    HttpResponse<String> response = put(upload.url(), upload.headers(), PNG_ISH);

    assertThat(response.statusCode()).isEqualTo(200);
    BlobInfo info = blobs.head(bucket, "uploads/t1/photo.jpg").orElseThrow();
    assertThat(info.contentType()).isEqualTo("image/jpeg");
    assertThat(info.size()).isEqualTo(PNG_ISH.length);
  }

  @Test
  void aPresignedPutWithAnotherContentTypeIsRefused() throws Exception {
    byte[] script = "<script>".getBytes(StandardCharsets.UTF_8);
    PresignedUpload upload =
        blobs.presignPut(
            bucket, "uploads/t1/sneaky.jpg", "image/jpeg", script.length, Duration.ofMinutes(5));

    HttpResponse<String> response = put(upload.url(), Map.of("content-type", "text/html"), script);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(blobs.head(bucket, "uploads/t1/sneaky.jpg")).isEmpty();
  }

  @Test
  void aPresignedPutOfALargerFileThanSignedIsRefused() throws Exception {
    PresignedUpload upload =
        blobs.presignPut(
            bucket, "uploads/t1/bigger.jpg", "image/jpeg", PNG_ISH.length, Duration.ofMinutes(5));
    byte[] bigger = Arrays.copyOf(PNG_ISH, PNG_ISH.length + 1024);

    HttpResponse<String> response = put(upload.url(), upload.headers(), bigger);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(blobs.head(bucket, "uploads/t1/bigger.jpg")).isEmpty();
  }

  @Test
  void aPresignedPutOfASmallerFileThanSignedIsRefused() throws Exception {
    PresignedUpload upload =
        blobs.presignPut(
            bucket, "uploads/t1/smaller.jpg", "image/jpeg", PNG_ISH.length, Duration.ofMinutes(5));
    byte[] smaller = Arrays.copyOf(PNG_ISH, PNG_ISH.length - 1);

    HttpResponse<String> response = put(upload.url(), upload.headers(), smaller);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(blobs.head(bucket, "uploads/t1/smaller.jpg")).isEmpty();
  }

  @Test
  void aPresignedGetDownloadsTheObject() throws Exception {
    blobs.put(bucket, "results/t1/j2/web", PNG_ISH, "image/webp", Map.of());

    URI url = blobs.presignGet(bucket, "results/t1/j2/web", Duration.ofMinutes(5));
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(PNG_ISH);
  }

  @Test
  void presignedUrlsLiveAtMostSevenDays() {
    assertThatThrownBy(() -> blobs.presignGet(bucket, "k", Duration.ofDays(8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> blobs.presignPut(bucket, "k", "image/png", 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * PUTs as a client would with the returned headers. {@code java.net.http} refuses to have {@code
   * content-length} set by hand: it always sends the body's true length, which is what S3 checks
   * against the signed value.
   */
  private static HttpResponse<String> put(URI url, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach((name, value) -> {
      if (!name.equalsIgnoreCase("content-length")) {
        request.header(name, value);
      }
    });
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
