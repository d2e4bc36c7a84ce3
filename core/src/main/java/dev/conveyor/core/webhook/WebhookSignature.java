package dev.conveyor.core.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): {@code v1,<base64
 * HMAC-SHA256("id.timestamp.body")>} keyed with the base64 bytes after {@code whsec_}. The sender
 * signs with every current secret (rotation); a receiver accepts any one that matches.
 */
public final class WebhookSignature {
  public static final String SECRET_PREFIX = "whsec_";
  public static final String HEADER_ID = "webhook-id";
  public static final String HEADER_TIMESTAMP = "webhook-timestamp";
  public static final String HEADER_SIGNATURE = "webhook-signature";

  /** Receivers reject timestamps further than this from their clock (replay protection). */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

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

  /** Base64 HMAC-SHA256 of {@code id.timestamp.payload}. */
  public static String sign(
      String secret, String messageId, long timestampSeconds, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(keyBytes(secret), "HmacSHA256"));
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
   * Receiver-side check: the timestamp is within {@code tolerance} of {@code now} and at least one
   * {@code v1} signature matches {@code secret}, compared in constant time.
   */
  public static boolean verify(
      String secret,
      String messageId,
      String timestampHeader,
      String signatureHeader,
      String payload,
      Instant now,
      Duration tolerance) {
    if (messageId == null || timestampHeader == null || signatureHeader == null) {
      return false;
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestampHeader.trim());
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - seconds) > tolerance.toSeconds()) {
      return false;
    }
    byte[] expected = sign(secret, messageId, seconds, payload).getBytes(StandardCharsets.US_ASCII);
    for (String candidate : signatureHeader.trim().split(" +")) {
      int comma = candidate.indexOf(',');
      if (comma > 0 && candidate.substring(0, comma).equals("v1")) {
        byte[] given = candidate.substring(comma + 1).getBytes(StandardCharsets.US_ASCII);
        if (MessageDigest.isEqual(expected, given)) {
          return true;
        }
      }
    }
    return false;
  }

  private static byte[] keyBytes(String secret) {
    String encoded =
        secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    return Base64.getDecoder().decode(encoded);
  }
}
