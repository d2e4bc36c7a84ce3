package dev.conveyor.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void aNewKeyIsCvkPrefixedAndCarries256UrlSafeRandomBits() {
    String key = ApiKeys.generate();

    assertThat(key).startsWith("cvk_").hasSize(4 + 43).matches("cvk_[A-Za-z0-9_-]{43}");
    assertThat(Base64.getUrlDecoder().decode(key.substring(4))).hasSize(32);
  }

  @Test
  void newKeysDoNotRepeat() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      keys.add(ApiKeys.generate());
    }

    assertThat(keys).hasSize(1_000);
  }

  @Test
  void theStoredHashIsTheLowercaseHexSha256OfTheKey() {
    // FIPS 180-2 test vector: SHA-256("abc").
    assertThat(ApiKeys.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void hashingIsDeterministicAndDistinguishesKeys() {
    String key = ApiKeys.generate();

    assertThat(ApiKeys.hash(key)).isEqualTo(ApiKeys.hash(key)).matches("[0-9a-f]{64}");
    assertThat(ApiKeys.hash(key)).isNotEqualTo(ApiKeys.hash(ApiKeys.generate()));
    assertThat(ApiKeys.hash(key)).doesNotContain(key.substring(4));
  }

  @Test
  void theDisplayPrefixIsThePrefixAndSixCharacters() {
    String key = ApiKeys.generate();

    assertThat(ApiKeys.displayPrefix(key)).hasSize(10).isEqualTo(key.substring(0, 10));
  }

  @Test
  void theDisplayPrefixOfAShortKeyIsTheWholeKey() {
    assertThat(ApiKeys.displayPrefix("cvk_ab")).isEqualTo("cvk_ab");
  }
}
