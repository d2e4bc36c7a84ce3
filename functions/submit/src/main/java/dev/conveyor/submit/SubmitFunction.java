package dev.conveyor.submit;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.Lazy;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.submit.SubmitJob;
import dev.conveyor.core.tenant.Authenticator;
import dev.conveyor.core.tenant.CachingTenantDirectory;
import dev.conveyor.core.upload.CreateUpload;
import dev.conveyor.core.upload.RecordUpload;
import java.util.ArrayList;
import java.util.List;

/**
 * The submit function's composition root: every collaborator is built here, once per container.
 *
 * <p>Settings: {@code TENANT_CACHE_SECONDS} (30: how long a revoked key may still work in a warm
 * container), {@code TENANT_NEGATIVE_CACHE_SECONDS} (5), {@code UPLOADS_BUCKET} (required), {@code
 * UPLOAD_URL_TTL_SECONDS} (900), {@code MAX_REQUEST_BYTES} (65536), plus everything {@link
 * Infrastructure} reads.
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
    CreateUpload createUpload =
        new CreateUpload(
            infra.uploadStore(),
            infra.blobStore(),
            env.require("UPLOADS_BUCKET"),
            env.seconds("UPLOAD_URL_TTL_SECONDS", 900),
            infra.clock());
    List<Route> routes = new ArrayList<>();
    routes.addAll(new JobsResource(submitJob, infra.jobStore(), infra.jobPresenter()).routes());
    routes.addAll(new UploadsResource(createUpload).routes());
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
            env.intValue("MAX_REQUEST_BYTES", 64 * 1024, 1024, 6 * 1024 * 1024));
    this.recordUpload = new RecordUpload(infra.uploadStore());
    this.batchProcessor = infra.batchProcessor(env.intValue("UPLOAD_EVENT_CONCURRENCY", 4, 1, 32));
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
