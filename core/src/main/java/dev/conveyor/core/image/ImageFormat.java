package dev.conveyor.core.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Output formats a rendition may ask for. */
public enum ImageFormat {
  JPEG("image/jpeg", "jpg"),
  PNG("image/png", "png");

  private final String contentType;
  private final String extension;

  ImageFormat(String contentType, String extension) {
    this.contentType = contentType;
    this.extension = extension;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return extension;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<ImageFormat> fromWireName(String name) {
    return Arrays.stream(values()).filter(f -> f.wireName().equals(name)).findFirst();
  }
}
