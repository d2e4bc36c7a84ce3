package dev.conveyor.core.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.WebhookEvent;
import java.time.Instant;

/** Builds the webhook event announcing that a job ended. */
public final class JobEvents {
  public static final String SUCCEEDED = "job.succeeded";
  public static final String FAILED = "job.failed";
  public static final String CANCELLED = "job.cancelled";

  private final JobPresenter presenter;

  public JobEvents(JobPresenter presenter) {
    this.presenter = presenter;
  }

  /**
   * @param finished the job in its terminal state
   */
  public WebhookEvent ended(Job finished, Instant at) {
    String type =
        switch (finished.state()) {
          case SUCCEEDED -> SUCCEEDED;
          case FAILED -> FAILED;
          case CANCELLED -> CANCELLED;
          default -> throw new IllegalArgumentException("job has not ended: " + finished.state());
        };
    ObjectNode event = Json.MAPPER.createObjectNode();
    event.put("type", type);
    event.put("timestamp", at.toString());
    event.set("data", presenter.present(finished));
    return new WebhookEvent(type, Json.write(event));
  }
}
