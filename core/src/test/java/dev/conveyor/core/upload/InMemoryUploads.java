package dev.conveyor.core.upload;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.JobQueue;
import dev.conveyor.core.port.Outbox;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.UploadStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The uploads, jobs and outbox tables in memory, with the store's guarantees: an upload leaves
 * {@code pending} once, and its recipe's job and outbox row are written with that change or not at
 * all (every method is one "transaction": synchronized). Shared by the core tests that need
 * uploads.
 */
public final class InMemoryUploads implements UploadStore {
  final Map<UUID, Upload> uploads = new LinkedHashMap<>();
  final Map<JobId, Job> jobs = new LinkedHashMap<>();
  final Outboxes outbox = new Outboxes();

  @Override
  public synchronized void create(Upload upload) {
    if (uploads.putIfAbsent(upload.id(), upload) != null) {
      throw new IllegalStateException("duplicate upload " + upload.id());
    }
  }

  @Override
  public synchronized Optional<Upload> find(TenantId tenant, UUID uploadId) {
    return Optional.ofNullable(uploads.get(uploadId)).filter(u -> u.tenantId().equals(tenant));
  }

  @Override
  public synchronized Optional<Upload> findByKey(String bucket, String key) {
    return uploads.values().stream()
        .filter(u -> u.bucket().equals(bucket) && u.key().equals(key))
        .findFirst();
  }

  @Override
  public synchronized Optional<Receipt> receive(
      String bucket, String key, long size, Instant at, Job job) {
    Optional<Upload> found = findByKey(bucket, key);
    if (found.isEmpty() || found.get().state() != Upload.State.PENDING) {
      return found.map(u -> new Receipt(u, Optional.empty()));
    }
    Upload u = found.get();
    if ((u.recipe() == null) != (job == null)) {
      throw new IllegalArgumentException("a job exactly when the upload has a recipe");
    }
    Upload received =
        new Upload(
            u.id(),
            u.tenantId(),
            u.bucket(),
            u.key(),
            u.contentType(),
            Upload.State.RECEIVED,
            size,
            u.createdAt(),
            u.expiresAt(),
            at,
            u.contentLength(),
            u.recipe(),
            job == null ? null : job.id(),
            null);
    uploads.put(u.id(), received);
    if (job == null) {
      return Optional.of(new Receipt(received, Optional.empty()));
    }
    jobs.put(job.id(), job);
    PendingMessage pending =
        outbox.add(
            job.tier(), QueueMessage.job(job.id().value(), job.tenantId(), job.correlationId()));
    return Optional.of(new Receipt(received, Optional.of(pending)));
  }

  @Override
  public synchronized Optional<Upload> reject(
      String bucket, String key, long size, Instant at, String reason) {
    Optional<Upload> found = findByKey(bucket, key);
    if (found.isEmpty() || found.get().state() != Upload.State.PENDING) {
      return found;
    }
    Upload u = found.get();
    Upload rejected =
        new Upload(
            u.id(),
            u.tenantId(),
            u.bucket(),
            u.key(),
            u.contentType(),
            Upload.State.REJECTED,
            size,
            u.createdAt(),
            u.expiresAt(),
            at,
            u.contentLength(),
            u.recipe(),
            null,
            reason);
    uploads.put(u.id(), rejected);
    return Optional.of(rejected);
  }

  /** The outbox table: rows added with their job, marked by the dispatcher. */
  static final class Outboxes implements Outbox {
    final Map<Long, Boolean> sent = new LinkedHashMap<>();
    private long nextId = 1;

    synchronized PendingMessage add(Tier tier, QueueMessage message) {
      long id = nextId++;
      sent.put(id, false);
      return new PendingMessage(id, tier, message);
    }

    @Override
    public synchronized void markSent(long outboxId) {
      if (sent.replace(outboxId, true) == null) {
        throw new IllegalArgumentException("no outbox row " + outboxId);
      }
    }
  }

  /** SQS: records sends, or fails them while {@link #failure} is set. */
  static final class RecordingQueue implements JobQueue {
    record Sent(Tier tier, QueueMessage message) {}

    final List<Sent> sent = new ArrayList<>();
    RuntimeException failure;

    @Override
    public synchronized void send(Tier tier, QueueMessage message) {
      if (failure != null) {
        throw failure;
      }
      sent.add(new Sent(tier, message));
    }
  }
}
