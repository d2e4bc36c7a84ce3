package dev.conveyor.core.job;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of work a client can submit, each bound to the tier whose workers run it. A type is
 * listed here only once a worker for it exists, so an accepted job always has somewhere to go.
 */
public enum JobType {
  IMAGE_TRANSFORM("image.transform", Tier.STANDARD);

  private final String wireName;
  private final Tier tier;

  JobType(String wireName, Tier tier) {
    this.wireName = wireName;
    this.tier = tier;
  }

  public String wireName() {
    return wireName;
  }

  public Tier tier() {
    return tier;
  }

  public static Optional<JobType> fromWireName(String name) {
    return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
  }
}
