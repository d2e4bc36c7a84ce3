package dev.conveyor.submit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.upload.CreateUpload;
import java.util.List;

/** {@code /v1/uploads}: presigned URLs for files that go straight to S3. */
final class UploadsResource {
  private final CreateUpload createUpload;

  UploadsResource(CreateUpload createUpload) {
    this.createUpload = createUpload;
  }

  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/uploads", Route.RouteClass.UPLOADS, this::create).answers(201, 422));
  }

  private HttpResponse create(ApiRequest request) {
    CreateUpload.Ticket ticket = createUpload.create(request.tenant(), request.json());
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("id", ticket.upload().id().toString());
    body.put("method", "PUT");
    body.put("url", ticket.url().url().toString());
    ObjectNode headers = body.putObject("headers");
    ticket.url().headers().forEach(headers::put);
    body.put("expiresAt", ticket.url().expiresAt().toString());
    return Api.json(201, body);
  }
}
