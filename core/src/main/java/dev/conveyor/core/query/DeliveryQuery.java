package dev.conveyor.core.query;

import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One page request of an endpoint's delivery listing: newest first, keyset-paginated on {@code
 * (createdAt, id)}.
 *
 * @param limit how many deliveries the page holds at most, 1–{@value #MAX_LIMIT}
 * @param after where the previous page ended, or null for the first page
 */
public record DeliveryQuery(int limit, DeliveryCursor after) {
  public static final int DEFAULT_LIMIT = 20;

  /**
   * Lower than the job listing's: each delivery carries its attempts, each with up to 4 KiB of
   * response body, and a page must stay well inside Lambda's 6 MB response.
   */
  public static final int MAX_LIMIT = 50;

  /** The query parameters of {@code GET /v1/webhook-endpoints/{id}/deliveries}. */
  public static final Set<String> PARAMETERS = Set.of("limit", "cursor");

  public DeliveryQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1–" + MAX_LIMIT + ", got " + limit);
    }
  }

  public static DeliveryQuery firstPage(int limit) {
    return new DeliveryQuery(limit, null);
  }

  /**
   * Reads the query parameters; every invalid one is reported, named by a pointer {@code
   * /query/<name>}.
   *
   * @throws ProblemException 422 {@code validation-failed} for unknown parameters or an invalid
   *     limit; 400 {@code invalid-cursor} for a cursor that does not decode
   */
  public static DeliveryQuery fromParameters(Map<String, String> parameters) {
    List<FieldError> errors = new ArrayList<>();
    for (String name : new TreeSet<>(parameters.keySet())) {
      if (!PARAMETERS.contains(name)) {
        errors.add(
            JobQuery.error(
                name,
                "unknown parameter; expected one of "
                    + String.join(", ", new TreeSet<>(PARAMETERS))));
      }
    }
    int limit = DEFAULT_LIMIT;
    String limitText = parameters.get("limit");
    if (limitText != null) {
      limit = limitText.matches("[0-9]{1,3}") ? Integer.parseInt(limitText) : -1;
      if (limit < 1 || limit > MAX_LIMIT) {
        errors.add(JobQuery.error("limit", "an integer from 1 to " + MAX_LIMIT));
      }
    }
    if (!errors.isEmpty()) {
      throw ProblemException.unprocessable(
          errors.size() == 1
              ? "The query parameter '"
                  + errors.getFirst().pointer().substring("/query/".length())
                  + "' is not valid."
              : "The query parameters are not valid.",
          errors);
    }
    String cursor = parameters.get("cursor");
    return new DeliveryQuery(limit, cursor == null ? null : DeliveryCursor.decode(cursor));
  }
}
