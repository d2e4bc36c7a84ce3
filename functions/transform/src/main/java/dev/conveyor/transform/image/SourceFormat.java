package dev.conveyor.transform.image;

import dev.conveyor.core.work.PermanentJobFailure;
import java.util.Optional;

/**
 * Source formats the engines accept, recognised by their leading bytes only. File names, upload
 * content types and S3 metadata are chosen by the client and prove nothing.
 */
public enum SourceFormat {
  /** {@code FF D8 FF}: SOI followed by the first marker. */
  JPEG("jpeg"),
  /** The eight-byte PNG signature {@code 89 50 4E 47 0D 0A 1A 0A}. */
  PNG("png");

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private final String imageIoName;

  SourceFormat(String imageIoName) {
    this.imageIoName = imageIoName;
  }

  /** The ImageIO format name of the reader for this format. */
  public String imageIoName() {
    return imageIoName;
  }

  /** The accepted format these bytes start with, if any. */
  public static Optional<SourceFormat> detect(byte[] bytes) {
    if (startsWith(bytes, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF)) {
      return Optional.of(JPEG);
    }
    if (startsWith(bytes, PNG_SIGNATURE)) {
      return Optional.of(PNG);
    }
    return Optional.empty();
  }

  /**
   * The accepted format these bytes start with; what every engine checks before reading anything.
   *
   * @throws PermanentJobFailure {@code unsupported-format}, naming what the bytes look like
   */
  public static SourceFormat require(byte[] bytes) {
    return detect(bytes)
        .orElseThrow(() ->
            new PermanentJobFailure(
                ImageFailures.UNSUPPORTED_FORMAT,
                "The source is not a JPEG or PNG image (it looks like " + describe(bytes) + ")."));
  }

  /**
   * A name for what the bytes look like, for failure messages about formats we do not accept (e.g.
   * "GIF", "WebP"); "unknown" when nothing matches.
   */
  public static String describe(byte[] bytes) {
    Optional<SourceFormat> accepted = detect(bytes);
    if (accepted.isPresent()) {
      return accepted.get().name();
    }
    if (startsWithAscii(bytes, 0, "GIF87a") || startsWithAscii(bytes, 0, "GIF89a")) {
      return "GIF";
    }
    if (startsWithAscii(bytes, 0, "RIFF") && startsWithAscii(bytes, 8, "WEBP")) {
      return "WebP";
    }
    if (startsWithAscii(bytes, 4, "ftyp")) {
      return "ISO-BMFF (HEIF/AVIF/MP4)";
    }
    if (startsWithAscii(bytes, 0, "II*\0") || startsWithAscii(bytes, 0, "MM\0*")) {
      return "TIFF";
    }
    if (startsWithAscii(bytes, 0, "BM")) {
      return "BMP";
    }
    if (startsWithAscii(bytes, 0, "%PDF")) {
      return "PDF";
    }
    return "unknown";
  }

  private static boolean startsWith(byte[] bytes, byte... prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWithAscii(byte[] bytes, int offset, String text) {
    if (bytes.length < offset + text.length()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (bytes[offset + i] != (byte) text.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
