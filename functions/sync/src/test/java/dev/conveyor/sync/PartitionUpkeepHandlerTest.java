package dev.conveyor.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.postgres.DatabaseException;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.adapters.testing.TestInfrastructure.Provisioned;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The partition upkeep schedule against the real (embedded) PostgreSQL, migrated by Flyway. The
 * database belongs to this test JVM, so tests may drop partitions to start from a known state.
 */
class PartitionUpkeepHandlerTest {
  private static final String SCHEDULE = "events/eventbridge/partition-upkeep-schedule.json";
  private static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'jobs_'yyyy_MM");

  private static Provisioned provisioned;
  private static Infrastructure infra;

  @BeforeAll
  static void provision() {
    provisioned = TestInfrastructure.provision();
    infra = provisioned.infra();
  }

  @AfterAll
  static void close() {
    if (provisioned != null) {
      provisioned.close();
    }
  }

  @ParameterizedTest
  @Event(value = SCHEDULE, type = ScheduledEvent.class)
  void partitionsExistFromThisMonthThroughMonthsAhead(ScheduledEvent event) {
    int monthsAhead = 5;
    YearMonth thisMonth = YearMonth.now(ZoneOffset.UTC);
    // Start with none of them (nor the month after the last one).
    dropPartitions(thisMonth, monthsAhead + 1);
    assertThat(jobPartitions()).doesNotContainAnyElementsOf(names(thisMonth, monthsAhead + 1));

    String answer = handler(monthsAhead).handleRequest(event, null);

    assertThat(answer).isEqualTo("created " + (monthsAhead + 1) + " partitions");
    assertThat(jobPartitions())
        .containsAll(names(thisMonth, monthsAhead))
        .doesNotContain(name(thisMonth.plusMonths(monthsAhead + 1)));
  }

  @ParameterizedTest
  @Event(value = SCHEDULE, type = ScheduledEvent.class)
  void runningTwiceCreatesNothingTheSecondTime(ScheduledEvent event) {
    int monthsAhead = 4;
    YearMonth thisMonth = YearMonth.now(ZoneOffset.UTC);
    dropPartitions(thisMonth.plusMonths(3), 2);
    PartitionUpkeepHandler handler = handler(monthsAhead);

    String first = handler.handleRequest(event, null);
    List<String> afterFirst = jobPartitions();
    String second = handler.handleRequest(event, null);

    assertThat(first).isEqualTo("created 2 partitions");
    assertThat(second).isEqualTo("created 0 partitions");
    assertThat(jobPartitions()).isEqualTo(afterFirst).containsAll(names(thisMonth, monthsAhead));
  }

  @ParameterizedTest
  @Event(value = SCHEDULE, type = ScheduledEvent.class)
  void aJobCreatedTwoMonthsAheadCanBeInsertedOnceTheUpkeepHasRun(ScheduledEvent event) {
    ZonedDateTime inTwoMonths = ZonedDateTime.now(ZoneOffset.UTC).plusMonths(2);
    YearMonth month = YearMonth.from(inTwoMonths);
    TenantId tenant = provisioned.tenant("acme-" + UUID.randomUUID()).tenant().id();
    dropPartitions(month, 0);
    // Without its partition, the month cannot take a job (there is no default partition).
    assertThatThrownBy(() -> infra.jobStore().insert(jobCreatedAt(tenant, inTwoMonths)))
        .isInstanceOf(DatabaseException.class)
        .satisfies(e -> assertThat(((DatabaseException) e).sqlState()).isEqualTo("23514"));

    handler(3).handleRequest(event, null);

    Job job = jobCreatedAt(tenant, inTwoMonths);
    infra.jobStore().insert(job);
    assertThat(infra.jobStore().find(job.id())).map(Job::id).contains(job.id());
    assertThat(partitionOf(job.id())).isEqualTo(name(month));
    // The partition covers the whole UTC month: its first and its last millisecond.
    ZonedDateTime first = month.atDay(1).atStartOfDay(ZoneOffset.UTC);
    ZonedDateTime last = first.plusMonths(1).minusNanos(1_000_000);
    for (ZonedDateTime edge : List.of(first, last)) {
      Job atEdge = jobCreatedAt(tenant, edge);
      infra.jobStore().insert(atEdge);
      assertThat(partitionOf(atEdge.id())).as(edge.toString()).isEqualTo(name(month));
    }
  }

  @Test
  void monthsAheadIsReadFromTheEnvironment() {
    assertThat(new SyncFunction(infra).monthsAhead()).isEqualTo(3);
    try (Infrastructure configured = infrastructureWith("JOB_PARTITIONS_AHEAD", "7")) {
      assertThat(new SyncFunction(configured).monthsAhead()).isEqualTo(7);
    }
    try (Infrastructure invalid = infrastructureWith("JOB_PARTITIONS_AHEAD", "0")) {
      assertThatThrownBy(() -> new SyncFunction(invalid))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("JOB_PARTITIONS_AHEAD");
    }
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static PartitionUpkeepHandler handler(int monthsAhead) {
    return new PartitionUpkeepHandler(new SyncFunction(infra).partitions(), monthsAhead);
  }

  private static Infrastructure infrastructureWith(String name, String value) {
    Map<String, String> env = new HashMap<>(provisioned.env());
    env.put("DB_MIGRATE", "false");
    env.put(name, value);
    return Infrastructure.fromEnvironment(Env.of(env));
  }

  private static Job jobCreatedAt(TenantId tenant, ZonedDateTime at) {
    Instant instant = at.toInstant().truncatedTo(ChronoUnit.MILLIS);
    return Job.queued(
        JobId.generate(instant),
        tenant,
        JobType.IMAGE_TRANSFORM,
        Json.parseTrusted("{\"source\":{\"uploadId\":\"" + UUID.randomUUID() + "\"}}"),
        "corr-" + UUID.randomUUID());
  }

  private static String name(YearMonth month) {
    return PARTITION.format(month.atDay(1));
  }

  /** {@code month} and the {@code monthsAfter} months after it. */
  private static List<String> names(YearMonth month, int monthsAfter) {
    return IntStream.rangeClosed(0, monthsAfter).mapToObj(i -> name(month.plusMonths(i))).toList();
  }

  private static void dropPartitions(YearMonth from, int monthsAfter) {
    try (Connection connection = infra.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      for (String partition : names(from, monthsAfter)) {
        statement.execute("drop table if exists " + partition);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The partitions attached to {@code jobs}, by name. */
  private static List<String> jobPartitions() {
    return strings(
        "select c.relname from pg_inherits i"
            + " join pg_class c on c.oid = i.inhrelid"
            + " join pg_class p on p.oid = i.inhparent"
            + " where p.relname = 'jobs' and p.relnamespace = to_regnamespace(current_schema())"
            + " order by c.relname");
  }

  private static String partitionOf(JobId id) {
    List<String> names =
        strings("select tableoid::regclass::text from jobs where id = '" + id.value() + "'::uuid");
    assertThat(names).hasSize(1);
    return names.getFirst();
  }

  private static List<String> strings(String sql) {
    try (Connection connection = infra.dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      List<String> values = new ArrayList<>();
      while (rows.next()) {
        values.add(rows.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
