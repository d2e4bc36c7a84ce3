package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryScheduleTest {
  private static final List<Duration> SVIX =
      List.of(
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofHours(2),
          Duration.ofHours(5),
          Duration.ofHours(10),
          Duration.ofHours(10));

  @Test
  void theDefaultIsFiveSecondsFiveMinutesThirtyMinutesTwoFiveTenAndTenHours() {
    assertThat(RetrySchedule.DEFAULT.delays()).isEqualTo(SVIX);
  }

  @Test
  void eachDelayIsWithinTenPercentOfItsStep() {
    for (int attempt = 1; attempt <= SVIX.size(); attempt++) {
      Duration base = SVIX.get(attempt - 1);
      for (int i = 0; i < 500; i++) {
        assertThat(RetrySchedule.DEFAULT.after(attempt))
            .as("after attempt %d", attempt)
            .hasValueSatisfying(d ->
                assertThat(d)
                    .isBetween(
                        base.multipliedBy(9).dividedBy(10), base.multipliedBy(11).dividedBy(10)));
      }
    }
  }

  @Test
  void theJitterSpreadsRetriesOfOneOutage() {
    Set<Duration> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      seen.add(RetrySchedule.DEFAULT.after(2).orElseThrow());
    }

    assertThat(seen).hasSizeGreaterThan(50);
  }

  @Test
  void afterTheLastStepThereIsNoFurtherAttempt() {
    assertThat(RetrySchedule.DEFAULT.after(7)).isPresent();
    assertThat(RetrySchedule.DEFAULT.after(8)).isEmpty();
    assertThat(RetrySchedule.DEFAULT.after(100)).isEmpty();
  }

  @Test
  void attemptsAreOneBased() {
    assertThat(RetrySchedule.DEFAULT.after(0)).isEmpty();
    assertThat(RetrySchedule.DEFAULT.after(-1)).isEmpty();
  }

  @Test
  void anEmptyScheduleNeverRetries() {
    assertThat(new RetrySchedule(List.of()).after(1)).isEmpty();
  }

  @Test
  void theSettingParsesSecondsMinutesAndHours() {
    assertThat(RetrySchedule.parse("5s,5m,30m,2h").delays())
        .containsExactly(
            Duration.ofSeconds(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(30),
            Duration.ofHours(2));
  }

  @Test
  void theDocumentedDefaultSettingParsesToTheDefaultSchedule() {
    assertThat(RetrySchedule.parse("5s,5m,30m,2h,5h,10h,10h")).isEqualTo(RetrySchedule.DEFAULT);
  }

  @Test
  void spacesAndEmptyEntriesAreIgnored() {
    assertThat(RetrySchedule.parse(" 1s , ,2m,, 3h ").delays())
        .containsExactly(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofHours(3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"5d", "5", "s", "5S", "five minutes", "5s,10x"})
  void aMalformedSettingIsRefused(String setting) {
    assertThatThrownBy(() -> RetrySchedule.parse(setting))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theScheduleKeepsItsOwnCopyOfTheDelays() {
    List<Duration> delays = new ArrayList<>(List.of(Duration.ofSeconds(1)));
    RetrySchedule schedule = new RetrySchedule(delays);
    delays.add(Duration.ofSeconds(2));

    assertThat(schedule.delays()).containsExactly(Duration.ofSeconds(1));
    assertThat(schedule.after(2)).isEmpty();
  }
}
