package dev.conveyor.submit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Renders RFC 9457 problem details ({@code application/problem+json}). */
final class Problems {
  static final String CONTENT_TYPE = "application/problem+json";
  private static final String TYPE_BASE = "https://conveyor.dev/problems/";

  private Problems() {}

  static HttpResponse render(ProblemException p, String instance, String correlationId) {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("type", TYPE_BASE + p.type());
    doc.put("title", p.title());
    doc.put("status", p.status());
    if (p.detail() != null) {
      doc.put("detail", p.detail());
    }
    doc.put("instance", instance);
    if (!p.errors().isEmpty()) {
      ArrayNode errors = doc.putArray("errors");
      for (FieldError e : p.errors()) {
        errors.addObject().put("pointer", e.pointer()).put("detail", e.detail());
      }
    }
    doc.put("correlationId", correlationId);
    Map<String, String> headers = new LinkedHashMap<>(p.headers());
    headers.put("content-type", CONTENT_TYPE);
    return new HttpResponse(p.status(), headers, Json.write(doc));
  }

  static ProblemException payloadTooLarge(int limit) {
    return new ProblemException(
        413,
        "payload-too-large",
        "Payload too large",
        "Request bodies are limited to "
            + limit
            + " bytes; send files through POST /v1/uploads instead.");
  }

  static ProblemException methodNotAllowed(String allow) {
    return new ProblemException(
        405,
        "method-not-allowed",
        "Method not allowed",
        "This resource allows " + allow + ".",
        java.util.List.of(),
        Map.of("Allow", allow));
  }

  static ProblemException unsupportedMediaType() {
    return new ProblemException(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "Send the body as application/json.");
  }

  static ProblemException internal() {
    return new ProblemException(
        500,
        "internal",
        "Internal error",
        "Something failed on our side; the request may be retried with the same Idempotency-Key.");
  }
}
