package dev.conveyor.submit;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobPresenter;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.submit.SubmitJob;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** {@code /v1/jobs}: submit and read jobs. */
final class JobsResource {
  private static final Logger LOG = LoggerFactory.getLogger(JobsResource.class);

  private final SubmitJob submitJob;
  private final JobStore jobs;
  private final JobPresenter presenter;

  JobsResource(SubmitJob submitJob, JobStore jobs, JobPresenter presenter) {
    this.submitJob = submitJob;
    this.jobs = jobs;
    this.presenter = presenter;
  }

  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/jobs", Route.RouteClass.WRITES, this::create),
        new Route("GET", "/v1/jobs/{id}", Route.RouteClass.READS, this::get));
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
}
