package dev.conveyor.submit;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.Lazy;
import dev.conveyor.adapters.aws.DynamoDbIdempotencyStore;
import dev.conveyor.adapters.aws.DynamoDbTokenBuckets;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.idempotency.Idempotency;
import dev.conveyor.core.submit.CancelJob;
import dev.conveyor.core.submit.SubmitJob;
import dev.conveyor.core.tenant.Authenticator;
import dev.conveyor.core.tenant.CachingTenantDirectory;
import dev.conveyor.core.upload.CreateUpload;
import dev.conveyor.core.upload.RecordUpload;
import dev.conveyor.core.webhook.DeliveryLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The submit function's composition root: every collaborator is built here, once per container.
 *
 * <p>Settings: {@code TENANT_CACHE_SECONDS} (30: how long a revoked key may still work in a warm
 * container), {@code TENANT_NEGATIVE_CACHE_SECONDS} (5), {@code UPLOADS_BUCKET} (required), {@code
 * UPLOAD_URL_TTL_SECONDS} (900), {@code MAX_REQUEST_BYTES} (65536), the idempotency settings of
 * {@link #idempotencyFilter}, plus everything {@link Infrastructure} reads.
 */
public final class SubmitFunction {
  private static final Lazy<SubmitFunction> INSTANCE =
      Lazy.of(() -> new SubmitFunction(Infrastructure.fromEnvironment(Env.system())));

  private final Api api;
  private final RecordUpload recordUpload;
  private final SqsBatchProcessor batchProcessor;

  public SubmitFunction(Infrastructure infra) {
    Env env = infra.env();
    SubmitJob submitJob =
        new SubmitJob(
            infra.jobStore(),
            infra.uploadStore(),
            infra.blobStore(),
            infra.outboxDispatcher(),
            infra.clock());
    long maxUploadBytes =
        env.longValue("MAX_UPLOAD_BYTES", CreateUpload.DEFAULT_MAX_UPLOAD_BYTES, 1, 5L << 30);
    CreateUpload createUpload =
        new CreateUpload(
            infra.uploadStore(),
            infra.blobStore(),
            env.require("UPLOADS_BUCKET"),
            env.seconds("UPLOAD_URL_TTL_SECONDS", 900),
            maxUploadBytes,
            infra.clock());
    List<Route> routes = new ArrayList<>();
    CancelJob cancelJob =
        new CancelJob(infra.jobStore(), infra.jobEvents(), infra.outboxDispatcher(), infra.clock());
    routes.addAll(
        new JobsResource(submitJob, cancelJob, infra.jobStore(), infra.jobPresenter()).routes());
    routes.addAll(new UploadsResource(createUpload).routes());
    routes.addAll(WebhookEndpointsResource.from(infra).routes());
    routes.addAll(
        new DeliveriesResource(
                new DeliveryLog(
                    infra.deliveryStore(),
                    infra.jobStore(),
                    infra.webhookEndpointStore(),
                    infra.outboxDispatcher(),
                    infra.clock()))
            .routes());
    routes.addAll(new OpenApiResource().routes());
    this.api =
        new Api(
            new Authenticator(
                new CachingTenantDirectory(
                    infra.tenantDirectory(),
                    env.seconds("TENANT_CACHE_SECONDS", 30),
                    env.seconds("TENANT_NEGATIVE_CACHE_SECONDS", 5),
                    10_000,
                    infra.clock())),
            routes,
            env.intValue("MAX_REQUEST_BYTES", 64 * 1024, 1024, 6 * 1024 * 1024),
            idempotencyFilter(infra),
            RouteLimits.fromEnvironment(
                new DynamoDbTokenBuckets(
                    infra.aws().dynamoDb(), env.require("API_STATE_TABLE"), infra.clock()),
                env,
                infra.clock()));
    this.recordUpload =
        new RecordUpload(
            infra.uploadStore(), infra.outboxDispatcher(), maxUploadBytes, infra.clock());
    this.batchProcessor = infra.batchProcessor(env.intValue("UPLOAD_EVENT_CONCURRENCY", 4, 1, 32));
  }

  /**
   * {@code Idempotency-Key} records in {@code API_STATE_TABLE} (required), replayed for {@code
   * IDEMPOTENCY_TTL_HOURS} (24, 1–720); a request holds its key for {@code
   * IDEMPOTENCY_IN_PROGRESS_SECONDS} (60, 31–900: longer than the API's 30 s timeout) at most.
   */
  private static IdempotencyFilter idempotencyFilter(Infrastructure infra) {
    Env env = infra.env();
    return new IdempotencyFilter(
        new Idempotency(
            new DynamoDbIdempotencyStore(
                infra.aws().dynamoDb(),
                env.require("API_STATE_TABLE"),
                infra.clock(),
                Duration.ofHours(env.intValue("IDEMPOTENCY_TTL_HOURS", 24, 1, 720)),
                Duration.ofSeconds(env.intValue("IDEMPOTENCY_IN_PROGRESS_SECONDS", 60, 31, 900)))));
  }

  /** The container-wide instance, built from the environment on first use. */
  public static SubmitFunction instance() {
    return INSTANCE.get();
  }

  public Api api() {
    return api;
  }

  public RecordUpload recordUpload() {
    return recordUpload;
  }

  public SqsBatchProcessor batchProcessor() {
    return batchProcessor;
  }
}
