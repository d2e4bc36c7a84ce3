package dev.conveyor.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/** A routed, authenticated request: what a resource's handler works with. */
final class ApiRequest {
  private static final String JSON = "application/json";

  private final HttpRequest http;
  private final Tenant tenant;
  private final Map<String, String> params;
  private final String correlationId;
  private final int maxBodyBytes;

  ApiRequest(
      HttpRequest http,
      Tenant tenant,
      Map<String, String> params,
      String correlationId,
      int maxBodyBytes) {
    this.http = http;
    this.tenant = tenant;
    this.params = Map.copyOf(params);
    this.correlationId = correlationId;
    this.maxBodyBytes = maxBodyBytes;
  }

  HttpRequest http() {
    return http;
  }

  Tenant tenant() {
    return tenant;
  }

  String param(String name) {
    return params.get(name);
  }

  String correlationId() {
    return correlationId;
  }

  /**
   * The body as JSON, checked in order of cost: size, media type, UTF-8, well-formedness.
   *
   * @throws ProblemException 413, 415 or 400
   */
  JsonNode json() {
    byte[] body = http.body();
    if (body.length > maxBodyBytes) {
      throw Problems.payloadTooLarge(maxBodyBytes);
    }
    String contentType = http.header("content-type").orElse(JSON);
    if (!contentType.toLowerCase(Locale.ROOT).startsWith(JSON)) {
      throw Problems.unsupportedMediaType();
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw ProblemException.badRequest("The body is not valid UTF-8.");
    }
    if (text.isBlank()) {
      throw ProblemException.badRequest("The body is empty; send a JSON object.");
    }
    try {
      return Json.parse(text);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw ProblemException.badRequest("The body is not well-formed JSON" + where + ".");
    }
  }
}
