package dev.conveyor.core.webhook;

import static dev.conveyor.core.webhook.WebhookSignature.HEADER_ID;
import static dev.conveyor.core.webhook.WebhookSignature.HEADER_SIGNATURE;
import static dev.conveyor.core.webhook.WebhookSignature.HEADER_TIMESTAMP;

import dev.conveyor.core.webhook.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Verifies Conveyor's webhooks where tenants receive them, per Standard Webhooks
 * (https://www.standardwebhooks.com): {@code webhook-timestamp} is within the tolerance of this
 * receiver's clock (so a captured request cannot be replayed later), and a {@code v1} signature in
 * {@code webhook-signature} matches one of the endpoint's secrets, compared in constant time.
 *
 * <p>Give it every secret you accept: after a rotation, the new one and the old one, so that
 * switching over needs no downtime. Pass the body exactly as it arrived; JSON parsed and written
 * again no longer matches its signature.
 *
 * <pre>{@code
 * WebhookVerifier verifier = new WebhookVerifier(System.getenv("CONVEYOR_WEBHOOK_SECRET"));
 *
 * try {
 *   WebhookVerifier.VerifiedWebhook webhook = verifier.verify(rawBody, headers);
 *   // webhook.id() is the same on every retry: use it to process each event once.
 *   handle(webhook.id(), webhook.payload());
 *   return 204;
 * } catch (WebhookVerificationException e) {
 *   return 400;
 * }
 * }</pre>
 *
 * <p>It needs nothing but the JDK. Instances are immutable and safe to share between threads.
 */
public final class WebhookVerifier {
  /**
   * Whole Unix seconds in ASCII digits ({@link Long#parseLong} also takes a sign, other digits).
   */
  private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,18}");

  private static final String SIGNATURE_VERSION = "v1";

  private final List<byte[]> keys;
  private final Duration tolerance;
  private final Clock clock;

  /**
   * A webhook whose signature verified.
   *
   * @param id {@code webhook-id}: the same on every attempt of one delivery, an idempotency key
   * @param timestamp {@code webhook-timestamp}: when this attempt was signed
   * @param payload the body, as received and verified
   */
  public record VerifiedWebhook(String id, Instant timestamp, String payload) {}

  /**
   * Accepts signatures made with any of {@code secrets}, signed within {@link
   * WebhookSignature#DEFAULT_TOLERANCE} (5 minutes) of the system clock.
   *
   * @param secrets the endpoint's {@code whsec_…} secrets
   * @throws IllegalArgumentException when there is no secret, or one is not a {@code whsec_} secret
   */
  public WebhookVerifier(String... secrets) {
    this(Arrays.asList(secrets), WebhookSignature.DEFAULT_TOLERANCE, Clock.systemUTC());
  }

  /**
   * @param secrets the endpoint's {@code whsec_…} secrets; a signature made with any of them counts
   * @param tolerance how far {@code webhook-timestamp} may be from {@code clock}, either way
   * @throws IllegalArgumentException when there is no secret, one is not a {@code whsec_} secret,
   *     or the tolerance is negative
   */
  public WebhookVerifier(List<String> secrets, Duration tolerance, Clock clock) {
    Objects.requireNonNull(secrets, "secrets");
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one webhook secret is needed");
    }
    List<byte[]> decoded = new ArrayList<>(secrets.size());
    for (String secret : secrets) {
      decoded.add(WebhookSignature.key(secret));
    }
    if (tolerance.isNegative()) {
      throw new IllegalArgumentException("the tolerance must not be negative: " + tolerance);
    }
    this.keys = List.copyOf(decoded);
    this.tolerance = tolerance;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Checks one webhook request.
   *
   * @param body the request body exactly as received
   * @param headers the request headers; names in any case (a framework's map of first values)
   * @return the verified webhook
   * @throws WebhookVerificationException with the {@link Reason} it failed
   */
  public VerifiedWebhook verify(String body, Map<String, String> headers)
      throws WebhookVerificationException {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    String id = required(headers, HEADER_ID);
    String timestampText = required(headers, HEADER_TIMESTAMP);
    String signatures = required(headers, HEADER_SIGNATURE);

    if (!UNIX_SECONDS.matcher(timestampText).matches()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_TIMESTAMP, HEADER_TIMESTAMP + " is not whole Unix seconds");
    }
    long timestamp = Long.parseLong(timestampText);
    long age = clock.instant().getEpochSecond() - timestamp;
    if (Math.abs(age) > tolerance.toSeconds()) {
      throw new WebhookVerificationException(
          Reason.TIMESTAMP_OUTSIDE_TOLERANCE,
          HEADER_TIMESTAMP
              + " is "
              + Math.abs(age)
              + (age > 0 ? " s in the past" : " s in the future")
              + ", beyond the "
              + tolerance.toSeconds()
              + " s tolerance: a replay, or a clock out of sync");
    }

    List<byte[]> candidates = v1Signatures(signatures);
    for (byte[] key : keys) {
      byte[] expected =
          WebhookSignature.sign(key, id, timestamp, body).getBytes(StandardCharsets.US_ASCII);
      for (byte[] candidate : candidates) {
        if (MessageDigest.isEqual(expected, candidate)) {
          return new VerifiedWebhook(id, Instant.ofEpochSecond(timestamp), body);
        }
      }
    }
    throw new WebhookVerificationException(
        Reason.NO_MATCHING_SIGNATURE,
        candidates.isEmpty()
            ? HEADER_SIGNATURE + " holds no " + SIGNATURE_VERSION + " signature"
            : "no "
                + SIGNATURE_VERSION
                + " signature matches the body, id and timestamp under any of the "
                + keys.size()
                + " secret(s)");
  }

  /**
   * The value of the header {@code name}, matched in any case. HTTP field values carry no
   * surrounding whitespace (RFC 9110 §5.5), so a framework that leaves some is not held against the
   * sender.
   */
  private static String required(Map<String, String> headers, String name)
      throws WebhookVerificationException {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (name.equalsIgnoreCase(header.getKey()) && header.getValue() != null) {
        String value = header.getValue().strip();
        if (!value.isEmpty()) {
          return value;
        }
      }
    }
    throw new WebhookVerificationException(Reason.MISSING_HEADER, "no " + name + " header");
  }

  /**
   * The {@code v1} signatures of a space-separated {@code version,signature} list; other versions
   * (such as the asymmetric {@code v1a}) are not ours to check and are skipped.
   */
  private static List<byte[]> v1Signatures(String header) {
    List<byte[]> found = new ArrayList<>();
    for (String entry : header.split(" ")) {
      int comma = entry.indexOf(',');
      if (comma > 0 && entry.substring(0, comma).equals(SIGNATURE_VERSION)) {
        found.add(entry.substring(comma + 1).getBytes(StandardCharsets.US_ASCII));
      }
    }
    return found;
  }
}
