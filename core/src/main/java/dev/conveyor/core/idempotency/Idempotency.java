package dev.conveyor.core.idempotency;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.submit.ProblemException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a request at most once per tenant and {@code Idempotency-Key}, as Powertools idempotency
 * does for a Lambda and Stripe for an HTTP API.
 *
 * <ul>
 *   <li>The first request with a key runs; its response is kept, with a hash of its payload, unless
 *       it is a server error or the handler throws — then the record is deleted and the client may
 *       retry with the same key. Client errors (4xx) are answers: they are kept and replayed too.
 *   <li>The same key with the same payload replays the kept response exactly, with {@value
 *       #REPLAYED_HEADER}{@code : true}, and does not run the handler.
 *   <li>The same key with another payload is refused: 422 {@code idempotency-key-reused}.
 *   <li>The same key while the first request still runs: 409 {@code idempotency-key-in-progress}
 *       with {@code Retry-After: 1}.
 *   <li>A key is 1–255 printable ASCII characters, else 400 {@code invalid-idempotency-key}.
 * </ul>
 *
 * Refusals are thrown as {@link ProblemException}s, for the HTTP edge to render.
 */
public final class Idempotency {
  /** The header a replayed response carries. */
  public static final String REPLAYED_HEADER = "idempotent-replayed";

  public static final int MAX_KEY_LENGTH = 255;

  private static final Logger LOG = LoggerFactory.getLogger(Idempotency.class);
  private static final Pattern KEY = Pattern.compile("[\\x20-\\x7E]{1," + MAX_KEY_LENGTH + "}");

  private final IdempotencyStore store;

  public Idempotency(IdempotencyStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * @param key the client's {@code Idempotency-Key}, as sent
   * @param payloadHashInput what identifies the request's payload (the HTTP edge gives method, path
   *     and body bytes); only its SHA-256 is kept
   * @param handler runs the request; a 4xx it returns is kept, a 5xx or an exception is not
   * @return the handler's response, or the kept one with {@value #REPLAYED_HEADER}{@code : true}
   * @throws ProblemException 400 for a malformed key, 422 for a key reused with another payload,
   *     409 while the key's first request is still running
   */
  public StoredResponse apply(
      TenantId tenant, String key, byte[] payloadHashInput, Supplier<StoredResponse> handler) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(handler, "handler");
    if (!isValidKey(key)) {
      throw invalidKey();
    }
    String payloadHash = payloadHash(payloadHashInput);
    return switch (store.begin(tenant, key, payloadHash)) {
      case IdempotencyStore.Completed(StoredResponse kept, String keptHash) -> {
        if (!keptHash.equals(payloadHash)) {
          throw reused();
        }
        LOG.info("idempotent replay of a {} response", kept.status());
        yield kept.withHeader(REPLAYED_HEADER, "true");
      }
      case IdempotencyStore.InProgress(String runningHash) -> {
        throw runningHash.equals(payloadHash) ? inProgress() : reused();
      }
      case IdempotencyStore.Started() -> run(tenant, key, handler);
    };
  }

  private StoredResponse run(TenantId tenant, String key, Supplier<StoredResponse> handler) {
    StoredResponse response;
    try {
      response = Objects.requireNonNull(handler.get(), "handler returned no response");
    } catch (RuntimeException | Error e) {
      release(tenant, key, e);
      throw e;
    }
    if (response.isServerError()) {
      release(tenant, key, null);
      return response;
    }
    try {
      store.complete(tenant, key, response);
    } catch (RuntimeException e) {
      // The work is done: answer it. The record stays in progress until its short expiry, after
      // which a retry runs again — the best that can be done without a record.
      LOG.error("could not keep the response for an idempotency key; it will not be replayed", e);
    }
    return response;
  }

  private void release(TenantId tenant, String key, Throwable cause) {
    try {
      store.delete(tenant, key);
    } catch (RuntimeException e) {
      if (cause != null) {
        cause.addSuppressed(e);
      } else {
        LOG.error("could not release an idempotency key; it frees itself when it expires", e);
      }
    }
  }

  /** Whether {@code key} is 1–255 printable ASCII characters (space included, not only spaces). */
  public static boolean isValidKey(String key) {
    return key != null && KEY.matcher(key).matches() && !key.isBlank();
  }

  /** The lowercase hex SHA-256 of {@code input}. */
  public static String payloadHash(byte[] input) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Objects.requireNonNull(input)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static ProblemException invalidKey() {
    return new ProblemException(
        400,
        "invalid-idempotency-key",
        "Invalid Idempotency-Key",
        "An Idempotency-Key is 1 to "
            + MAX_KEY_LENGTH
            + " printable ASCII characters (a UUID is a good choice).");
  }

  private static ProblemException reused() {
    return new ProblemException(
        422,
        "idempotency-key-reused",
        "Idempotency-Key reused",
        "This Idempotency-Key was already used with a different request; use a new key for a new"
            + " request.");
  }

  private static ProblemException inProgress() {
    return new ProblemException(
        409,
        "idempotency-key-in-progress",
        "Request in progress",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        List.of(),
        Map.of("Retry-After", "1"));
  }
}
