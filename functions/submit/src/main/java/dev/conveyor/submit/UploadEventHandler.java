package dev.conveyor.submit;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.upload.RecordUpload;
import dev.conveyor.core.work.WorkOutcome;

/** Lambda entry point for S3 "object created" notifications on the uploads bucket, via SQS. */
public final class UploadEventHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
  private final RecordUpload recordUpload;
  private final SqsBatchProcessor batch;

  public UploadEventHandler() {
    this(SubmitFunction.instance().recordUpload(), SubmitFunction.instance().batchProcessor());
  }

  public UploadEventHandler(RecordUpload recordUpload, SqsBatchProcessor batch) {
    this.recordUpload = recordUpload;
    this.batch = batch;
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    return batch.process(
        event,
        message -> {
          for (S3Notifications.ObjectCreated created :
              S3Notifications.objectsCreated(message.getBody())) {
            recordUpload.objectCreated(
                created.bucket(), created.key(), created.size(), created.eventTime());
          }
          return WorkOutcome.done();
        });
  }
}
