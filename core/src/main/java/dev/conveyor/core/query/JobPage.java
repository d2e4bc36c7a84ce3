package dev.conveyor.core.query;

import dev.conveyor.core.job.Job;
import java.util.List;
import java.util.Optional;

/**
 * One page of a job listing, newest first.
 *
 * @param next where the next page starts, or null when this is the last page
 */
public record JobPage(List<Job> jobs, JobCursor next) {
  public JobPage {
    jobs = List.copyOf(jobs);
  }

  public Optional<JobCursor> nextIfAny() {
    return Optional.ofNullable(next);
  }
}
