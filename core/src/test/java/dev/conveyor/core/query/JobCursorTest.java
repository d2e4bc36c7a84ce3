package dev.conveyor.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.submit.ProblemException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobCursorTest {
  private static final Instant T = Instant.parse("2025-03-01T12:00:00.123Z");
  private static final JobQuery.Filters FILTERS =
      new JobQuery.Filters(
          JobState.QUEUED, JobType.IMAGE_TRANSFORM, Instant.parse("2025-01-01T00:00:00Z"), null);

  @Test
  void aCursorSurvivesItsOwnEncoding() {
    JobCursor cursor = new JobCursor(T.plusNanos(456_000), JobId.generate(T));

    assertThat(JobCursor.decode(cursor.encode(FILTERS), FILTERS)).isEqualTo(cursor);
  }

  @Test
  void theTokenIsShortUrlSafeAndUnpadded() {
    String token = new JobCursor(T, JobId.generate(T)).encode(FILTERS);

    assertThat(token).hasSize(44).matches("[A-Za-z0-9_-]+");
  }

  @Test
  void theTokenIsVersioned() {
    byte[] raw = Base64.getUrlDecoder().decode(new JobCursor(T, JobId.generate(T)).encode(FILTERS));

    assertThat(raw[0]).isEqualTo(JobCursor.VERSION);
    raw[0] = 2;
    assertInvalid(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), FILTERS);
  }

  @Test
  void instantsAreKeptToMicrosecondsAsPostgresqlKeepsThem() {
    JobCursor cursor = new JobCursor(T.plusNanos(456_789), JobId.generate(T));

    assertThat(cursor.createdAt()).isEqualTo(T.plusNanos(456_000));
  }

  @Test
  void aCursorForOtherFiltersIsRefused() {
    String token = new JobCursor(T, JobId.generate(T)).encode(FILTERS);

    for (JobQuery.Filters other :
        new JobQuery.Filters[] {
          JobQuery.Filters.NONE,
          new JobQuery.Filters(
              JobState.RUNNING, JobType.IMAGE_TRANSFORM, FILTERS.createdAfter(), null),
          new JobQuery.Filters(JobState.QUEUED, null, FILTERS.createdAfter(), null),
          new JobQuery.Filters(
              JobState.QUEUED, JobType.IMAGE_TRANSFORM, FILTERS.createdAfter().plusMillis(1), null),
          new JobQuery.Filters(JobState.QUEUED, JobType.IMAGE_TRANSFORM, FILTERS.createdAfter(), T)
        }) {
      assertInvalid(token, other);
    }
  }

  @Test
  void anythingElseIsRefused() {
    String good = new JobCursor(T, JobId.generate(T)).encode(FILTERS);
    ByteBuffer v4 = ByteBuffer.allocate(33).put((byte) 1);
    UUID random = UUID.randomUUID();
    v4.putLong(random.getMostSignificantBits()).putLong(random.getLeastSignificantBits());
    v4.putLong(0).putLong(FILTERS.fingerprint());
    for (String token :
        new String[] {
          "",
          "garbage!",
          "not base64 at all",
          good.substring(0, 40),
          good + "AA",
          good + "=",
          good.replace('-', '+').replace('_', '/'),
          Base64.getUrlEncoder().withoutPadding().encodeToString(v4.array())
        }) {
      if (!token.equals(good)) {
        assertInvalid(token, FILTERS);
      }
    }
  }

  private static void assertInvalid(String token, JobQuery.Filters filters) {
    assertThatThrownBy(() -> JobCursor.decode(token, filters))
        .as(token)
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> {
              assertThat(p.status()).isEqualTo(400);
              assertThat(p.type()).isEqualTo("invalid-cursor");
            });
  }
}
