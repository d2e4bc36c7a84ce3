package dev.conveyor.core.idempotency;

import dev.conveyor.core.job.TenantId;
import java.util.Objects;

/**
 * Idempotency records, one per tenant and key, with the semantics of Powertools idempotency: a
 * record is first {@code INPROGRESS} (it expires after a short in-progress window, so a request
 * that crashed never blocks its key for good), then {@code COMPLETED} with the first response until
 * the record's time to live runs out. An expired record counts as absent everywhere, whether or not
 * the backing store has deleted it yet.
 *
 * <p>Keys are scoped per tenant: two tenants using the same key never see each other's records.
 */
public interface IdempotencyStore {

  /**
   * Atomically claims the key: creates an {@code INPROGRESS} record holding {@code payloadHash}
   * when there is no record or only an expired one; otherwise reports the live record. Of several
   * concurrent calls for one absent key, exactly one gets {@link Started}.
   */
  Begin begin(TenantId tenant, String key, String payloadHash);

  /**
   * Turns this caller's {@code INPROGRESS} record into a {@code COMPLETED} one holding {@code
   * response}, living for the store's time to live from now. Does nothing when the record is no
   * longer in progress (it expired and was taken over, or was already completed).
   */
  void complete(TenantId tenant, String key, StoredResponse response);

  /**
   * Removes an {@code INPROGRESS} record, so the key may be used again at once (the request failed
   * and may be retried). A completed record is left alone: it is an answer.
   */
  void delete(TenantId tenant, String key);

  /** What {@link #begin} found. */
  sealed interface Begin permits Started, InProgress, Completed {}

  /** The caller now holds the key: run the request, then complete or delete the record. */
  record Started() implements Begin {}

  /** Another request with this key is still running (and its in-progress window is open). */
  record InProgress(String payloadHash) implements Begin {
    public InProgress {
      Objects.requireNonNull(payloadHash, "payloadHash");
    }
  }

  /** The key was used before and answered: replay {@code response}. */
  record Completed(StoredResponse response, String payloadHash) implements Begin {
    public Completed {
      Objects.requireNonNull(response, "response");
      Objects.requireNonNull(payloadHash, "payloadHash");
    }
  }
}
