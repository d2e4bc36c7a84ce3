package dev.conveyor.core.image;

import java.util.Optional;

/** A clockwise rotation in 90° steps, applied after EXIF auto-orientation. */
public enum Rotation {
  NONE(0),
  CLOCKWISE_90(90),
  CLOCKWISE_180(180),
  CLOCKWISE_270(270);

  private final int degrees;

  Rotation(int degrees) {
    this.degrees = degrees;
  }

  public int degrees() {
    return degrees;
  }

  /** Whether width and height trade places. */
  public boolean swapsSides() {
    return this == CLOCKWISE_90 || this == CLOCKWISE_270;
  }

  public static Optional<Rotation> ofDegrees(int degrees) {
    for (Rotation rotation : values()) {
      if (rotation.degrees == degrees) {
        return Optional.of(rotation);
      }
    }
    return Optional.empty();
  }
}
