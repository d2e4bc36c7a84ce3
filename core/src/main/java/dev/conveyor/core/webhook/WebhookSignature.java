package dev.conveyor.core.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): {@code v1,<base64
 * HMAC-SHA256("id.timestamp.body")>} keyed with the base64 bytes after {@code whsec_}. The sender
 * signs with every current secret (rotation); a receiver accepts any one that matches. This is the
 * sending side; {@link WebhookVerifier} is the receiving side tenants use.
 */
public final class WebhookSignature {
  public static final String SECRET_PREFIX = "whsec_";
  public static final String HEADER_ID = "webhook-id";
  public static final String HEADER_TIMESTAMP = "webhook-timestamp";
  public static final String HEADER_SIGNATURE = "webhook-signature";

  /** Receivers reject timestamps further than this from their clock (replay protection). */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  /** Standard Webhooks' minimum HMAC key length (192 bits). */
  static final int MIN_KEY_BYTES = 24;

  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookSignature() {}

  /** A new {@code whsec_} secret with 24 random bytes, as Svix issues them. */
  public static String newSecret() {
    byte[] raw = new byte[24];
    RANDOM.nextBytes(raw);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(raw);
  }

  /** The three headers for one attempt. */
  public static Map<String, String> headers(
      String messageId, Instant timestamp, String payload, List<String> secrets) {
    long seconds = timestamp.getEpochSecond();
    String signatures =
        secrets.stream()
            .map(s -> "v1," + sign(s, messageId, seconds, payload))
            .collect(Collectors.joining(" "));
    Map<String, String> headers = new TreeMap<>();
    headers.put(HEADER_ID, messageId);
    headers.put(HEADER_TIMESTAMP, Long.toString(seconds));
    headers.put(HEADER_SIGNATURE, signatures);
    return headers;
  }

  /** Base64 HMAC-SHA256 of {@code id.timestamp.payload}, keyed with {@code secret}'s bytes. */
  public static String sign(
      String secret, String messageId, long timestampSeconds, String payload) {
    return sign(key(secret), messageId, timestampSeconds, payload);
  }

  /**
   * Receiver-side check: the timestamp is within {@code tolerance} of {@code now} and at least one
   * {@code v1} signature matches {@code secret}. {@link WebhookVerifier}'s check, answered yes or
   * no, for callers that hold the three headers apart.
   */
  public static boolean verify(
      String secret,
      String messageId,
      String timestampHeader,
      String signatureHeader,
      String payload,
      Instant now,
      Duration tolerance) {
    Map<String, String> headers = new HashMap<>();
    headers.put(HEADER_ID, messageId);
    headers.put(HEADER_TIMESTAMP, timestampHeader);
    headers.put(HEADER_SIGNATURE, signatureHeader);
    try {
      new WebhookVerifier(List.of(secret), tolerance, Clock.fixed(now, ZoneOffset.UTC))
          .verify(payload, headers);
      return true;
    } catch (WebhookVerificationException e) {
      return false;
    }
  }

  /** The one HMAC computation sender and receiver share. */
  static String sign(byte[] key, String messageId, long timestampSeconds, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] signed =
          mac.doFinal(
              (messageId + "." + timestampSeconds + "." + payload)
                  .getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(signed);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /**
   * The HMAC key a secret holds: the bytes whose base64 follows {@code whsec_}.
   *
   * @throws IllegalArgumentException when {@code secret} is not of that form or holds fewer than
   *     {@value #MIN_KEY_BYTES} bytes (the spec's minimum); the message never repeats the secret
   */
  static byte[] key(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("no webhook secret given");
    }
    if (!secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the webhook secret after " + SECRET_PREFIX + " is not valid base64");
    }
    if (key.length < MIN_KEY_BYTES) {
      // Most likely cut short when copied: say so now rather than fail every signature later.
      throw new IllegalArgumentException(
          "a webhook secret holds at least "
              + MIN_KEY_BYTES
              + " bytes; this one holds "
              + key.length
              + " (is it complete?)");
    }
    return key;
  }
}
