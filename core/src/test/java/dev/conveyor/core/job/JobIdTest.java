package dev.conveyor.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobIdTest {
  private static final Instant NOW = Instant.parse("2025-01-15T10:00:00.123Z");

  @Test
  void aGeneratedIdIsAnRfc9562Version7Uuid() {
    UUID id = JobId.generate(NOW).value();

    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).as("the RFC variant, binary 10").isEqualTo(2);
  }

  @Test
  void aGeneratedIdCarriesItsCreationMillisecond() {
    assertThat(JobId.generate(NOW).createdAt()).isEqualTo(NOW);
    assertThat(JobId.generate(Instant.parse("2025-01-15T10:00:00.123456789Z")).createdAt())
        .as("truncated to the millisecond")
        .isEqualTo(NOW);
  }

  @Test
  void theFirst48BitsAreTheUnixMillisecondsInHex() {
    String text = JobId.generate(NOW).toString();

    assertThat(text.substring(0, 8) + text.substring(9, 13))
        .isEqualTo(String.format(Locale.ROOT, "%012x", NOW.toEpochMilli()));
    assertThat(text.charAt(14)).isEqualTo('7');
  }

  @Test
  void idsGeneratedInOneMillisecondDiffer() {
    Set<JobId> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(JobId.generate(NOW));
    }

    assertThat(ids).hasSize(10_000);
  }

  @Test
  void laterIdsSortAfterEarlierOnesAsText() {
    String earlier = JobId.generate(NOW).toString();
    String later = JobId.generate(NOW.plusMillis(1)).toString();
    String muchLater = JobId.generate(Instant.parse("2030-06-01T00:00:00Z")).toString();

    assertThat(earlier).isLessThan(later);
    assertThat(later).isLessThan(muchLater);
  }

  @Test
  void theTextFormParsesBackToTheSameIdAndCreationTime() {
    JobId id = JobId.generate(NOW);

    assertThat(JobId.parse(id.toString())).contains(id);
    assertThat(JobId.parse(id.toString()).orElseThrow().createdAt()).isEqualTo(NOW);
  }

  @Test
  void anUppercaseSpellingNamesTheSameJob() {
    // RFC 9562 §4: UUID text is case-insensitive on input.
    JobId id = JobId.generate(NOW);

    assertThat(JobId.parse(id.toString().toUpperCase(Locale.ROOT))).contains(id);
  }

  @Test
  void aUuidOfAnotherVersionIsNotAJob() {
    assertThat(JobId.parse(UUID.randomUUID().toString())).isEmpty();
    assertThat(JobId.parse("00000000-0000-0000-0000-000000000000")).isEmpty();
    assertThat(JobId.parse("0193a5b2-7c4d-6e8f-9a0b-1c2d3e4f5a6b")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "garbage",
        "42",
        "0193a5b27c4d7e8f9a0b1c2d3e4f5a6b",
        "{0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b}",
        "urn:uuid:0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
        " 0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
        "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b ",
        "193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
        "1-0-7000-8000-1",
        "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b0",
        "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6g",
        "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b/../x"
      })
  void malformedOrNonCanonicalTextIsNotAJob(String text) {
    assertThat(JobId.parse(text)).isEmpty();
  }

  @Test
  void aJobIdCannotBeBuiltFromAnotherVersion() {
    assertThatThrownBy(() -> new JobId(UUID.randomUUID()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Ids.instantOf(UUID.randomUUID()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
