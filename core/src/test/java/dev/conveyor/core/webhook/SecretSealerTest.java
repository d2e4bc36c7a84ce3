package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretSealerTest {
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  private final SecretSealer sealer = new SecretSealer(SecretSealer.newKey());

  @Test
  void aSealedSecretOpensToTheOriginal() {
    String sealed = sealer.seal(SECRET);

    assertThat(sealer.open(sealed)).isEqualTo(SECRET);
  }

  @Test
  void theSealedFormIsVersionedAndDoesNotContainTheSecret() {
    String sealed = sealer.seal(SECRET);

    assertThat(sealed).startsWith("v1:").doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
    assertThat(raw).hasSize(12 + SECRET.length() + 16); // IV, ciphertext, GCM tag
  }

  @Test
  void nonAsciiAndEmptySecretsRoundTrip() {
    assertThat(sealer.open(sealer.seal("clé secrète ✓"))).isEqualTo("clé secrète ✓");
    assertThat(sealer.open(sealer.seal(""))).isEmpty();
  }

  @Test
  void twoSealsOfOneSecretDifferAndBothOpen() {
    String first = sealer.seal(SECRET);
    String second = sealer.seal(SECRET);

    assertThat(first).isNotEqualTo(second);
    assertThat(sealer.open(first)).isEqualTo(SECRET);
    assertThat(sealer.open(second)).isEqualTo(SECRET);
  }

  @Test
  void tamperingWithTheCiphertextIsDetected() {
    String sealed = sealer.seal(SECRET);

    assertThatThrownBy(() -> sealer.open(flipBit(sealed, 20)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tampered");
  }

  @Test
  void tamperingWithTheIvOrTheTagIsDetected() {
    String sealed = sealer.seal(SECRET);
    int last = Base64.getDecoder().decode(sealed.substring(3)).length - 1;

    assertThatThrownBy(() -> sealer.open(flipBit(sealed, 0)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> sealer.open(flipBit(sealed, last)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTruncatedSealIsRefused() {
    byte[] raw = Base64.getDecoder().decode(sealer.seal(SECRET).substring(3));
    String truncated =
        "v1:" + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(raw, raw.length - 1));

    assertThatThrownBy(() -> sealer.open(truncated)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anotherKeyCannotOpenIt() {
    String sealed = sealer.seal(SECRET);
    SecretSealer other = new SecretSealer(SecretSealer.newKey());

    assertThatThrownBy(() -> other.open(sealed))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("wrong key");
  }

  @Test
  void theSameKeyInAnotherInstanceOpensIt() {
    String key = SecretSealer.newKey();

    String sealed = new SecretSealer(key).seal(SECRET);

    assertThat(new SecretSealer(key + "\n").open(sealed)).isEqualTo(SECRET);
  }

  @Test
  void anUnknownVersionIsRefused() {
    String sealed = sealer.seal(SECRET);

    assertThatThrownBy(() -> sealer.open("v2:" + sealed.substring(3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sealer.open(SECRET)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyA256BitKeyIsAccepted() {
    String key128 = Base64.getEncoder().encodeToString(new byte[16]);

    assertThatThrownBy(() -> new SecretSealer(key128))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("256 bits");
  }

  @Test
  void newKeysAre256RandomBits() {
    String one = SecretSealer.newKey();
    String two = SecretSealer.newKey();

    assertThat(Base64.getDecoder().decode(one)).hasSize(32);
    assertThat(one).isNotEqualTo(two);
  }

  private static String flipBit(String sealed, int byteIndex) {
    byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
    raw[byteIndex] ^= 0x01;
    return "v1:" + Base64.getEncoder().encodeToString(raw);
  }
}
