package dev.conveyor.transform;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.Lazy;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.lambda.SqsBatchProcessor;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.work.Backoff;
import dev.conveyor.core.work.JobRunner;
import dev.conveyor.transform.image.ImageEngines;
import dev.conveyor.transform.image.ImageLimits;
import dev.conveyor.transform.image.ImageTransformExecutor;
import java.util.Map;

/**
 * The transform function's composition root.
 *
 * <p>Settings: {@code UPLOADS_BUCKET}, {@code RESULTS_BUCKET} (required), {@code JOB_LEASE_SECONDS}
 * (960: longer than Lambda's 15-minute limit, so a live run is never taken over), {@code
 * TRANSFORM_CONCURRENCY} (2), {@code RETRY_BASE_SECONDS} (5), {@code RETRY_CAP_SECONDS} (900),
 * {@code MAX_SOURCE_BYTES}, {@code MAX_SOURCE_PIXELS}, {@code MEDIA_ENGINE} ({@code auto}: libvips
 * when it loads, else the JDK engine; or {@code vips}, {@code jdk}: see {@link ImageEngines}),
 * {@code MEDIA_THREADS} (0: libvips' own choice; otherwise its worker threads per transform), plus
 * everything {@link Infrastructure} reads.
 */
public final class TransformFunction {
  private static final Lazy<TransformFunction> INSTANCE =
      Lazy.of(() -> new TransformFunction(Infrastructure.fromEnvironment(Env.system())));

  private final JobRunner jobRunner;
  private final SqsBatchProcessor batchProcessor;

  public TransformFunction(Infrastructure infra) {
    Env env = infra.env();
    ImageLimits defaults = ImageLimits.defaults();
    ImageLimits limits =
        new ImageLimits(
            env.longValue("MAX_SOURCE_BYTES", defaults.maxSourceBytes(), 1, 1L << 32),
            env.longValue("MAX_SOURCE_PIXELS", defaults.maxSourcePixels(), 1, 1L << 31),
            defaults.maxOutputDimension());
    ImageTransformExecutor images =
        new ImageTransformExecutor(
            infra.blobStore(),
            ImageEngines.create(
                env.get("MEDIA_ENGINE", "auto"), limits, env.intValue("MEDIA_THREADS", 0, 0, 64)),
            limits,
            env.require("UPLOADS_BUCKET"),
            env.require("RESULTS_BUCKET"));
    this.jobRunner =
        new JobRunner(
            infra.jobStore(),
            Map.of(JobType.IMAGE_TRANSFORM, images),
            infra.jobEvents(),
            infra.outboxDispatcher(),
            infra.clock(),
            env.seconds("JOB_LEASE_SECONDS", 960),
            new Backoff(
                env.seconds("RETRY_BASE_SECONDS", 5), env.seconds("RETRY_CAP_SECONDS", 900)));
    this.batchProcessor = infra.batchProcessor(env.intValue("TRANSFORM_CONCURRENCY", 2, 1, 16));
  }

  public static TransformFunction instance() {
    return INSTANCE.get();
  }

  public JobRunner jobRunner() {
    return jobRunner;
  }

  public SqsBatchProcessor batchProcessor() {
    return batchProcessor;
  }
}
