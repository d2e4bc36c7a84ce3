package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.query.JobCursor;
import dev.conveyor.core.query.JobPage;
import dev.conveyor.core.query.JobQuery;
import dev.conveyor.core.query.JobQuery.Filters;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresJobListingTest {
  /** The listing order: newest first, ties broken by id. */
  private static final Comparator<Job> NEWEST_FIRST =
      Comparator.comparing(Job::createdAt).thenComparing(j -> j.id().value()).reversed();

  private static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'jobs_'yyyy_MM");

  private static HikariDataSource db;
  private static PostgresJobStore jobs;
  private static PostgresTenantAdmin admin;

  private TenantId tenant;
  private Instant now;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    jobs = new PostgresJobStore(db);
    admin = new PostgresTenantAdmin(db);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @BeforeEach
  void tenant() {
    tenant = admin.createTenant("acme").id();
    now = Fixtures.now();
  }

  @Test
  void pagingThroughAListingReturnsEveryJobExactlyOnceNewestFirst() {
    List<Job> inserted = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      // Three jobs per millisecond: pages must break ties by id, and never skip or repeat one.
      inserted.add(inserted(tenant, now.minusMillis(i / 3)));
    }

    List<List<Job>> pages = pages(tenant, Filters.NONE, 5);

    assertThat(pages).hasSize(5);
    assertThat(pages).allSatisfy(page -> assertThat(page).hasSizeLessThanOrEqualTo(5));
    assertThat(pages.stream().flatMap(List::stream).toList())
        .containsExactlyElementsOf(inserted.stream().sorted(NEWEST_FIRST).toList());
  }

  @Test
  void theLastPageHasNoCursorEvenWhenItIsExactlyFull() {
    for (int i = 0; i < 4; i++) {
      inserted(tenant, now.minusSeconds(i));
    }

    JobPage first = jobs.list(tenant, JobQuery.firstPage(Filters.NONE, 2));
    JobPage second = jobs.list(tenant, JobQuery.firstPage(Filters.NONE, 2).next(first.next()));

    assertThat(first.jobs()).hasSize(2);
    assertThat(first.nextIfAny()).contains(JobCursor.after(first.jobs().getLast()));
    assertThat(second.jobs()).hasSize(2);
    assertThat(second.nextIfAny()).isEmpty();
  }

  @Test
  void aTenantWithNoJobsGetsAnEmptyLastPage() {
    JobPage page = jobs.list(tenant, JobQuery.firstPage(Filters.NONE, 20));

    assertThat(page.jobs()).isEmpty();
    assertThat(page.next()).isNull();
  }

  @Test
  void anotherTenantsJobsAreNeverListed() {
    TenantId stranger = admin.createTenant("stranger").id();
    Job own = inserted(tenant, now);
    Job theirs = inserted(stranger, now);
    Job theirsLater = inserted(stranger, now.plusMillis(1));

    assertThat(pages(tenant, Filters.NONE, 1).stream().flatMap(List::stream)).containsExactly(own);
    assertThat(pages(stranger, Filters.NONE, 100).getFirst()).containsExactly(theirsLater, theirs);
  }

  @Test
  void aListedJobIsTheJobAsFound() {
    Job job = inserted(tenant, now);
    jobs.claim(job.id(), now, now.plusSeconds(60));

    assertThat(jobs.list(tenant, JobQuery.firstPage(Filters.NONE, 1)).jobs())
        .containsExactly(jobs.find(job.id()).orElseThrow());
  }

  @Test
  void theStateFilterListsOnlyJobsInThatStateAcrossPages() {
    List<Job> queued = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Job job = inserted(tenant, now.minusSeconds(i));
      if (i % 2 == 0) {
        jobs.claim(job.id(), now, now.plusSeconds(60));
      } else {
        queued.add(job);
      }
    }
    Filters onlyQueued = new Filters(JobState.QUEUED, null, null, null);
    Filters onlyRunning = new Filters(JobState.RUNNING, null, null, null);

    assertThat(pages(tenant, onlyQueued, 2).stream().flatMap(List::stream))
        .containsExactlyElementsOf(queued);
    assertThat(pages(tenant, onlyRunning, 2).stream().flatMap(List::stream))
        .hasSize(3)
        .allSatisfy(j -> assertThat(j.state()).isEqualTo(JobState.RUNNING));
    assertThat(pages(tenant, new Filters(JobState.CANCELLED, null, null, null), 2))
        .singleElement()
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .isEmpty();
  }

  @Test
  void theTypeFilterListsOnlyJobsOfThatType() {
    Job image = inserted(tenant, now);
    insertRaw(tenant, "video.transcode", now.plusMillis(1));

    assertThat(
            jobs.list(
                    tenant,
                    JobQuery.firstPage(new Filters(null, JobType.IMAGE_TRANSFORM, null, null), 10))
                .jobs())
        .containsExactly(image);
  }

  @Test
  void theCreationBoundsAreExclusive() {
    Job oldest = inserted(tenant, now.minusSeconds(30));
    Job middle = inserted(tenant, now.minusSeconds(20));
    Job newest = inserted(tenant, now.minusSeconds(10));

    assertThat(list(new Filters(null, null, oldest.createdAt(), newest.createdAt())))
        .containsExactly(middle);
    assertThat(list(new Filters(null, null, oldest.createdAt(), null)))
        .containsExactly(newest, middle);
    assertThat(list(new Filters(null, null, null, newest.createdAt())))
        .containsExactly(middle, oldest);
    assertThat(list(new Filters(null, null, oldest.createdAt().minusMillis(1), null)))
        .containsExactly(newest, middle, oldest);
  }

  @Test
  void filtersCombineAndPageTogether() {
    List<Job> expected = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      Job job = inserted(tenant, now.minusSeconds(i));
      if (i % 3 == 0) {
        jobs.claim(job.id(), now, now.plusSeconds(60));
      } else if (i >= 1 && i <= 7) {
        expected.add(job);
      }
    }
    Filters filters =
        new Filters(
            JobState.QUEUED, JobType.IMAGE_TRANSFORM, now.minusSeconds(8), now.minusMillis(999));

    assertThat(pages(tenant, filters, 2).stream().flatMap(List::stream))
        .containsExactlyElementsOf(expected);
  }

  /**
   * Months of rows for several tenants, in monthly partitions: the listing with a cursor touches
   * only the partitions at or before the cursor's month (and after createdAfter's), each through
   * the tenant index, and paging through every month returns each job once.
   */
  @Test
  void aCursorPagePrunesLaterPartitionsAndWalksTheTenantIndex() throws SQLException {
    Fixtures.value(db, "select conveyor_ensure_job_partitions(3, 6)");
    YearMonth thisMonth = YearMonth.now(ZoneOffset.UTC);
    List<TenantId> others = List.of(admin.createTenant("b").id(), admin.createTenant("c").id());
    List<Job> mine = new ArrayList<>();
    for (int back = 5; back >= 0; back--) {
      YearMonth month = thisMonth.minusMonths(back);
      mine.addAll(insertMonth(tenant, month, 400));
      for (TenantId other : others) {
        insertMonth(other, month, 800);
      }
    }
    Fixtures.execute(db, "analyze jobs");
    mine.sort(NEWEST_FIRST);
    YearMonth cursorMonth = thisMonth.minusMonths(2);
    Job cursorJob =
        mine.stream()
            .filter(j -> YearMonth.from(j.createdAt().atZone(ZoneOffset.UTC)).equals(cursorMonth))
            .findFirst()
            .orElseThrow();
    JobQuery afterCursor = JobQuery.firstPage(Filters.NONE, 20).next(JobCursor.after(cursorJob));

    Plan plan = explain(tenant, afterCursor);
    System.out.println("EXPLAIN of a cursor page (cursor in " + cursorMonth + "):\n" + plan.text);

    Set<String> partitions = partitions();
    Set<String> atOrBeforeCursor =
        partitions.stream()
            .filter(p -> p.compareTo(cursorMonth.format(PARTITION)) <= 0)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(partitions)
        .as("months after the cursor exist")
        .hasSizeGreaterThan(atOrBeforeCursor.size() + 3);
    assertThat(plan.relations).containsExactlyInAnyOrderElementsOf(atOrBeforeCursor);
    assertThat(plan.nodeTypes).doesNotContain("Seq Scan", "Sort", "Bitmap Heap Scan");
    assertThat(plan.scans)
        .allSatisfy(scan -> {
          assertThat(scan.type()).isIn("Index Scan", "Index Only Scan");
          assertThat(scan.index()).isIn(tenantIndexPartitions());
        });
    assertThat(plan.nodeTypes.getFirst()).isEqualTo("Limit");

    YearMonth afterMonth = thisMonth.minusMonths(4);
    Instant createdAfter = afterMonth.atDay(2).atStartOfDay().toInstant(ZoneOffset.UTC);
    Filters bounded = new Filters(null, null, createdAfter, null);
    Plan boundedPlan =
        explain(tenant, JobQuery.firstPage(bounded, 20).next(JobCursor.after(cursorJob)));
    assertThat(boundedPlan.relations)
        .containsExactlyInAnyOrder(
            afterMonth.format(PARTITION),
            afterMonth.plusMonths(1).format(PARTITION),
            cursorMonth.format(PARTITION));

    List<List<Job>> pages = pages(tenant, Filters.NONE, 100);
    assertThat(pages).hasSize(24);
    assertThat(pages.stream().flatMap(List::stream).map(Job::id).toList())
        .containsExactlyElementsOf(mine.stream().map(Job::id).toList());
  }

  // ---- helpers ----

  private List<Job> list(Filters filters) {
    return jobs.list(tenant, JobQuery.firstPage(filters, 100)).jobs();
  }

  /** Every page of a listing, following each page's cursor. */
  private static List<List<Job>> pages(TenantId owner, Filters filters, int limit) {
    List<List<Job>> pages = new ArrayList<>();
    JobQuery query = JobQuery.firstPage(filters, limit);
    while (true) {
      JobPage page = jobs.list(owner, query);
      pages.add(page.jobs());
      if (page.next() == null) {
        return pages;
      }
      assertThat(pages).as("runaway paging").hasSizeLessThan(1000);
      query = query.next(page.next());
    }
  }

  private static Job inserted(TenantId owner, Instant createdAt) {
    Job job = Fixtures.queuedJob(owner, createdAt);
    jobs.insert(job);
    return job;
  }

  private static void insertRaw(TenantId owner, String type, Instant createdAt) {
    Fixtures.execute(
        db,
        "insert into jobs (id, tenant_id, type, tier, state, attempt, spec, created_at,"
            + " updated_at) values (?, ?, ?, 'background', 'queued', 0, '{}'::jsonb, ?, ?)",
        Ids.newV7(createdAt),
        owner.value(),
        type,
        createdAt,
        createdAt);
  }

  /** {@code count} queued jobs spread over the month, inserted in one batch. */
  private static List<Job> insertMonth(TenantId owner, YearMonth month, int count)
      throws SQLException {
    Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    long span = Duration.ofDays(month.lengthOfMonth()).toMillis();
    JsonNode spec = Json.parseTrusted("{\"source\":{\"uploadId\":\"" + UUID.randomUUID() + "\"}}");
    List<Job> batch = new ArrayList<>();
    try (Connection connection = db.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "insert into jobs (id, tenant_id, type, tier, state, attempt, spec, created_at,"
                    + " updated_at) values (?, ?, ?, ?, 'queued', 0, ?::jsonb, ?, ?)")) {
      for (int i = 0; i < count; i++) {
        Instant createdAt = start.plusMillis(span * i / count + i % 7);
        Job job = Job.queued(JobId.generate(createdAt), owner, JobType.IMAGE_TRANSFORM, spec, null);
        insert.setObject(1, job.id().value());
        insert.setObject(2, owner.value());
        insert.setString(3, job.type().wireName());
        insert.setString(4, job.tier().wireName());
        insert.setString(5, Json.write(spec));
        insert.setObject(6, createdAt.atOffset(ZoneOffset.UTC));
        insert.setObject(7, createdAt.atOffset(ZoneOffset.UTC));
        insert.addBatch();
        batch.add(job);
      }
      insert.executeBatch();
    }
    return batch;
  }

  private static Set<String> partitions() {
    return Fixtures.rows(
            db,
            "select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                + " where i.inhparent = 'jobs'::regclass")
        .stream()
        .map(r -> (String) r.get("name"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The partitions' copies of {@code jobs_tenant_created}. */
  private static Set<String> tenantIndexPartitions() {
    return Fixtures.rows(
            db,
            "select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                + " where i.inhparent = 'jobs_tenant_created'::regclass")
        .stream()
        .map(r -> (String) r.get("name"))
        .collect(Collectors.toSet());
  }

  record Scan(String type, String relation, String index) {}

  /** A plan: its text, every node type (depth first) and its scans. */
  record Plan(String text, List<String> nodeTypes, List<Scan> scans, Set<String> relations) {}

  /** EXPLAIN of the very statement the store runs, with its parameters bound. */
  private static Plan explain(TenantId owner, JobQuery query) throws SQLException {
    PostgresJobStore.Listing listing = PostgresJobStore.listing(owner, query);
    String text;
    JsonNode json;
    try (Connection connection = db.getConnection()) {
      try (PreparedStatement explain = listing.prepare(connection, "explain ");
          ResultSet rows = explain.executeQuery()) {
        StringBuilder lines = new StringBuilder();
        while (rows.next()) {
          lines.append(rows.getString(1)).append('\n');
        }
        text = lines.toString();
      }
      try (PreparedStatement explain = listing.prepare(connection, "explain (format json) ");
          ResultSet rows = explain.executeQuery()) {
        rows.next();
        json = Json.parseTrusted(rows.getString(1)).get(0).get("Plan");
      }
    }
    List<String> nodeTypes = new ArrayList<>();
    List<Scan> scans = new ArrayList<>();
    walk(json, nodeTypes, scans);
    Set<String> relations = new HashSet<>();
    scans.forEach(s -> relations.add(s.relation()));
    return new Plan(text, nodeTypes, scans, relations);
  }

  private static void walk(JsonNode node, List<String> nodeTypes, List<Scan> scans) {
    String type = node.path("Node Type").asText();
    nodeTypes.add(type);
    if (node.has("Relation Name")) {
      scans.add(
          new Scan(
              type, node.path("Relation Name").asText(), node.path("Index Name").asText(null)));
    }
    for (JsonNode child : node.path("Plans")) {
      walk(child, nodeTypes, scans);
    }
  }
}
