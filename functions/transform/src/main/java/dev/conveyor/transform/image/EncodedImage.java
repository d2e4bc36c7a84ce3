package dev.conveyor.transform.image;

import java.util.Objects;

/**
 * One rendered output: the encoded file and what it holds. The array is the engine's output, handed
 * over, not copied; callers must not modify it.
 */
public record EncodedImage(byte[] bytes, int width, int height, String contentType) {
  public EncodedImage {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(contentType, "contentType");
  }

  public Size size() {
    return new Size(width, height);
  }

  @Override
  public String toString() {
    return "EncodedImage[" + width + "x" + height + " " + contentType + ", " + bytes.length + " B]";
  }
}
