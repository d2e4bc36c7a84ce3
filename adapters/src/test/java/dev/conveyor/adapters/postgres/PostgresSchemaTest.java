package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.TenantId;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresSchemaTest {
  private static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'jobs_'yyyy_MM");

  private static HikariDataSource db;
  private static PostgresJobStore jobs;
  private static TenantId tenant;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    jobs = new PostgresJobStore(db);
    tenant = new PostgresTenantAdmin(db).createTenant("acme").id();
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void migrationsCreatePartitionsAhead() {
    YearMonth thisMonth = YearMonth.now(ZoneOffset.UTC);

    assertThat(partitions())
        .containsExactly(
            partition(thisMonth.minusMonths(1)),
            partition(thisMonth),
            partition(thisMonth.plusMonths(1)),
            partition(thisMonth.plusMonths(2)),
            partition(thisMonth.plusMonths(3)));
  }

  @Test
  void jobsHaveNoDefaultPartition() {
    assertThat(
            Fixtures.value(
                db,
                "select count(*) from pg_partitioned_table p join pg_class c on c.oid = p.partrelid"
                    + " where c.relname = 'jobs' and p.partdefid <> 0"))
        .isEqualTo(0L);
  }

  @Test
  void aJobTwoMonthsAheadLandsInItsPartition() {
    Instant inTwoMonths =
        YearMonth.now(ZoneOffset.UTC)
            .plusMonths(2)
            .atDay(15)
            .atStartOfDay(ZoneOffset.UTC)
            .toInstant()
            .plusMillis(123);
    Job job = Fixtures.queuedJob(tenant, inTwoMonths);

    jobs.insert(job);

    assertThat(
            Fixtures.value(
                db,
                "select tableoid::regclass::text from jobs where id = ? and created_at = ?",
                job.id().value(),
                job.createdAt()))
        .isEqualTo(partition(YearMonth.now(ZoneOffset.UTC).plusMonths(2)));
    assertThat(jobs.find(job.id())).contains(job);
  }

  @Test
  void aJobOnAMonthBoundaryLandsInTheMonthItStarts() {
    YearMonth next = YearMonth.now(ZoneOffset.UTC).plusMonths(1);
    Job job = Fixtures.queuedJob(tenant, next.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());

    jobs.insert(job);

    assertThat(
            Fixtures.value(
                db, "select tableoid::regclass::text from jobs where id = ?", job.id().value()))
        .isEqualTo(partition(next));
  }

  @Test
  void aJobInAMonthWithoutAPartitionIsRefused() {
    Instant farAhead =
        YearMonth.now(ZoneOffset.UTC)
            .plusMonths(8)
            .atDay(1)
            .atStartOfDay(ZoneOffset.UTC)
            .toInstant();

    assertThatThrownBy(() -> jobs.insert(Fixtures.queuedJob(tenant, farAhead)))
        .isInstanceOf(DatabaseException.class)
        .satisfies(e -> assertThat(((DatabaseException) e).sqlState()).isEqualTo("23514"));
  }

  @Test
  void lookupsByIdReadOnePartition() {
    Job job = Fixtures.queuedJob(tenant, Fixtures.now());
    jobs.insert(job);

    List<Map<String, Object>> plan =
        Fixtures.rows(
            db,
            "explain select * from jobs where id = ? and created_at = ?",
            job.id().value(),
            job.createdAt());

    String text =
        plan.stream().map(r -> r.values().iterator().next().toString()).toList().toString();
    assertThat(text).doesNotContain("Append");
    assertThat(
            Pattern.compile("jobs_\\d{4}_\\d{2}")
                .matcher(text)
                .results()
                .map(MatchResult::group)
                .distinct())
        .containsExactly(partition(YearMonth.now(ZoneOffset.UTC)));
  }

  @Test
  void ensureJobPartitionsCreatesOnlyTheMissingMonths() {
    try (HikariDataSource own = FreshDatabase.migrated()) {
      PartitionMaintenance maintenance = new PartitionMaintenance(own);
      YearMonth thisMonth = YearMonth.now(ZoneOffset.UTC);

      assertThat(maintenance.ensureJobPartitions(PartitionMaintenance.DEFAULT_MONTHS_AHEAD))
          .isZero();
      assertThat(maintenance.ensureJobPartitions(5)).isEqualTo(2);
      assertThat(maintenance.ensureJobPartitions(5)).isZero();
      assertThat(partitions(own))
          .contains(partition(thisMonth.plusMonths(4)), partition(thisMonth.plusMonths(5)))
          .doesNotContain(partition(thisMonth.plusMonths(6)));
    }
  }

  @Test
  void partitionsFollowUtcMonthsWhateverTheSessionTimeZone() throws Exception {
    try (HikariDataSource own = FreshDatabase.migrated()) {
      try (Connection connection = own.getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("set time zone 'Pacific/Kiritimati'");
        statement.execute("select conveyor_ensure_job_partitions(6)");
        statement.execute("reset time zone");
      }
      PostgresJobStore store = new PostgresJobStore(own);
      TenantId owner = new PostgresTenantAdmin(own).createTenant("acme").id();
      YearMonth sixAhead = YearMonth.now(ZoneOffset.UTC).plusMonths(6);
      Instant monthStart = sixAhead.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
      Job first = Fixtures.queuedJob(owner, monthStart);
      Job last = Fixtures.queuedJob(owner, monthStart.minusMillis(1));

      store.insert(first);
      store.insert(last);

      String partitionOf = "select tableoid::regclass::text from jobs where id = ?";
      assertThat(Fixtures.value(own, partitionOf, first.id().value()))
          .isEqualTo(partition(sixAhead));
      assertThat(Fixtures.value(own, partitionOf, last.id().value()))
          .isEqualTo(partition(sixAhead.minusMonths(1)));
    }
  }

  @Test
  void ensureJobPartitionsRefusesANegativeHorizon() {
    assertThatThrownBy(() -> new PartitionMaintenance(db).ensureJobPartitions(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void migratingAgainChangesNothing() {
    String applied =
        "select count(*) from flyway_schema_history where success and version is not null";
    Object before = Fixtures.value(db, applied);

    Database.migrate(db);

    assertThat(Fixtures.value(db, applied)).isEqualTo(before);
    assertThat((Long) before).isGreaterThanOrEqualTo(5L);
  }

  private static List<String> partitions() {
    return partitions(db);
  }

  private static List<String> partitions(DataSource dataSource) {
    return Fixtures.rows(
            dataSource,
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                + " join pg_class p on p.oid = i.inhparent"
                + " where p.relname = 'jobs' and c.relkind = 'r' order by c.relname")
        .stream()
        .map(r -> (String) r.get("relname"))
        .toList();
  }

  private static String partition(YearMonth month) {
    return PARTITION.format(month);
  }
}
