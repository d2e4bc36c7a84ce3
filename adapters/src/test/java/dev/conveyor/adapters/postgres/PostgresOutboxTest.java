package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.PendingMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresOutboxTest {
  private static HikariDataSource db;
  private static PostgresOutbox outbox;
  private static PostgresJobStore jobs;
  private static TenantId tenant;

  @BeforeAll
  static void database() {
    db = FreshDatabase.migrated();
    outbox = new PostgresOutbox(db);
    jobs = new PostgresJobStore(db);
    tenant = new PostgresTenantAdmin(db).createTenant("acme").id();
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aSentRowIsMarkedOnceAndLeavesTheRelaysList() {
    Instant now = Fixtures.now();
    PendingMessage sent = jobs.insert(Fixtures.queuedJob(tenant, now));
    PendingMessage unsent = jobs.insert(Fixtures.queuedJob(tenant, now));

    outbox.markSent(sent.outboxId());
    Object sentAt = Fixtures.value(db, "select sent_at from outbox where id = ?", sent.outboxId());
    outbox.markSent(sent.outboxId());

    assertThat(sentAt).isNotNull();
    assertThat(Fixtures.value(db, "select sent_at from outbox where id = ?", sent.outboxId()))
        .as("marking again keeps the first time")
        .isEqualTo(sentAt);
    assertThat(outbox.unsent(now.plusSeconds(1), 100))
        .extracting(PendingMessage::outboxId)
        .contains(unsent.outboxId())
        .doesNotContain(sent.outboxId());
  }

  @Test
  void rowsMarkedByConcurrentRequestsAreAllMarked() throws Exception {
    Instant now = Fixtures.now();
    List<PendingMessage> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rows.add(jobs.insert(Fixtures.queuedJob(tenant, now)));
    }

    try (ExecutorService requests = Executors.newFixedThreadPool(8)) {
      List<Future<?>> marks = new ArrayList<>();
      rows.forEach(row -> marks.add(requests.submit(() -> outbox.markSent(row.outboxId()))));
      for (Future<?> mark : marks) {
        mark.get(30, TimeUnit.SECONDS);
      }
    }

    assertThat(outbox.unsent(now.plusSeconds(1), 1000))
        .extracting(PendingMessage::outboxId)
        .doesNotContainAnyElementsOf(rows.stream().map(PendingMessage::outboxId).toList());
  }

  @Test
  void theRelayGetsTheOldestUnsentRowsFirstAndLeavesRecentOnesToTheirWriter() {
    Instant old = Fixtures.now().minusSeconds(60);
    PendingMessage first = jobs.insert(Fixtures.queuedJob(tenant, old));
    PendingMessage second = jobs.insert(Fixtures.queuedJob(tenant, old.plusMillis(1)));
    PendingMessage recent = jobs.insert(Fixtures.queuedJob(tenant, Fixtures.now()));

    List<PendingMessage> pending = outbox.unsent(old.plusSeconds(30), 2);

    assertThat(pending).containsExactly(first, second);
    assertThat(outbox.unsent(old.plusSeconds(30), 100)).doesNotContain(recent);
  }

  @Test
  void theRelayAsksForAtLeastOneRow() {
    assertThatThrownBy(() -> outbox.unsent(Fixtures.now(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
