package dev.conveyor.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

class EmbeddedS3Test {

  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private static EmbeddedS3 s3;
  private static S3Client client;
  private static S3Presigner presigner;
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final BlockingQueue<Observed> events = new LinkedBlockingQueue<>();

  /** An event, the thread it arrived on, and whether the object could be read at that moment. */
  record Observed(S3ObjectCreated event, Thread thread, String contentWhenNotified) {}

  private String bucket;

  @BeforeAll
  static void start() {
    s3 = EmbeddedS3.start(0);
    client = Sdk.s3(s3.endpoint());
    presigner = Sdk.presigner(s3.endpoint());
    s3.onObjectCreated(event ->
        events.add(
            new Observed(
                event,
                Thread.currentThread(),
                client
                    .getObjectAsBytes(b -> b.bucket(event.bucket()).key(event.key()))
                    .asUtf8String())));
  }

  @AfterAll
  static void stop() {
    if (presigner != null) {
      presigner.close();
    }
    if (client != null) {
      client.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @BeforeEach
  void newBucket() {
    bucket = "bucket-" + BUCKETS.incrementAndGet();
    client.createBucket(b -> b.bucket(bucket));
    events.clear();
  }

  @Test
  void pathStyleSdkClientPutsAndGetsObjects() {
    client.putObject(b -> b.bucket(bucket).key("a/b.txt"), RequestBody.fromString("hello"));

    assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("a/b.txt")).asUtf8String())
        .isEqualTo("hello");
    assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents())
        .extracting(o -> o.key())
        .containsExactly("a/b.txt");
  }

  @Test
  void requestSignedWithAnotherSecretIsRejected() {
    try (S3Client intruder =
        Sdk.s3(s3.endpoint(), Sdk.credentials(EmbeddedServices.ACCESS_KEY_ID, "not-the-secret"))) {
      assertThatThrownBy(() -> intruder.listObjectsV2(b -> b.bucket(bucket)))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
  }

  @Test
  void presignedPutUploadsWithAPlainHttpClientAndGetObjectReturnsTheBytes() throws Exception {
    PresignedPutObjectRequest presigned = presignPut("upload/in.bin", Duration.ofMinutes(5));

    HttpResponse<String> response = put(presigned.url().toURI(), presigned, "the bytes");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("upload/in.bin")).asUtf8String())
        .isEqualTo("the bytes");
  }

  @Test
  void expiredPresignedPutIsForbidden() throws Exception {
    PresignedPutObjectRequest presigned = presignPut("late.bin", Duration.ofSeconds(1));
    Thread.sleep(2_100);

    HttpResponse<String> response = put(presigned.url().toURI(), presigned, "too late");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
  }

  @Test
  void tamperedPresignedPutIsForbidden() throws Exception {
    PresignedPutObjectRequest presigned = presignPut("mine.bin", Duration.ofMinutes(5));
    URI tampered = URI.create(presigned.url().toString().replace("/mine.bin?", "/yours.bin?"));

    HttpResponse<String> response = put(tampered, presigned, "sneaky");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
  }

  @Test
  void presignedPutThenS3EventIsEmitted() throws Exception {
    PresignedPutObjectRequest presigned = presignPut("uploads/photo 1.jpg", Duration.ofMinutes(5));

    put(presigned.url().toURI(), presigned, "jpeg bytes");

    Observed observed = nextEvent();
    S3ObjectCreated event = observed.event();
    assertThat(event.bucket()).isEqualTo(bucket);
    assertThat(event.key()).isEqualTo("uploads/photo 1.jpg");
    assertThat(event.size()).isEqualTo("jpeg bytes".length());
    assertThat(event.contentType()).isEqualTo("image/jpeg");
    assertThat(event.eTag())
        .isEqualTo(
            client
                .headObject(b -> b.bucket(bucket).key("uploads/photo 1.jpg"))
                .eTag()
                .replace("\"", ""))
        .doesNotContain("\"");
    assertThat(event.eventTime()).isBeforeOrEqualTo(java.time.Instant.now());
    assertThat(observed.thread()).isNotSameAs(Thread.currentThread());
    assertThat(observed.contentWhenNotified()).isEqualTo("jpeg bytes");
  }

  @Test
  void putObjectCopyObjectAndCompleteMultipartUploadEachEmitOneEvent() throws Exception {
    client.putObject(b -> b.bucket(bucket).key("put.txt"), RequestBody.fromString("put"));
    assertThat(nextEvent().event().key()).isEqualTo("put.txt");

    client.copyObject(b ->
        b.sourceBucket(bucket)
            .sourceKey("put.txt")
            .destinationBucket(bucket)
            .destinationKey("copy.txt"));
    Observed copied = nextEvent();
    assertThat(copied.event().key()).isEqualTo("copy.txt");
    assertThat(copied.contentWhenNotified()).isEqualTo("put");

    String uploadId =
        client.createMultipartUpload(b -> b.bucket(bucket).key("multi.txt")).uploadId();
    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
    String partETag =
        client
            .uploadPart(
                b -> b.bucket(bucket).key("multi.txt").uploadId(uploadId).partNumber(1),
                RequestBody.fromString("one part"))
            .eTag();
    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
    client.completeMultipartUpload(b ->
        b.bucket(bucket)
            .key("multi.txt")
            .uploadId(uploadId)
            .multipartUpload(
                m -> m.parts(CompletedPart.builder().partNumber(1).eTag(partETag).build())));
    Observed multi = nextEvent();
    assertThat(multi.event().key()).isEqualTo("multi.txt");
    assertThat(multi.event().size()).isEqualTo("one part".length());
    assertThat(multi.contentWhenNotified()).isEqualTo("one part");

    client.deleteObject(b -> b.bucket(bucket).key("put.txt"));
    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void objectsSurviveARestartWhenGivenADataDir(@TempDir Path dataDir) {
    try (EmbeddedS3 first =
            EmbeddedS3.start(
                0, dataDir, EmbeddedServices.ACCESS_KEY_ID, EmbeddedServices.SECRET_ACCESS_KEY);
        S3Client firstClient = Sdk.s3(first.endpoint())) {
      firstClient.createBucket(b -> b.bucket("kept"));
      firstClient.putObject(b -> b.bucket("kept").key("k"), RequestBody.fromString("still here"));
    }

    try (EmbeddedS3 second =
            EmbeddedS3.start(
                0, dataDir, EmbeddedServices.ACCESS_KEY_ID, EmbeddedServices.SECRET_ACCESS_KEY);
        S3Client secondClient = Sdk.s3(second.endpoint())) {
      assertThat(secondClient.getObjectAsBytes(b -> b.bucket("kept").key("k")).asUtf8String())
          .isEqualTo("still here");
    }
  }

  private PresignedPutObjectRequest presignPut(String key, Duration validity) {
    return presigner.presignPutObject(b ->
        b.signatureDuration(validity)
            .putObjectRequest(
                PutObjectRequest.builder()
                    .bucket(bucket)
                    .key(key)
                    .contentType(key.endsWith(".jpg") ? "image/jpeg" : "application/octet-stream")
                    .build()));
  }

  private static HttpResponse<String> put(URI url, PresignedPutObjectRequest presigned, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    for (Map.Entry<String, List<String>> header : presigned.signedHeaders().entrySet()) {
      if (!header.getKey().equalsIgnoreCase("host")) {
        header.getValue().forEach(value -> request.header(header.getKey(), value));
      }
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Observed nextEvent() throws InterruptedException {
    Observed observed = events.poll(5, TimeUnit.SECONDS);
    assertThat(observed).as("an S3ObjectCreated within 5 s").isNotNull();
    return observed;
  }
}
