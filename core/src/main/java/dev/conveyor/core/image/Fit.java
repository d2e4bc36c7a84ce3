package dev.conveyor.core.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a resized image relates to the requested box (the names and meanings of sharp and CSS {@code
 * object-fit}). With only one side given, every fit keeps the aspect ratio and that side decides.
 */
public enum Fit {
  /** Keep the aspect ratio; cover the whole box, cropping what overflows (at the position). */
  COVER,
  /** Keep the aspect ratio; fit inside the box and pad the rest with the background. */
  CONTAIN,
  /** Ignore the aspect ratio; stretch to exactly the box. */
  FILL,
  /** Keep the aspect ratio; as large as possible while inside the box (the default). */
  INSIDE,
  /** Keep the aspect ratio; as small as possible while covering the box. */
  OUTSIDE;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Fit> fromWireName(String name) {
    return Arrays.stream(values()).filter(f -> f.wireName().equals(name)).findFirst();
  }

  /** Whether the output is exactly the box, so both sides must be given. */
  public boolean needsBothSides() {
    return this == COVER || this == CONTAIN || this == FILL;
  }
}
