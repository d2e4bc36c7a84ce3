package dev.conveyor.transform.image;

/** A width and a height in pixels, both at least 1. */
public record Size(int width, int height) {
  public Size {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
    }
  }

  /** The same size with the axes exchanged (for 90° rotations). */
  public Size transposed() {
    return new Size(height, width);
  }

  @Override
  public String toString() {
    return width + "x" + height;
  }
}
