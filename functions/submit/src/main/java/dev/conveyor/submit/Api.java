package dev.conveyor.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobPresenter;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.submit.SubmitJob;
import dev.conveyor.core.tenant.Authenticator;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.upload.CreateUpload;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP API: routing, authentication, body limits and problem details around the use-cases. It
 * knows nothing of API Gateway; {@link ApiHandler} and the local gateway both feed it requests.
 */
public final class Api {
  private static final Logger LOG = LoggerFactory.getLogger(Api.class);
  private static final Pattern JOB_PATH = Pattern.compile("/v1/jobs/([^/]+)");
  private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final String JSON = "application/json";

  private final Authenticator authenticator;
  private final SubmitJob submitJob;
  private final CreateUpload createUpload;
  private final JobStore jobs;
  private final JobPresenter presenter;
  private final int maxBodyBytes;

  public Api(
      Authenticator authenticator,
      SubmitJob submitJob,
      CreateUpload createUpload,
      JobStore jobs,
      JobPresenter presenter,
      int maxBodyBytes) {
    this.authenticator = authenticator;
    this.submitJob = submitJob;
    this.createUpload = createUpload;
    this.jobs = jobs;
    this.presenter = presenter;
    this.maxBodyBytes = maxBodyBytes;
  }

  public HttpResponse handle(HttpRequest request) {
    String correlationId = correlationId(request);
    MDC.put("correlation_id", correlationId);
    try {
      HttpResponse response = route(request, correlationId);
      Map<String, String> headers = new LinkedHashMap<>(response.headers());
      headers.put("x-correlation-id", correlationId);
      return new HttpResponse(response.status(), headers, response.body());
    } catch (ProblemException p) {
      return withCorrelation(Problems.render(p, request.path(), correlationId), correlationId);
    } catch (RuntimeException e) {
      LOG.error("unhandled error on {} {}", request.method(), request.path(), e);
      return withCorrelation(
          Problems.render(Problems.internal(), request.path(), correlationId), correlationId);
    } finally {
      MDC.remove("correlation_id");
      MDC.remove("tenant_id");
      MDC.remove("job_id");
    }
  }

  private HttpResponse route(HttpRequest request, String correlationId) {
    String path = request.path();
    String method = request.method();
    if (path.equals("/v1/jobs")) {
      requireMethod(method, "POST");
      return createJob(request, correlationId);
    }
    if (path.equals("/v1/uploads")) {
      requireMethod(method, "POST");
      return createUpload(request);
    }
    Matcher job = JOB_PATH.matcher(path);
    if (job.matches()) {
      requireMethod(method, "GET");
      return getJob(request, job.group(1));
    }
    throw ProblemException.notFound("There is no resource at " + path + ".");
  }

  private HttpResponse createJob(HttpRequest request, String correlationId) {
    Tenant tenant = authenticate(request);
    JsonNode body = jsonBody(request);
    Job job = submitJob.submit(tenant, body, correlationId);
    MDC.put("job_id", job.id().toString());
    LOG.info("job accepted: type={} tier={}", job.type().wireName(), job.tier().wireName());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", JSON);
    headers.put("location", "/v1/jobs/" + job.id());
    return new HttpResponse(202, headers, Json.write(presenter.present(job)));
  }

  private HttpResponse getJob(HttpRequest request, String idText) {
    Tenant tenant = authenticate(request);
    ProblemException notFound = ProblemException.notFound("No job " + idText + ".");
    JobId id = JobId.parse(idText).orElseThrow(() -> notFound);
    Job job = jobs.find(tenant.id(), id).orElseThrow(() -> notFound);
    return new HttpResponse(200, Map.of("content-type", JSON), Json.write(presenter.present(job)));
  }

  private HttpResponse createUpload(HttpRequest request) {
    Tenant tenant = authenticate(request);
    CreateUpload.Ticket ticket = createUpload.create(tenant, jsonBody(request));
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("id", ticket.upload().id().toString());
    body.put("method", "PUT");
    body.put("url", ticket.url().url().toString());
    ObjectNode headers = body.putObject("headers");
    ticket.url().headers().forEach(headers::put);
    body.put("expiresAt", ticket.url().expiresAt().toString());
    return new HttpResponse(201, Map.of("content-type", JSON), Json.write(body));
  }

  private Tenant authenticate(HttpRequest request) {
    Tenant tenant = authenticator.authenticate(request.header("authorization").orElse(null));
    MDC.put("tenant_id", tenant.id().toString());
    return tenant;
  }

  /** Size first (cheap), then media type, then UTF-8 and JSON well-formedness. */
  private JsonNode jsonBody(HttpRequest request) {
    if (request.body().length > maxBodyBytes) {
      throw Problems.payloadTooLarge(maxBodyBytes);
    }
    String contentType = request.header("content-type").orElse(JSON);
    if (!contentType.toLowerCase(java.util.Locale.ROOT).startsWith(JSON)) {
      throw Problems.unsupportedMediaType();
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(request.body()))
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
      throw ProblemException.badRequest(
          "The body is not well-formed JSON (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ").");
    }
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw Problems.methodNotAllowed(allowed);
    }
  }

  private static String correlationId(HttpRequest request) {
    return request
        .header("x-correlation-id")
        .filter(id -> CORRELATION_ID.matcher(id).matches())
        .or(() -> java.util.Optional.ofNullable(request.requestId()).filter(id -> !id.isBlank()))
        .orElseGet(() -> UUID.randomUUID().toString());
  }

  private static HttpResponse withCorrelation(HttpResponse response, String correlationId) {
    Map<String, String> headers = new LinkedHashMap<>(response.headers());
    headers.put("x-correlation-id", correlationId);
    return new HttpResponse(response.status(), headers, response.body());
  }
}
