package dev.conveyor.core.submit;

import java.util.List;
import java.util.Map;

/**
 * A request the API refuses, carrying what an RFC 9457 problem document needs. Thrown by use-cases;
 * turned into {@code application/problem+json} by the HTTP edge.
 *
 * @param type a short slug; the edge turns it into a {@code type} URI
 */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String title;
  private final transient List<FieldError> errors;
  private final transient Map<String, String> headers;

  public ProblemException(
      int status,
      String type,
      String title,
      String detail,
      List<FieldError> errors,
      Map<String, String> headers) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.headers = Map.copyOf(headers);
  }

  public ProblemException(int status, String type, String title, String detail) {
    this(status, type, title, detail, List.of(), Map.of());
  }

  public static ProblemException badRequest(String detail) {
    return new ProblemException(400, "malformed-request", "Malformed request", detail);
  }

  public static ProblemException unprocessable(String detail, List<FieldError> errors) {
    return new ProblemException(
        422, "validation-failed", "The request is not valid", detail, errors, Map.of());
  }

  public static ProblemException unauthorized() {
    return new ProblemException(
        401,
        "unauthorized",
        "Unauthorized",
        "Send a valid API key as 'Authorization: Bearer <key>'.",
        List.of(),
        Map.of("WWW-Authenticate", "Bearer realm=\"conveyor\""));
  }

  public static ProblemException notFound(String detail) {
    return new ProblemException(404, "not-found", "Not found", detail);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public List<FieldError> errors() {
    return errors;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
