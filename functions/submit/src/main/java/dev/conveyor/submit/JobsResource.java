package dev.conveyor.submit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobPresenter;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.query.JobPage;
import dev.conveyor.core.query.JobQuery;
import dev.conveyor.core.submit.CancelJob;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.submit.SubmitJob;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** {@code /v1/jobs}: submit, list, read and cancel jobs. */
final class JobsResource {
  private static final Logger LOG = LoggerFactory.getLogger(JobsResource.class);

  private final SubmitJob submitJob;
  private final CancelJob cancelJob;
  private final JobStore jobs;
  private final JobPresenter presenter;

  JobsResource(SubmitJob submitJob, CancelJob cancelJob, JobStore jobs, JobPresenter presenter) {
    this.submitJob = submitJob;
    this.cancelJob = cancelJob;
    this.jobs = jobs;
    this.presenter = presenter;
  }

  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/jobs", Route.RouteClass.WRITES, this::create).answers(202, 422),
        new Route("GET", "/v1/jobs", Route.RouteClass.READS, this::list).answers(200, 400, 422),
        new Route("GET", "/v1/jobs/{id}", Route.RouteClass.READS, this::get).answers(200, 404),
        new Route("DELETE", "/v1/jobs/{id}", Route.RouteClass.WRITES, this::cancel)
            .answers(200, 404, 409));
  }

  private HttpResponse create(ApiRequest request) {
    Job job = submitJob.submit(request.tenant(), request.json(), request.correlationId());
    MDC.put("job_id", job.id().toString());
    LOG.info("job accepted: type={} tier={}", job.type().wireName(), job.tier().wireName());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", Api.JSON);
    headers.put("location", "/v1/jobs/" + job.id());
    return new HttpResponse(202, headers, Json.write(presenter.present(job)));
  }

  private HttpResponse get(ApiRequest request) {
    String idText = request.param("id");
    ProblemException notFound = ProblemException.notFound("No job " + idText + ".");
    JobId id = JobId.parse(idText).orElseThrow(() -> notFound);
    Job job = jobs.find(request.tenant().id(), id).orElseThrow(() -> notFound);
    return Api.json(200, presenter.present(job));
  }

  /**
   * {@code GET /v1/jobs?state=&type=&createdAfter=&createdBefore=&limit=&cursor=}: the tenant's
   * jobs, newest first, {@code {"data": [...], "nextCursor": "..." | null}}.
   */
  private HttpResponse list(ApiRequest request) {
    JobQuery query = JobQuery.fromParameters(request.http().query());
    JobPage page = jobs.list(request.tenant().id(), query);
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode data = body.putArray("data");
    page.jobs().forEach(job -> data.add(presenter.present(job)));
    if (page.next() == null) {
      body.putNull("nextCursor");
    } else {
      body.put("nextCursor", page.next().encode(query.filters()));
    }
    return Api.json(200, body);
  }

  /** {@code DELETE /v1/jobs/{id}}: cancels a queued job; 200 with the cancelled job. */
  private HttpResponse cancel(ApiRequest request) {
    String idText = request.param("id");
    JobId id =
        JobId.parse(idText).orElseThrow(() -> ProblemException.notFound("No job " + idText + "."));
    MDC.put("job_id", id.toString());
    Job cancelled = cancelJob.cancel(request.tenant().id(), id);
    return Api.json(200, presenter.present(cancelled));
  }
}
