package dev.conveyor.webhook;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.Lazy;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.webhook.DeliverWebhook;
import dev.conveyor.core.webhook.RetrySchedule;
import java.time.Duration;

/**
 * The webhook function's composition root.
 *
 * <p>Settings: {@code WEBHOOK_TIMEOUT_SECONDS} (15), {@code WEBHOOK_RETRY_SCHEDULE}
 * ("5s,5m,30m,2h,5h,10h,10h"), {@code WEBHOOK_DISABLE_AFTER_FAILING_HOURS} (120: an endpoint whose
 * every attempt failed for that long is disabled), {@code WEBHOOK_ALLOW_LOOPBACK_HTTP} (false; the
 * local stack sets it), {@code WEBHOOK_CONCURRENCY} (8), plus everything {@link Infrastructure}
 * reads.
 */
public final class WebhookFunction {
  private static final Lazy<WebhookFunction> INSTANCE =
      Lazy.of(() -> new WebhookFunction(Infrastructure.fromEnvironment(Env.system())));

  private final DeliverWebhook deliverWebhook;
  private final SqsBatchProcessor batchProcessor;

  public WebhookFunction(Infrastructure infra) {
    Env env = infra.env();
    Duration timeout = env.seconds("WEBHOOK_TIMEOUT_SECONDS", 15);
    this.deliverWebhook =
        new DeliverWebhook(
            infra.deliveryStore(),
            new HttpWebhookTransport(timeout, env.flag("WEBHOOK_ALLOW_LOOPBACK_HTTP", false)),
            infra.sealer(),
            RetrySchedule.parse(env.get("WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h")),
            infra.clock(),
            timeout.multipliedBy(2),
            Duration.ofHours(
                env.intValue("WEBHOOK_DISABLE_AFTER_FAILING_HOURS", 120, 1, 24 * 366)));
    this.batchProcessor = infra.batchProcessor(env.intValue("WEBHOOK_CONCURRENCY", 8, 1, 64));
  }

  public static WebhookFunction instance() {
    return INSTANCE.get();
  }

  public DeliverWebhook deliverWebhook() {
    return deliverWebhook;
  }

  public SqsBatchProcessor batchProcessor() {
    return batchProcessor;
  }
}
