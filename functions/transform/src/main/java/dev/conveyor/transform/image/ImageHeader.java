package dev.conveyor.transform.image;

/**
 * What a source's header says, read without decoding any pixels.
 *
 * @param width stored width, before EXIF orientation
 * @param height stored height, before EXIF orientation
 * @param orientation the EXIF orientation (1-8; 1 when absent or unreadable)
 */
public record ImageHeader(SourceFormat format, int width, int height, int orientation) {
  public ImageHeader {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
    }
    if (orientation < 1 || orientation > 8) {
      throw new IllegalArgumentException("EXIF orientation is 1-8: " + orientation);
    }
  }

  public long pixels() {
    return (long) width * height;
  }

  /** Width as displayed, once the orientation is applied. */
  public int displayWidth() {
    return ExifOrientation.swapsAxes(orientation) ? height : width;
  }

  /** Height as displayed, once the orientation is applied. */
  public int displayHeight() {
    return ExifOrientation.swapsAxes(orientation) ? width : height;
  }
}
