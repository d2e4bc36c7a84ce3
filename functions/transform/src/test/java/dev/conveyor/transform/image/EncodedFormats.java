package dev.conveyor.transform.image;

import dev.conveyor.core.image.ImageFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Test helper: what an encoded file's container says, read from its bytes. */
final class EncodedFormats {
  private static final Set<String> PNG_METADATA =
      Set.of("tEXt", "zTXt", "iTXt", "iCCP", "eXIf", "tIME");
  private static final Set<String> WEBP_METADATA = Set.of("ICCP", "EXIF", "XMP ");

  private EncodedFormats() {}

  /** Whether the bytes start the way files of the format do. */
  static boolean hasMagicBytes(byte[] b, ImageFormat format) {
    return switch (format) {
      case JPEG ->
          b.length > 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
      case PNG -> ascii(b, 1, 3).equals("PNG") && (b[0] & 0xFF) == 0x89;
      case WEBP -> ascii(b, 0, 4).equals("RIFF") && ascii(b, 8, 4).equals("WEBP");
      case AVIF -> ascii(b, 4, 4).equals("ftyp") && ascii(b, 8, 3).equals("avi");
    };
  }

  /**
   * The JPEG's marker segments up to the first SOS, named: {@code SOF0}, {@code SOF2}, {@code APP0
   * JFIF}, {@code APP1 Exif}, {@code APP2 ICC_PROFILE}, {@code COM}, ...
   */
  static List<String> jpegSegments(byte[] b) {
    List<String> segments = new ArrayList<>();
    int i = 2;
    while (i + 4 <= b.length && (b[i] & 0xFF) == 0xFF) {
      int marker = b[i + 1] & 0xFF;
      if (marker == 0xDA) {
        segments.add("SOS");
        break;
      }
      int length = (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
      String name;
      if (marker >= 0xE0 && marker <= 0xEF) {
        int end = i + 4;
        while (end < Math.min(b.length, i + 2 + length) && b[end] != 0 && end - i < 20) {
          end++;
        }
        name = "APP" + (marker - 0xE0) + " " + ascii(b, i + 4, end - i - 4);
      } else if (marker >= 0xC0
          && marker <= 0xCF
          && marker != 0xC4
          && marker != 0xC8
          && marker != 0xCC) {
        name = "SOF" + (marker - 0xC0);
      } else if (marker == 0xFE) {
        name = "COM";
      } else {
        name = String.format("FF%02X", marker);
      }
      segments.add(name.strip());
      i += 2 + length;
    }
    return segments;
  }

  /** The PNG's chunk types, in order. */
  static List<String> pngChunks(byte[] b) {
    List<String> chunks = new ArrayList<>();
    long i = 8;
    while (i + 12 <= b.length) {
      int at = (int) i;
      long length =
          (b[at] & 0xFFL) << 24
              | (b[at + 1] & 0xFF) << 16
              | (b[at + 2] & 0xFF) << 8
              | (b[at + 3] & 0xFF);
      chunks.add(ascii(b, at + 4, 4));
      i += 12 + length;
    }
    return chunks;
  }

  /** Whether the PNG's IHDR asks for Adam7 interlacing. */
  static boolean pngInterlaced(byte[] b) {
    return b[8 + 8 + 12] == 1; // signature, IHDR length and type, then width height depth ...
  }

  /** The RIFF chunk ids of a WebP file (VP8, VP8L, VP8X, ALPH, ICCP, EXIF, ...). */
  static List<String> webpChunks(byte[] b) {
    List<String> chunks = new ArrayList<>();
    int i = 12;
    while (i + 8 <= b.length) {
      int size =
          (b[i + 4] & 0xFF)
              | (b[i + 5] & 0xFF) << 8
              | (b[i + 6] & 0xFF) << 16
              | (b[i + 7] & 0xFF) << 24;
      chunks.add(ascii(b, i, 4));
      i += 8 + size + (size & 1);
    }
    return chunks;
  }

  /**
   * The metadata the file carries, by name: EXIF, XMP, ICC profiles, comments and text. Empty for a
   * stripped file. For AVIF this is a byte search for the item and property types, not a parse.
   */
  static List<String> metadata(byte[] b, ImageFormat format) {
    return switch (format) {
      case JPEG ->
          jpegSegments(b).stream()
              .filter(s -> s.equals("COM") || s.startsWith("APP") && !isAllowedJpegApp(s))
              .toList();
      case PNG -> pngChunks(b).stream().filter(PNG_METADATA::contains).toList();
      case WEBP -> webpChunks(b).stream().filter(WEBP_METADATA::contains).toList();
      case AVIF -> {
        String text = new String(b, StandardCharsets.ISO_8859_1);
        yield List.of("Exif", "colrprof", "colrrICC", "application/rdf+xml").stream()
            .filter(text::contains)
            .toList();
      }
    };
  }

  /** JFIF (APP0) and Adobe's colour transform flag (APP14) describe pixels, not the picture. */
  private static boolean isAllowedJpegApp(String segment) {
    return segment.equals("APP0 JFIF") || segment.startsWith("APP14 Adobe");
  }

  private static String ascii(byte[] b, int at, int length) {
    if (at < 0 || at + length > b.length || length < 0) {
      return "";
    }
    return new String(b, at, length, StandardCharsets.ISO_8859_1);
  }
}
