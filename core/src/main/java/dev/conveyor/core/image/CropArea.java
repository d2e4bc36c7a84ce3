package dev.conveyor.core.image;

/**
 * An explicit rectangle cut from the upright source (after EXIF orientation) before anything else.
 * Whether it lies inside the image is known only once the source is read.
 */
public record CropArea(int left, int top, int width, int height) {
  public CropArea {
    if (left < 0 || top < 0 || width < 1 || height < 1) {
      throw new IllegalArgumentException("a crop needs left, top >= 0 and a positive size");
    }
  }
}
