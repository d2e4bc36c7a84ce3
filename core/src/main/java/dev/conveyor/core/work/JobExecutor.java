package dev.conveyor.core.work;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.Job;

/** Does the work of one job type. */
public interface JobExecutor {
  /**
   * Runs the claimed job and returns its result. Outputs must go to keys derived from the job, so
   * that a retry overwrites rather than duplicates.
   *
   * @throws PermanentJobFailure when retrying cannot help; any other exception is transient
   */
  JsonNode execute(Job job);
}
