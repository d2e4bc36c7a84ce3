package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import dev.conveyor.core.webhook.WebhookVerificationException.Reason;
import dev.conveyor.core.webhook.WebhookVerifier.VerifiedWebhook;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookVerifierTest {
  private static final String PAYLOAD =
      "{\"type\":\"job.succeeded\",\"timestamp\":\"2025-01-15T10:00:04Z\","
          + "\"data\":{\"id\":\"0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b\",\"state\":\"succeeded\"}}";
  private static final Instant SIGNED_AT = Instant.parse("2025-01-15T10:00:05Z");
  private static final Duration TOLERANCE = WebhookSignature.DEFAULT_TOLERANCE;

  private final String secret = WebhookSignature.newSecret();

  /**
   * The test vectors of the Standard Webhooks reference libraries, github.com/standard-webhooks/
   * standard-webhooks: the "sign function works" test of libraries/java (WebhookTest.java),
   * javascript (src/webhook.test.ts), python (tests/test_webhooks.py), go (webhook_test.go), ruby
   * (spec/webhook_spec.rb) and csharp (WebhookTest.cs) share the first; libraries/rust/src/lib.rs
   * (test_sign) has the second.
   */
  @Nested
  class PublishedVectors {
    static Stream<Arguments> vectors() {
      return Stream.of(
          Arguments.of(
              "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
              "msg_p5jXN8AQM9LWM0D4loKWxJek",
              1614265330L,
              "{\"test\": 2432232314}",
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
          Arguments.of(
              "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
              "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
              1649367553L,
              "{\"email\":\"test@example.com\",\"username\":\"test_user\"}",
              "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="));
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void eachVectorVerifies(
        String vectorSecret, String id, long timestamp, String payload, String signature)
        throws Exception {
      WebhookVerifier verifier = verifierAt(Instant.ofEpochSecond(timestamp), vectorSecret);

      VerifiedWebhook verified = verifier.verify(payload, headers(id, timestamp, signature));

      assertThat(verified)
          .isEqualTo(new VerifiedWebhook(id, Instant.ofEpochSecond(timestamp), payload));
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void eachVectorSignsAsPublished(
        String vectorSecret, String id, long timestamp, String payload, String signature) {
      assertThat(
              WebhookSignature.headers(
                  id, Instant.ofEpochSecond(timestamp), payload, List.of(vectorSecret)))
          .containsEntry("webhook-signature", signature);
    }

    /** The reference libraries' multi-signature cases: decoys around the one valid signature. */
    @Test
    void theValidSignatureAmongTheLibrariesDecoysVerifies() {
      String valid = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
      String decoys =
          "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
              + " v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
      String rustDecoys =
          "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ="
              + " v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q="
              + " v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=";

      assertThatCode(() -> verifyVector(decoys + " " + valid + " " + rustDecoys))
          .doesNotThrowAnyException();
      assertThat(reasonOf(() -> verifyVector(decoys + " " + rustDecoys)))
          .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }

    /** The reference libraries' invalid-signature cases, each alone in the header. */
    @ParameterizedTest
    @ValueSource(
        strings = {
          "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", // python: last character changed
          "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd", // ruby, csharp
          "v1,dawfeoifkpqwoekfpqoekf", // javascript
          "v1,g0hM9", // javascript: a partial signature
          "v1,",
          "v1,invalid_signature", // java
          "invalid_signature", // java: no version
          "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" // java: the right MAC, another version
        })
    void eachOfTheLibrariesInvalidSignaturesIsRefused(String signatureHeader) {
      assertThat(reasonOf(() -> verifyVector(signatureHeader)))
          .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }

    private static void verifyVector(String signatureHeader) throws WebhookVerificationException {
      verifierAt(Instant.ofEpochSecond(1614265330L), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
          .verify(
              "{\"test\": 2432232314}",
              headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, signatureHeader));
    }
  }

  @Test
  void ourOwnDeliveryVerifiesAndReturnsItsIdTimestampAndPayload() throws Exception {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);

    VerifiedWebhook verified = verifierAt(SIGNED_AT.plusSeconds(2), secret).verify(PAYLOAD, sent);

    assertThat(verified.id()).isEqualTo("msg_1");
    assertThat(verified.timestamp()).isEqualTo(SIGNED_AT);
    assertThat(verified.payload()).isEqualTo(PAYLOAD);
  }

  @Test
  void duringARotationEitherSecretVerifiesTheTwoSignatureHeader() throws Exception {
    String previous = WebhookSignature.newSecret();
    String current = WebhookSignature.newSecret();
    Map<String, String> sent = signed("msg_rot", SIGNED_AT, PAYLOAD, current, previous);
    assertThat(sent.get("webhook-signature").split(" ")).hasSize(2);

    for (List<String> accepted :
        List.of(List.of(current), List.of(previous), List.of(previous, current))) {
      assertThatCode(() -> verifierAt(SIGNED_AT, accepted).verify(PAYLOAD, sent))
          .as("accepting %d secret(s)", accepted.size())
          .doesNotThrowAnyException();
    }
    assertThat(reasonOf(() -> verifierAt(SIGNED_AT, secret).verify(PAYLOAD, sent)))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aReceiverHoldingBothSecretsVerifiesEitherOneAlone() {
    String previous = WebhookSignature.newSecret();
    String current = WebhookSignature.newSecret();
    WebhookVerifier verifier = verifierAt(SIGNED_AT, List.of(current, previous));

    for (String signer : List.of(previous, current)) {
      assertThatCode(() -> verifier.verify(PAYLOAD, signed("msg_1", SIGNED_AT, PAYLOAD, signer)))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void aTamperedBodyIdOrTimestampIsRefused() {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);
    WebhookVerifier verifier = verifierAt(SIGNED_AT, secret);

    String otherBody = PAYLOAD.replace("job.succeeded", "job.failed");
    assertThat(reasonOf(() -> verifier.verify(otherBody, sent)))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(reasonOf(() -> verifier.verify(PAYLOAD + "\n", sent)))
        .as("reserialised or reformatted JSON no longer matches")
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(reasonOf(() -> verifier.verify(PAYLOAD, with(sent, "webhook-id", "msg_2"))))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    String oneSecondLater = Long.toString(SIGNED_AT.getEpochSecond() + 1);
    assertThat(
            reasonOf(
                () -> verifier.verify(PAYLOAD, with(sent, "webhook-timestamp", oneSecondLater))))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void theToleranceHoldsEitherWayWithItsBoundsIncluded() {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);

    for (Instant now : List.of(SIGNED_AT.plus(TOLERANCE), SIGNED_AT.minus(TOLERANCE))) {
      assertThatCode(() -> verifierAt(now, secret).verify(PAYLOAD, sent))
          .doesNotThrowAnyException();
    }
    for (Instant now :
        List.of(
            SIGNED_AT.plus(TOLERANCE).plusSeconds(1), SIGNED_AT.minus(TOLERANCE).minusSeconds(1))) {
      assertThatThrownBy(() -> verifierAt(now, secret).verify(PAYLOAD, sent))
          .isInstanceOfSatisfying(
              WebhookVerificationException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.TIMESTAMP_OUTSIDE_TOLERANCE))
          .hasMessageContaining("301 s in the " + (now.isAfter(SIGNED_AT) ? "past" : "future"));
    }
  }

  @Test
  void theToleranceIsConfigurable() {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);
    Clock anHourLater = Clock.fixed(SIGNED_AT.plus(Duration.ofHours(1)), ZoneOffset.UTC);

    assertThatCode(() ->
            new WebhookVerifier(List.of(secret), Duration.ofHours(1), anHourLater)
                .verify(PAYLOAD, sent))
        .doesNotThrowAnyException();
    assertThat(
            reasonOf(() ->
                new WebhookVerifier(List.of(secret), Duration.ofMinutes(59), anHourLater)
                    .verify(PAYLOAD, sent)))
        .isEqualTo(Reason.TIMESTAMP_OUTSIDE_TOLERANCE);
  }

  @Test
  void theDefaultVerifierUsesTheSystemClock() {
    Instant now = Instant.now();

    assertThatCode(() ->
            new WebhookVerifier(secret).verify(PAYLOAD, signed("msg_1", now, PAYLOAD, secret)))
        .doesNotThrowAnyException();
    Instant tenMinutesAgo = now.minus(Duration.ofMinutes(10));
    assertThat(
            reasonOf(() ->
                new WebhookVerifier(secret)
                    .verify(PAYLOAD, signed("msg_1", tenMinutesAgo, PAYLOAD, secret))))
        .isEqualTo(Reason.TIMESTAMP_OUTSIDE_TOLERANCE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"webhook-id", "webhook-timestamp", "webhook-signature"})
  void aMissingOrEmptyHeaderIsRefusedByName(String header) {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);
    WebhookVerifier verifier = verifierAt(SIGNED_AT, secret);
    Map<String, String> without = new LinkedHashMap<>(sent);
    without.remove(header);

    for (Map<String, String> headers :
        List.of(
            without, with(sent, header, ""), with(sent, header, "  "), with(sent, header, null))) {
      assertThatThrownBy(() -> verifier.verify(PAYLOAD, headers))
          .isInstanceOfSatisfying(
              WebhookVerificationException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.MISSING_HEADER))
          .hasMessage("no " + header + " header");
    }
  }

  @Test
  void headerNamesMatchInAnyCase() throws Exception {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);
    Map<String, String> asSent = new LinkedHashMap<>();
    asSent.put("Webhook-Id", sent.get("webhook-id"));
    asSent.put("WEBHOOK-TIMESTAMP", sent.get("webhook-timestamp"));
    asSent.put("Webhook-Signature", sent.get("webhook-signature"));
    asSent.put("Content-Type", "application/json");

    assertThat(verifierAt(SIGNED_AT, secret).verify(PAYLOAD, asSent).id()).isEqualTo("msg_1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "1736935205.0", "+1736935205", "-1", "1e9", "0x1", "١٧٣٦٩٣٥٢٠٥"})
  void aTimestampThatIsNotWholeUnixSecondsIsRefused(String timestamp) {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);

    assertThat(
            reasonOf(() ->
                verifierAt(SIGNED_AT, secret)
                    .verify(PAYLOAD, with(sent, "webhook-timestamp", timestamp))))
        .isEqualTo(Reason.MALFORMED_TIMESTAMP);
  }

  @Test
  void signaturesOfOtherVersionsAreSkipped() throws Exception {
    Map<String, String> sent = signed("msg_1", SIGNED_AT, PAYLOAD, secret);
    String ours = sent.get("webhook-signature");
    String mac = ours.substring("v1,".length());
    // An asymmetric signature as in the spec's example headers, and look-alikes of ours.
    String v1a =
        "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";
    WebhookVerifier verifier = verifierAt(SIGNED_AT, secret);

    assertThatCode(
            () -> verifier.verify(PAYLOAD, with(sent, "webhook-signature", v1a + " " + ours)))
        .doesNotThrowAnyException();
    assertThatCode(
            () -> verifier.verify(PAYLOAD, with(sent, "webhook-signature", ours + "  " + v1a)))
        .as("extra spaces between signatures")
        .doesNotThrowAnyException();
    for (String others : List.of(v1a, "v1a," + mac, "V1," + mac, "v2," + mac, "," + mac, mac)) {
      assertThatThrownBy(() -> verifier.verify(PAYLOAD, with(sent, "webhook-signature", others)))
          .as(others)
          .isInstanceOfSatisfying(
              WebhookVerificationException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.NO_MATCHING_SIGNATURE))
          .hasMessage("webhook-signature holds no v1 signature");
    }
  }

  @Test
  void malformedSecretsAreRefusedWhenTheVerifierIsMadeWithoutRepeatingThem() {
    String valid = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    String sixteenBytes = Base64.getEncoder().encodeToString(new byte[16]);
    Map<String, String> malformed = new LinkedHashMap<>();
    malformed.put("", "no webhook secret given");
    malformed.put(valid, "starts with whsec_");
    malformed.put("cvk_" + valid, "starts with whsec_");
    malformed.put("whsec_", "at least 24 bytes; this one holds 0");
    malformed.put("whsec_" + valid + "!", "not valid base64");
    malformed.put("whsec_" + valid + "\n", "not valid base64");
    malformed.put("whsec_" + sixteenBytes, "at least 24 bytes; this one holds 16");

    malformed.forEach((badSecret, complaint) ->
        assertThatThrownBy(() -> new WebhookVerifier(secret, badSecret))
            .as(badSecret)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(complaint)
            .message()
            .doesNotContain(valid));
    assertThatThrownBy(() -> new WebhookVerifier(secret, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new WebhookVerifier())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at least one webhook secret is needed");
    assertThatThrownBy(() -> new WebhookVerifier(List.of(secret), Duration.ofSeconds(-1), clock()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The Standard Webhooks reference implementation (com.standardwebhooks) and ours agree. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class AgainstTheReferenceImplementation {
    private final Instant now = Instant.now();
    private final Map<String, String> sent = signed("msg_x", now, PAYLOAD, secret);

    @Test
    void itsSignaturesVerifyWithOurs() throws Exception {
      long seconds = now.getEpochSecond();
      String signature = new Webhook(secret).sign("msg_ref", seconds, PAYLOAD);

      assertThat(
              new WebhookVerifier(secret).verify(PAYLOAD, headers("msg_ref", seconds, signature)))
          .isEqualTo(new VerifiedWebhook("msg_ref", Instant.ofEpochSecond(seconds), PAYLOAD));
    }

    Stream<Arguments> requests() {
      String decoy = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
      return Stream.of(
          request("as sent", true, PAYLOAD, h -> h),
          request("another body", false, PAYLOAD + " ", h -> h),
          request("another id", false, PAYLOAD, h -> with(h, "webhook-id", "msg_y")),
          request("no id", false, PAYLOAD, h -> without(h, "webhook-id")),
          request("no timestamp", false, PAYLOAD, h -> without(h, "webhook-timestamp")),
          request("no signature", false, PAYLOAD, h -> without(h, "webhook-signature")),
          request("not a timestamp", false, PAYLOAD, h -> with(h, "webhook-timestamp", "hello")),
          request("timestamp moved", false, PAYLOAD, h -> shifted(h, 1)),
          request("signed ten minutes ago", false, PAYLOAD, h -> signedAgain(-600)),
          request("signed ten minutes ahead", false, PAYLOAD, h -> signedAgain(600)),
          request("signed four minutes ago", true, PAYLOAD, h -> signedAgain(-240)),
          request("decoys first", true, PAYLOAD, h -> prepended(h, decoy + " v2,abc")),
          request("two spaces", true, PAYLOAD, h -> prepended(h, decoy + " ")),
          request("only a decoy", false, PAYLOAD, h -> with(h, "webhook-signature", decoy)),
          request("only v2", false, PAYLOAD, h -> versioned(h, "v2")),
          request("only v1a", false, PAYLOAD, h -> versioned(h, "v1a")),
          request("no version", false, PAYLOAD, h -> versioned(h, "")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void bothAcceptOrRefuseAlike(
        String name, boolean accepted, String body, UnaryOperator<Map<String, String>> change) {
      Map<String, String> headers = change.apply(sent);
      boolean reference;
      try {
        new Webhook(secret).verify(body, asLists(headers));
        reference = true;
      } catch (Exception e) {
        reference = false;
      }
      boolean ours;
      try {
        new WebhookVerifier(secret).verify(body, headers);
        ours = true;
      } catch (WebhookVerificationException e) {
        ours = false;
      }

      assertThat(reference).as("the reference implementation accepts it").isEqualTo(accepted);
      assertThat(ours).as("ours accepts it").isEqualTo(accepted);
    }

    private static Arguments request(
        String name, boolean accepted, String body, UnaryOperator<Map<String, String>> change) {
      return Arguments.of(name, accepted, body, change);
    }

    private Map<String, String> signedAgain(long offsetSeconds) {
      return signed("msg_x", now.plusSeconds(offsetSeconds), PAYLOAD, secret);
    }

    private static Map<String, String> shifted(Map<String, String> headers, long seconds) {
      long timestamp = Long.parseLong(headers.get("webhook-timestamp"));
      return with(headers, "webhook-timestamp", Long.toString(timestamp + seconds));
    }

    private static Map<String, String> prepended(Map<String, String> headers, String signatures) {
      return with(
          headers, "webhook-signature", signatures + " " + headers.get("webhook-signature"));
    }

    private static Map<String, String> versioned(Map<String, String> headers, String version) {
      String mac = headers.get("webhook-signature").substring("v1,".length());
      return with(headers, "webhook-signature", version + "," + mac);
    }
  }

  private static WebhookVerifier verifierAt(Instant now, String... secrets) {
    return verifierAt(now, List.of(secrets));
  }

  private static WebhookVerifier verifierAt(Instant now, List<String> secrets) {
    return new WebhookVerifier(secrets, TOLERANCE, Clock.fixed(now, ZoneOffset.UTC));
  }

  private static Clock clock() {
    return Clock.fixed(SIGNED_AT, ZoneOffset.UTC);
  }

  private static Map<String, String> signed(
      String id, Instant at, String payload, String... secrets) {
    return WebhookSignature.headers(id, at, payload, List.of(secrets));
  }

  private static Map<String, String> headers(String id, long timestamp, String signature) {
    return Map.of(
        "webhook-id", id,
        "webhook-timestamp", Long.toString(timestamp),
        "webhook-signature", signature);
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> changed = new LinkedHashMap<>(headers);
    changed.put(name, value);
    return changed;
  }

  private static Map<String, String> without(Map<String, String> headers, String name) {
    Map<String, String> changed = new LinkedHashMap<>(headers);
    changed.remove(name);
    return changed;
  }

  private static Map<String, List<String>> asLists(Map<String, String> headers) {
    Map<String, List<String>> lists = new LinkedHashMap<>();
    headers.forEach((name, value) -> lists.put(name, List.of(value)));
    return lists;
  }

  private static Reason reasonOf(VerificationCall call) {
    try {
      call.run();
    } catch (WebhookVerificationException e) {
      return e.reason();
    }
    throw new AssertionError("verified, but should not have");
  }

  @FunctionalInterface
  private interface VerificationCall {
    void run() throws WebhookVerificationException;
  }
}
