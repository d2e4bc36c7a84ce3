package dev.conveyor.sync;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.conveyor.adapters.postgres.PartitionMaintenance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda entry point on an EventBridge schedule (daily): creates the {@code jobs} partitions for
 * the coming months, so an insert never meets a month without a partition.
 */
public final class PartitionUpkeepHandler implements RequestHandler<ScheduledEvent, String> {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionUpkeepHandler.class);

  private final PartitionMaintenance partitions;
  private final int monthsAhead;

  public PartitionUpkeepHandler() {
    this(SyncFunction.instance().partitions(), SyncFunction.instance().monthsAhead());
  }

  public PartitionUpkeepHandler(PartitionMaintenance partitions, int monthsAhead) {
    this.partitions = partitions;
    this.monthsAhead = monthsAhead;
  }

  @Override
  public String handleRequest(ScheduledEvent event, Context context) {
    int created = partitions.ensureJobPartitions(monthsAhead);
    LOG.info("job partitions ensured {} months ahead; {} created", monthsAhead, created);
    return "created " + created + " partitions";
  }
}
