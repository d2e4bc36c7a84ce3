package dev.conveyor.transform.image;

import java.awt.image.BufferedImage;

/**
 * The EXIF Orientation tag (0x0112 in IFD0): how the stored pixels must be turned to be upright.
 *
 * <pre>
 *   1 as stored            5 transpose (mirror + 90° counter-clockwise)
 *   2 mirror horizontally  6 rotate 90° clockwise
 *   3 rotate 180°          7 transverse (mirror + 90° clockwise)
 *   4 mirror vertically    8 rotate 90° counter-clockwise
 * </pre>
 *
 * <p>The parser reads a JPEG's APP1 "Exif" segment (or a PNG's {@code eXIf} chunk) and walks the
 * TIFF structure far enough to find the one tag. It is defensive: any malformed or out-of-range
 * structure means "no orientation" (1) rather than a failure, since a broken tag should not cost
 * the user their image.
 */
public final class ExifOrientation {
  private static final int TAG_ORIENTATION = 0x0112;
  private static final int TYPE_SHORT = 3;
  private static final int TYPE_LONG = 4;

  private ExifOrientation() {}

  /** Whether the orientation turns the image by 90° (5-8), exchanging width and height. */
  public static boolean swapsAxes(int orientation) {
    return orientation >= 5 && orientation <= 8;
  }

  /** The orientation recorded in the source's metadata, or 1 when there is none. */
  public static int read(byte[] source, SourceFormat format) {
    int found =
        switch (format) {
          case JPEG -> fromJpeg(source);
          case PNG -> fromPng(source);
        };
    return found >= 1 && found <= 8 ? found : 1;
  }

  /** Walks the marker segments up to the start of scan; the first Exif APP1 decides. */
  private static int fromJpeg(byte[] b) {
    int i = 2; // after SOI
    while (i + 4 <= b.length) {
      if ((b[i] & 0xFF) != 0xFF) {
        return 0; // not at a marker: the structure is broken
      }
      int marker = b[i + 1] & 0xFF;
      if (marker == 0xFF) { // fill byte
        i++;
        continue;
      }
      if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD8) { // TEM, RSTn, SOI: no length
        i += 2;
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) { // SOS or EOI: no Exif in the header
        return 0;
      }
      int length = u16(b, i + 2, false);
      int body = i + 4;
      int end = i + 2 + length;
      if (length < 2 || end > b.length) {
        return 0;
      }
      if (marker == 0xE1 && isExifHeader(b, body, end)) {
        return fromTiff(b, body + 6, end);
      }
      i = end;
    }
    return 0;
  }

  private static boolean isExifHeader(byte[] b, int at, int end) {
    return end - at >= 6
        && b[at] == 'E'
        && b[at + 1] == 'x'
        && b[at + 2] == 'i'
        && b[at + 3] == 'f'
        && b[at + 4] == 0
        && b[at + 5] == 0;
  }

  /** Walks the chunks (jumping over their data) looking for {@code eXIf}. */
  private static int fromPng(byte[] b) {
    long i = 8; // after the signature
    while (i + 12 <= b.length) {
      long length = u32(b, (int) i, false);
      int type = (int) i + 4;
      long data = i + 8;
      long end = data + length;
      if (end + 4 > b.length) {
        return 0;
      }
      if (b[type] == 'e' && b[type + 1] == 'X' && b[type + 2] == 'I' && b[type + 3] == 'f') {
        return fromTiff(b, (int) data, (int) end);
      }
      if (b[type] == 'I' && b[type + 1] == 'E' && b[type + 2] == 'N' && b[type + 3] == 'D') {
        return 0;
      }
      i = end + 4; // skip the CRC
    }
    return 0;
  }

  /** Reads Orientation from IFD0 of the TIFF structure occupying {@code [start, end)}. */
  static int fromTiff(byte[] b, int start, int end) {
    if (end - start < 8 || end > b.length) {
      return 0;
    }
    boolean little;
    if (b[start] == 'I' && b[start + 1] == 'I') {
      little = true;
    } else if (b[start] == 'M' && b[start + 1] == 'M') {
      little = false;
    } else {
      return 0;
    }
    if (u16(b, start + 2, little) != 42) {
      return 0;
    }
    long ifd = u32(b, start + 4, little);
    if (ifd < 8 || ifd > end - start - 2) {
      return 0;
    }
    int p = start + (int) ifd;
    int entries = u16(b, p, little);
    for (int k = 0; k < entries; k++) {
      int e = p + 2 + 12 * k;
      if (e + 12 > end) {
        return 0;
      }
      if (u16(b, e, little) == TAG_ORIENTATION) {
        int type = u16(b, e + 2, little);
        long count = u32(b, e + 4, little);
        if (count < 1) {
          return 0;
        }
        if (type == TYPE_SHORT) {
          return u16(b, e + 8, little);
        }
        if (type == TYPE_LONG) {
          long v = u32(b, e + 8, little);
          return v <= 8 ? (int) v : 0;
        }
        return 0;
      }
    }
    return 0;
  }

  private static int u16(byte[] b, int at, boolean little) {
    int b0 = b[at] & 0xFF;
    int b1 = b[at + 1] & 0xFF;
    return little ? b1 << 8 | b0 : b0 << 8 | b1;
  }

  private static long u32(byte[] b, int at, boolean little) {
    long hi = u16(b, little ? at + 2 : at, little);
    long lo = u16(b, little ? at : at + 2, little);
    return hi << 16 | lo;
  }

  /**
   * Returns the image turned upright: a new image of the same type ({@code TYPE_INT_RGB} or {@code
   * TYPE_INT_ARGB}), or the same image for orientation 1. Pixels are moved, never resampled, so the
   * result is exact.
   */
  public static BufferedImage apply(BufferedImage image, int orientation) {
    return Orientation.exif(orientation).apply(image);
  }
}
