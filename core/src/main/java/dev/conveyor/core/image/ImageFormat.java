package dev.conveyor.core.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Output formats a rendition may ask for. */
public enum ImageFormat {
  JPEG("image/jpeg", "jpg", false),
  PNG("image/png", "png", true),
  WEBP("image/webp", "webp", true),
  /** AV1 in HEIF; only the libvips engine writes it. */
  AVIF("image/avif", "avif", true);

  private final String contentType;
  private final String extension;
  private final boolean alpha;

  ImageFormat(String contentType, String extension, boolean alpha) {
    this.contentType = contentType;
    this.extension = extension;
    this.alpha = alpha;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return extension;
  }

  /** Whether the format keeps transparency; otherwise alpha is flattened onto the background. */
  public boolean supportsAlpha() {
    return alpha;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<ImageFormat> fromWireName(String name) {
    return Arrays.stream(values()).filter(f -> f.wireName().equals(name)).findFirst();
  }

  /** The wire names, for error messages: {@code jpeg, png, webp, avif}. */
  public static String wireNames() {
    return String.join(", ", Arrays.stream(values()).map(ImageFormat::wireName).toList());
  }
}
