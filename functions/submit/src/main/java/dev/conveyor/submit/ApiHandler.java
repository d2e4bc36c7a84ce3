package dev.conveyor.submit;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.conveyor.core.submit.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Lambda entry point for the HTTP API (API Gateway HTTP API, payload format 2.0). */
public final class ApiHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final Api api;

  /** Used by Lambda: wires everything from the environment, once per container. */
  public ApiHandler() {
    this(SubmitFunction.instance().api());
  }

  public ApiHandler(Api api) {
    this.api = api;
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    HttpResponse response;
    try {
      response = api.handle(toRequest(event));
    } catch (IllegalArgumentException e) {
      // A body flagged base64 that is not base64: the client's mistake, never a 500.
      response =
          Problems.render(
              ProblemException.badRequest("The body is not valid base64."),
              event.getRawPath(),
              event.getRequestContext().getRequestId());
    }
    return APIGatewayV2HTTPResponse.builder()
        .withStatusCode(response.status())
        .withHeaders(response.headers())
        .withBody(response.body())
        .withIsBase64Encoded(false)
        .build();
  }

  static HttpRequest toRequest(APIGatewayV2HTTPEvent event) {
    var http = event.getRequestContext().getHttp();
    byte[] body = new byte[0];
    if (event.getBody() != null) {
      body =
          event.getIsBase64Encoded()
              ? Base64.getDecoder().decode(event.getBody())
              : event.getBody().getBytes(StandardCharsets.UTF_8);
    }
    Map<String, String> headers = event.getHeaders() == null ? Map.of() : event.getHeaders();
    // API Gateway has decoded them already, and joined a repeated parameter's values with commas.
    Map<String, String> query =
        event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters();
    return new HttpRequest(
        http.getMethod(),
        http.getPath(),
        headers,
        body,
        event.getRequestContext().getRequestId(),
        query);
  }
}
