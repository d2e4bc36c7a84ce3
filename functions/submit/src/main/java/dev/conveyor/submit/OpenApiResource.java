package dev.conveyor.submit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code GET /v1/openapi.json}: the API's OpenAPI 3.1 description, public like any API doc. */
final class OpenApiResource {
  static final String DOCUMENT = "/openapi.json";

  private final String document;

  OpenApiResource() {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(DOCUMENT)) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the function's jar");
      }
      this.document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Route> routes() {
    return List.of(
        Route.open(
            "GET",
            "/v1/openapi.json",
            Set.of(200),
            request ->
                new HttpResponse(
                    200,
                    Map.of("content-type", "application/json", "cache-control", "max-age=300"),
                    document)));
  }
}
