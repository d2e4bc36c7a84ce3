package dev.conveyor.core.query;

import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One page request of a tenant's job listing: newest first, keyset-paginated on {@code (createdAt,
 * id)}.
 *
 * @param limit how many jobs the page holds at most, 1–{@value #MAX_LIMIT}
 * @param after where the previous page ended, or null for the first page
 */
public record JobQuery(Filters filters, int limit, JobCursor after) {
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;

  /** The query parameters of {@code GET /v1/jobs}. */
  public static final Set<String> PARAMETERS =
      Set.of("state", "type", "createdAfter", "createdBefore", "limit", "cursor");

  public JobQuery {
    Objects.requireNonNull(filters, "filters");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1–" + MAX_LIMIT + ", got " + limit);
    }
  }

  /** The first page of the jobs matching {@code filters}. */
  public static JobQuery firstPage(Filters filters, int limit) {
    return new JobQuery(filters, limit, null);
  }

  /** The page after {@code cursor}, with the same filters. */
  public JobQuery next(JobCursor cursor) {
    return new JobQuery(filters, limit, Objects.requireNonNull(cursor, "cursor"));
  }

  /**
   * What a job must match to be listed; every filter is optional (null), and the bounds are
   * exclusive.
   */
  public record Filters(JobState state, JobType type, Instant createdAfter, Instant createdBefore) {
    public static final Filters NONE = new Filters(null, null, null, null);

    public Filters {
      if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
        throw new IllegalArgumentException("createdAfter must be before createdBefore");
      }
    }

    /**
     * A digest of the filters that a cursor carries, so a cursor is only ever used with the filters
     * that produced it. Instants are compared as instants ({@code +00:00} equals {@code Z}).
     */
    public long fingerprint() {
      String canonical =
          "state="
              + (state == null ? "" : state.wireName())
              + "\ntype="
              + (type == null ? "" : type.wireName())
              + "\ncreatedAfter="
              + (createdAfter == null ? "" : createdAfter.toString())
              + "\ncreatedBefore="
              + (createdBefore == null ? "" : createdBefore.toString());
      try {
        byte[] digest =
            MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < Long.BYTES; i++) {
          value = (value << 8) | (digest[i] & 0xFF);
        }
        return value;
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is always present", e);
      }
    }
  }

  /**
   * Reads the query parameters of {@code GET /v1/jobs}; every invalid one is reported, named by a
   * pointer {@code /query/<name>}.
   *
   * @throws ProblemException 422 {@code validation-failed} for unknown parameters or invalid
   *     values; 400 {@code invalid-cursor} for a cursor that does not decode or was made for other
   *     filters
   */
  public static JobQuery fromParameters(Map<String, String> parameters) {
    List<FieldError> errors = new ArrayList<>();
    for (String name : new TreeSet<>(parameters.keySet())) {
      if (!PARAMETERS.contains(name)) {
        errors.add(error(name, "unknown parameter; expected one of " + sorted(PARAMETERS)));
      }
    }
    JobState state = null;
    String stateText = parameters.get("state");
    if (stateText != null) {
      state =
          Arrays.stream(JobState.values())
              .filter(s -> s.wireName().equals(stateText))
              .findFirst()
              .orElse(null);
      if (state == null) {
        errors.add(error("state", "one of " + wireNames(JobState.values())));
      }
    }
    JobType type = null;
    String typeText = parameters.get("type");
    if (typeText != null) {
      type = JobType.fromWireName(typeText).orElse(null);
      if (type == null) {
        errors.add(
            error(
                "type",
                "one of "
                    + Arrays.stream(JobType.values())
                        .map(JobType::wireName)
                        .collect(Collectors.joining(", "))));
      }
    }
    Instant createdAfter = instant(parameters, "createdAfter", errors);
    Instant createdBefore = instant(parameters, "createdBefore", errors);
    if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
      errors.add(error("createdBefore", "must be later than createdAfter"));
    }
    int limit = DEFAULT_LIMIT;
    String limitText = parameters.get("limit");
    if (limitText != null) {
      limit = -1;
      if (limitText.matches("[0-9]{1,3}")) {
        limit = Integer.parseInt(limitText);
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        errors.add(error("limit", "an integer from 1 to " + MAX_LIMIT));
      }
    }
    if (!errors.isEmpty()) {
      throw ProblemException.unprocessable(
          errors.size() == 1
              ? "The query parameter '" + name(errors.getFirst()) + "' is not valid."
              : "The query parameters are not valid.",
          errors);
    }
    Filters filters = new Filters(state, type, createdAfter, createdBefore);
    String cursor = parameters.get("cursor");
    return new JobQuery(filters, limit, cursor == null ? null : JobCursor.decode(cursor, filters));
  }

  private static Instant instant(Map<String, String> parameters, String name, List<FieldError> e) {
    String text = parameters.get(name);
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException ex) {
      e.add(error(name, "an ISO-8601 instant, e.g. 2025-01-31T23:59:59Z"));
      return null;
    }
  }

  static FieldError error(String parameter, String detail) {
    return new FieldError("/query/" + escape(parameter), detail);
  }

  private static String name(FieldError error) {
    return error.pointer().substring("/query/".length());
  }

  /** RFC 6901: '~' and '/' in a reference token. */
  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String wireNames(JobState[] states) {
    return Arrays.stream(states).map(JobState::wireName).collect(Collectors.joining(", "));
  }

  private static String sorted(Set<String> names) {
    return String.join(", ", new TreeSet<>(names));
  }
}
