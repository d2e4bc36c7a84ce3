package dev.conveyor.transform;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.work.JobRunner;

/** Lambda entry point for the standard tier: image jobs, several per batch, concurrently. */
public final class TransformHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
  private final JobRunner runner;
  private final SqsBatchProcessor batch;

  public TransformHandler() {
    this(TransformFunction.instance().jobRunner(), TransformFunction.instance().batchProcessor());
  }

  public TransformHandler(JobRunner runner, SqsBatchProcessor batch) {
    this.runner = runner;
    this.batch = batch;
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    return batch.processQueueMessages(event, runner::run);
  }
}
