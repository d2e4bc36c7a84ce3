package dev.conveyor.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.webhook.DeliverWebhook;

/** Lambda entry point for the critical tier: one signed webhook attempt per message. */
public final class WebhookHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
  private final DeliverWebhook deliverWebhook;
  private final SqsBatchProcessor batch;

  public WebhookHandler() {
    this(WebhookFunction.instance().deliverWebhook(), WebhookFunction.instance().batchProcessor());
  }

  public WebhookHandler(DeliverWebhook deliverWebhook, SqsBatchProcessor batch) {
    this.deliverWebhook = deliverWebhook;
    this.batch = batch;
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    return batch.processQueueMessages(event, deliverWebhook::deliver);
  }
}
