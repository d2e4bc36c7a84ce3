package dev.conveyor.sync;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.Lazy;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.postgres.PartitionMaintenance;

/**
 * The sync function's composition root.
 *
 * <p>Settings: {@code JOB_PARTITIONS_AHEAD} (3 months), plus everything {@link Infrastructure}
 * reads.
 */
public final class SyncFunction {
  private static final Lazy<SyncFunction> INSTANCE =
      Lazy.of(() -> new SyncFunction(Infrastructure.fromEnvironment(Env.system())));

  private final PartitionMaintenance partitions;
  private final int monthsAhead;

  public SyncFunction(Infrastructure infra) {
    this.partitions = new PartitionMaintenance(infra.dataSource());
    this.monthsAhead = infra.env().intValue("JOB_PARTITIONS_AHEAD", 3, 1, 24);
  }

  public static SyncFunction instance() {
    return INSTANCE.get();
  }

  public PartitionMaintenance partitions() {
    return partitions;
  }

  public int monthsAhead() {
    return monthsAhead;
  }
}
