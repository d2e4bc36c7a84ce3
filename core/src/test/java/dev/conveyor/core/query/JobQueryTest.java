package dev.conveyor.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobQueryTest {
  private static final Instant T = Instant.parse("2025-03-01T12:00:00.123Z");

  @Test
  void noParametersIsTheFirstPageOfEveryJobTwentyAtATime() {
    JobQuery query = JobQuery.fromParameters(Map.of());

    assertThat(query.filters()).isEqualTo(JobQuery.Filters.NONE);
    assertThat(query.limit()).isEqualTo(20);
    assertThat(query.after()).isNull();
  }

  @Test
  void everyFilterIsRead() {
    JobQuery query =
        JobQuery.fromParameters(
            Map.of(
                "state", "queued",
                "type", "image.transform",
                "createdAfter", "2025-01-01T00:00:00Z",
                "createdBefore", "2025-02-01T01:00:00+01:00",
                "limit", "100"));

    assertThat(query.filters())
        .isEqualTo(
            new JobQuery.Filters(
                JobState.QUEUED,
                JobType.IMAGE_TRANSFORM,
                Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2025-02-01T00:00:00Z")));
    assertThat(query.limit()).isEqualTo(100);
  }

  @Test
  void everyInvalidParameterIsNamedByAQueryPointer() {
    ProblemException problem =
        problemOf(
            Map.of(
                "state", "done",
                "type", "video.transcode",
                "createdAfter", "yesterday",
                "createdBefore", "2025-13-01T00:00:00Z",
                "limit", "0",
                "status", "queued"));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.type()).isEqualTo("validation-failed");
    assertThat(problem.errors())
        .extracting(FieldError::pointer)
        .containsExactlyInAnyOrder(
            "/query/state",
            "/query/type",
            "/query/createdAfter",
            "/query/createdBefore",
            "/query/limit",
            "/query/status");
    assertThat(problem.errors())
        .filteredOn(e -> e.pointer().equals("/query/state"))
        .singleElement()
        .extracting(FieldError::detail)
        .asString()
        .contains("queued", "running", "succeeded", "failed", "cancelled");
  }

  @Test
  void aLimitOutside1To100OrNotANumberIsRefused() {
    for (String limit : new String[] {"0", "101", "-1", "1e2", "twenty", "", " 5", "99999999999"}) {
      assertThat(problemOf(Map.of("limit", limit)).errors())
          .as(limit)
          .containsExactly(new FieldError("/query/limit", "an integer from 1 to 100"));
    }
    assertThat(JobQuery.fromParameters(Map.of("limit", "1")).limit()).isEqualTo(1);
  }

  @Test
  void wireNamesAreExactSoCapitalisedStatesAreRefused() {
    assertThat(problemOf(Map.of("state", "QUEUED")).errors())
        .extracting(FieldError::pointer)
        .containsExactly("/query/state");
  }

  @Test
  void anEmptyOrReversedTimeRangeIsRefusedAtCreatedBefore() {
    for (String before : new String[] {"2025-01-01T00:00:00Z", "2024-12-31T00:00:00Z"}) {
      assertThat(
              problemOf(Map.of("createdAfter", "2025-01-01T00:00:00Z", "createdBefore", before))
                  .errors())
          .extracting(FieldError::pointer)
          .containsExactly("/query/createdBefore");
    }
  }

  @Test
  void aCursorIsReadWithTheFiltersItWasMadeFor() {
    JobQuery.Filters filters = new JobQuery.Filters(JobState.FAILED, null, null, null);
    JobCursor cursor = new JobCursor(T, JobId.generate(T));

    JobQuery query =
        JobQuery.fromParameters(
            Map.of("state", "failed", "limit", "5", "cursor", cursor.encode(filters)));

    assertThat(query.after()).isEqualTo(cursor);
    assertThat(query.limit()).as("the limit may change between pages").isEqualTo(5);
  }

  @Test
  void aCursorUsedWithOtherFiltersIs400InvalidCursor() {
    JobCursor cursor = new JobCursor(T, JobId.generate(T));
    String token = cursor.encode(new JobQuery.Filters(JobState.FAILED, null, null, null));

    ProblemException problem = problemOf(Map.of("state", "queued", "cursor", token));

    assertThat(problem.status()).isEqualTo(400);
    assertThat(problem.type()).isEqualTo("invalid-cursor");
    assertThat(problem.detail()).contains("other filters");
    assertThat(problem.errors()).extracting(FieldError::pointer).containsExactly("/query/cursor");
  }

  @Test
  void invalidFiltersAreReportedBeforeTheCursorIsLookedAt() {
    ProblemException problem = problemOf(Map.of("state", "nope", "cursor", "garbage"));

    assertThat(problem.status()).isEqualTo(422);
  }

  private static ProblemException problemOf(Map<String, String> parameters) {
    try {
      JobQuery.fromParameters(parameters);
    } catch (ProblemException e) {
      return e;
    }
    throw new AssertionError("expected a ProblemException for " + parameters);
  }

  @Test
  void theQueryRecordRefusesALimitOutsideItsRange() {
    assertThatThrownBy(() -> JobQuery.firstPage(JobQuery.Filters.NONE, 101))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JobQuery.firstPage(JobQuery.Filters.NONE, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
