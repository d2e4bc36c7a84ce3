package dev.conveyor.core.webhook;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals webhook signing secrets before they reach the database (AES-256-GCM with a key held in
 * Secrets Manager), so a database dump alone cannot forge webhooks.
 */
public final class SecretSealer {
  private static final String VERSION = "v1:";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  /**
   * @param base64Key a base64-encoded 256-bit key
   */
  public SecretSealer(String base64Key) {
    byte[] raw = Base64.getDecoder().decode(base64Key.trim());
    if (raw.length != 32) {
      throw new IllegalArgumentException("the sealing key must be 256 bits");
    }
    this.key = new SecretKeySpec(raw, "AES");
  }

  public static String newKey() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  public String seal(String plaintext) {
    try {
      byte[] iv = new byte[IV_BYTES];
      RANDOM.nextBytes(iv);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array();
      return VERSION + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed", e);
    }
  }

  public String open(String sealed) {
    if (!sealed.startsWith(VERSION)) {
      throw new IllegalArgumentException("unknown sealed-secret version");
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(VERSION.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
      return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot open sealed secret (wrong key or tampered)", e);
    }
  }
}
