package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  // The published Standard Webhooks test vector.
  private static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long VECTOR_TIMESTAMP = 1614265330L;
  private static final String VECTOR_PAYLOAD = "{\"test\": 2432232314}";
  private static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  private static final Duration TOLERANCE = WebhookSignature.DEFAULT_TOLERANCE;
  private static final String PAYLOAD =
      "{\"type\":\"job.succeeded\",\"data\":{\"id\":\"0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\"}}";

  private final String secret = WebhookSignature.newSecret();

  @Test
  void thePublishedTestVectorSignsAsPublished() {
    Map<String, String> headers =
        WebhookSignature.headers(
            VECTOR_ID,
            Instant.ofEpochSecond(VECTOR_TIMESTAMP),
            VECTOR_PAYLOAD,
            List.of(VECTOR_SECRET));

    assertThat(headers)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "webhook-id", VECTOR_ID,
                "webhook-timestamp", "1614265330",
                "webhook-signature", VECTOR_SIGNATURE));
    assertThat(
            "v1,"
                + WebhookSignature.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD))
        .isEqualTo(VECTOR_SIGNATURE);
  }

  @Test
  void thePublishedTestVectorVerifies() {
    assertThat(
            WebhookSignature.verify(
                VECTOR_SECRET,
                VECTOR_ID,
                "1614265330",
                VECTOR_SIGNATURE,
                VECTOR_PAYLOAD,
                Instant.ofEpochSecond(VECTOR_TIMESTAMP + 10),
                TOLERANCE))
        .isTrue();
  }

  @Test
  void ourHeadersVerifyWithTheReferenceLibrary() throws Exception {
    Map<String, String> headers =
        WebhookSignature.headers("msg_abc123", Instant.now(), PAYLOAD, List.of(secret));

    assertThatCode(() -> new Webhook(secret).verify(PAYLOAD, asLists(headers)))
        .doesNotThrowAnyException();
  }

  @Test
  void theReferenceLibrarysSignatureVerifiesWithOurs() throws Exception {
    long now = Instant.now().getEpochSecond();
    String signature = new Webhook(secret).sign("msg_abc123", now, PAYLOAD);

    assertThat(
            WebhookSignature.verify(
                secret,
                "msg_abc123",
                Long.toString(now),
                signature,
                PAYLOAD,
                Instant.ofEpochSecond(now),
                TOLERANCE))
        .isTrue();
  }

  @Test
  void theReferenceLibrarySignsTheVectorAsWeDo() throws Exception {
    assertThat(new Webhook(VECTOR_SECRET).sign(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD))
        .isEqualTo(VECTOR_SIGNATURE);
  }

  @Test
  void duringRotationEachSecretSignsAndEachSignatureVerifiesAlone() throws Exception {
    String old = WebhookSignature.newSecret();
    String current = WebhookSignature.newSecret();
    Instant now = Instant.now();

    Map<String, String> headers =
        WebhookSignature.headers("msg_rot", now, PAYLOAD, List.of(old, current));

    String[] signatures = headers.get("webhook-signature").split(" ");
    assertThat(signatures).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("v1,"));
    assertThat(signatures[0]).isNotEqualTo(signatures[1]);
    for (String s : List.of(old, current)) {
      assertThat(verify(s, headers, PAYLOAD, now)).as("one signature per secret").isTrue();
      assertThatCode(() -> new Webhook(s).verify(PAYLOAD, asLists(headers)))
          .doesNotThrowAnyException();
    }
    Map<String, String> onlyNew = new LinkedHashMap<>(headers);
    onlyNew.put("webhook-signature", signatures[1]);
    assertThat(verify(current, onlyNew, PAYLOAD, now)).isTrue();
    assertThat(verify(old, onlyNew, PAYLOAD, now)).isFalse();
  }

  @Test
  void aTamperedBodyIsRejected() throws Exception {
    Instant now = Instant.now();
    Map<String, String> headers = WebhookSignature.headers("msg_1", now, PAYLOAD, List.of(secret));
    String tampered = PAYLOAD.replace("job.succeeded", "job.failed");

    assertThat(verify(secret, headers, tampered, now)).isFalse();
    assertThat(verify(secret, headers, PAYLOAD + " ", now)).isFalse();
    assertThatThrownBy(() -> new Webhook(secret).verify(tampered, asLists(headers)))
        .isInstanceOf(WebhookVerificationException.class);
  }

  @Test
  void aTamperedIdOrTimestampIsRejected() {
    Instant now = Instant.now();
    Map<String, String> headers = WebhookSignature.headers("msg_1", now, PAYLOAD, List.of(secret));

    Map<String, String> otherId = new LinkedHashMap<>(headers);
    otherId.put("webhook-id", "msg_2");
    Map<String, String> otherTime = new LinkedHashMap<>(headers);
    otherTime.put("webhook-timestamp", Long.toString(now.getEpochSecond() + 1));

    assertThat(verify(secret, otherId, PAYLOAD, now)).isFalse();
    assertThat(verify(secret, otherTime, PAYLOAD, now)).isFalse();
  }

  @Test
  void aWrongSecretIsRejected() {
    Instant now = Instant.now();
    Map<String, String> headers = WebhookSignature.headers("msg_1", now, PAYLOAD, List.of(secret));

    assertThat(verify(WebhookSignature.newSecret(), headers, PAYLOAD, now)).isFalse();
  }

  @Test
  void aTimestampOutsideTheToleranceIsRejectedEitherWay() {
    Instant signedAt = Instant.parse("2025-01-15T10:00:00Z");
    Map<String, String> headers =
        WebhookSignature.headers("msg_1", signedAt, PAYLOAD, List.of(secret));

    assertThat(verify(secret, headers, PAYLOAD, signedAt.plus(TOLERANCE))).isTrue();
    assertThat(verify(secret, headers, PAYLOAD, signedAt.minus(TOLERANCE))).isTrue();
    assertThat(verify(secret, headers, PAYLOAD, signedAt.plus(TOLERANCE).plusSeconds(1))).isFalse();
    assertThat(verify(secret, headers, PAYLOAD, signedAt.minus(TOLERANCE).minusSeconds(1)))
        .isFalse();
  }

  @Test
  void missingHeadersAreRejected() {
    Instant now = Instant.now();
    Map<String, String> h = WebhookSignature.headers("msg_1", now, PAYLOAD, List.of(secret));
    String id = h.get("webhook-id");
    String ts = h.get("webhook-timestamp");
    String sig = h.get("webhook-signature");

    assertThat(WebhookSignature.verify(secret, null, ts, sig, PAYLOAD, now, TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(secret, id, null, sig, PAYLOAD, now, TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(secret, id, ts, null, PAYLOAD, now, TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(secret, id, ts, "", PAYLOAD, now, TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(secret, id, "", sig, PAYLOAD, now, TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(secret, id, "soon", sig, PAYLOAD, now, TOLERANCE)).isFalse();
  }

  @Test
  void signaturesOfAnotherSchemeAreIgnored() {
    Instant now = Instant.now();
    String mac = WebhookSignature.sign(secret, "msg_1", now.getEpochSecond(), PAYLOAD);
    String ts = Long.toString(now.getEpochSecond());

    for (String header : List.of("v2," + mac, "v1a," + mac, "V1," + mac, "," + mac, mac)) {
      assertThat(WebhookSignature.verify(secret, "msg_1", ts, header, PAYLOAD, now, TOLERANCE))
          .as(header)
          .isFalse();
    }
    assertThat(
            WebhookSignature.verify(
                secret, "msg_1", ts, "v2," + mac + "  v1," + mac, PAYLOAD, now, TOLERANCE))
        .as("a v1 signature among others still counts")
        .isTrue();
  }

  @Test
  void newSecretsAreWhsecPrefixedAndTheReferenceLibraryAcceptsThem() throws Exception {
    String a = WebhookSignature.newSecret();

    assertThat(a).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(a.substring("whsec_".length()))).hasSize(24);
    assertThat(a).isNotEqualTo(WebhookSignature.newSecret());
    assertThatCode(() -> new Webhook(a)).doesNotThrowAnyException();
  }

  @Test
  void theTimestampHeaderIsInWholeSeconds() {
    Map<String, String> headers =
        WebhookSignature.headers(
            "msg_1", Instant.parse("2025-01-15T10:00:00.999Z"), PAYLOAD, List.of(secret));

    assertThat(headers.get("webhook-timestamp")).isEqualTo("1736935200");
  }

  private static boolean verify(
      String secret, Map<String, String> headers, String payload, Instant now) {
    return WebhookSignature.verify(
        secret,
        headers.get("webhook-id"),
        headers.get("webhook-timestamp"),
        headers.get("webhook-signature"),
        payload,
        now,
        TOLERANCE);
  }

  private static Map<String, List<String>> asLists(Map<String, String> headers) {
    Map<String, List<String>> lists = new LinkedHashMap<>();
    headers.forEach((k, v) -> lists.put(k, List.of(v)));
    return lists;
  }
}
