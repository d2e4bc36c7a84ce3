package dev.conveyor.core.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API keys are 256 random bits, shown once and stored only as a SHA-256 digest. A fast digest is
 * the right tool here (unlike passwords): the key has full entropy, so it cannot be guessed from
 * its hash, and every request must verify it quickly.
 */
public final class ApiKeys {
  /** Keys start with this, so leaked keys are easy to spot and scanners can find them. */
  public static final String PREFIX = "cvk_";

  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String hash(String apiKey) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The first characters, safe to show and log, enough to tell keys apart. */
  public static String displayPrefix(String apiKey) {
    return apiKey.substring(0, Math.min(apiKey.length(), PREFIX.length() + 6));
  }
}
