package dev.conveyor.transform.image;

import java.awt.color.CMMException;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * An RGB ICC profile embedded in a source (a JPEG's APP2 {@code ICC_PROFILE} segments, a PNG's
 * {@code iCCP} chunk): what the stored numbers mean, e.g. Adobe RGB or Display P3. Outputs are
 * sRGB, so the pixels are converted with it.
 *
 * <p>Resampling does not care which RGB encoding it averages, so the engine converts the small
 * result rather than the decoded source: an 800×600 rendition costs ≈ 10 ms instead of ≈ 160 ms for
 * the 12 MP source. That is why {@link #withoutJpegProfile} hides an RGB profile from the JDK's
 * JPEG reader, which would otherwise convert every decoded row itself; a CMYK JPEG keeps its
 * profile, since the reader needs it to interpret the ink.
 *
 * <p>Parsing is defensive, as for {@link ExifOrientation}: a profile that is malformed, not RGB,
 * unusable by the colour management module, or that maps colours onto themselves (an sRGB profile)
 * counts as none, and the pixels are taken as sRGB. Greyscale profiles are ignored.
 */
final class EmbeddedColourProfile {
  private static final byte[] JPEG_ICC_HEADER = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);

  /** Larger profiles exist (device links, CMYK tables) but no RGB display profile comes near. */
  private static final int MAX_PROFILE_BYTES = 4 << 20;

  /** Channel values to test whether a profile leaves colours as they are. */
  private static final int[] PROBE_LEVELS = {0, 40, 96, 160, 220, 255};

  private final ICC_ColorSpace space;

  private EmbeddedColourProfile(ICC_ColorSpace space) {
    this.space = space;
  }

  /**
   * The source's RGB profile, when it has one that changes colours; empty for sRGB, greyscale,
   * CMYK, missing or unusable profiles.
   */
  static Optional<EmbeddedColourProfile> read(byte[] source, SourceFormat format) {
    byte[] data =
        switch (format) {
          case JPEG -> JpegIcc.scan(source).profile();
          case PNG -> fromPng(source);
        };
    if (data == null) {
      return Optional.empty();
    }
    try {
      ICC_Profile profile = ICC_Profile.getInstance(data);
      if (profile.getColorSpaceType() != ColorSpace.TYPE_RGB) {
        return Optional.empty();
      }
      ICC_ColorSpace space = new ICC_ColorSpace(profile);
      return leavesColoursAlone(space)
          ? Optional.empty()
          : Optional.of(new EmbeddedColourProfile(space));
    } catch (IllegalArgumentException | CMMException e) {
      return Optional.empty();
    }
  }

  /**
   * The JPEG with its ICC profile segments cut out, when it has any and is not CMYK (4 components);
   * otherwise the same array. The reader then decodes the stored numbers without converting them;
   * see the class comment.
   */
  static byte[] withoutJpegProfile(byte[] jpeg) {
    JpegIcc found = JpegIcc.scan(jpeg);
    if (found.segments().length == 0 || found.components() == 4) {
      return jpeg;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length);
    int from = 0;
    for (int i = 0; i < found.segments().length; i += 2) {
      out.write(jpeg, from, found.segments()[i] - from);
      from = found.segments()[i + 1];
    }
    out.write(jpeg, from, jpeg.length - from);
    return out.toByteArray();
  }

  /**
   * The image's numbers (in this profile) converted to sRGB: a new image of the same type ({@code
   * TYPE_INT_RGB} or {@code TYPE_INT_ARGB}, alpha kept as it is).
   */
  BufferedImage toSrgb(BufferedImage image) {
    int type = image.getType();
    if (type != BufferedImage.TYPE_INT_RGB && type != BufferedImage.TYPE_INT_ARGB) {
      throw new IllegalArgumentException("expects TYPE_INT_RGB or TYPE_INT_ARGB, got " + type);
    }
    boolean alpha = type == BufferedImage.TYPE_INT_ARGB;
    // The same pixels, labelled with the embedded colour space instead of sRGB.
    DirectColorModel labelled =
        new DirectColorModel(
            space,
            alpha ? 32 : 24,
            0x00FF0000,
            0x0000FF00,
            0x000000FF,
            alpha ? 0xFF000000 : 0,
            false,
            DataBuffer.TYPE_INT);
    BufferedImage source = new BufferedImage(labelled, image.getRaster(), false, null);
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), type);
    new ColorConvertOp(null).filter(source, out);
    return out;
  }

  /** Whether converting to sRGB moves no colour of a coarse grid by more than one level. */
  private static boolean leavesColoursAlone(ICC_ColorSpace space) {
    int n = PROBE_LEVELS.length;
    BufferedImage grid = new BufferedImage(n * n, n, BufferedImage.TYPE_INT_RGB);
    for (int r = 0; r < n; r++) {
      for (int g = 0; g < n; g++) {
        for (int b = 0; b < n; b++) {
          grid.setRGB(r * n + g, b, PROBE_LEVELS[r] << 16 | PROBE_LEVELS[g] << 8 | PROBE_LEVELS[b]);
        }
      }
    }
    BufferedImage converted = new EmbeddedColourProfile(space).toSrgb(grid);
    for (int y = 0; y < grid.getHeight(); y++) {
      for (int x = 0; x < grid.getWidth(); x++) {
        int before = grid.getRGB(x, y);
        int after = converted.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          if (Math.abs((before >> shift & 0xFF) - (after >> shift & 0xFF)) > 1) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * What a JPEG's header holds about colour: the profile (reassembled from its numbered APP2
   * chunks, or null when absent or incomplete), the {@code [start, end)} byte ranges of those
   * segments, flattened, and the number of components of the frame (0 if not found).
   */
  private record JpegIcc(byte[] profile, int[] segments, int components) {
    static JpegIcc scan(byte[] b) {
      byte[][] chunks = null;
      int[] ranges = new int[0];
      int components = 0;
      int i = 2; // after SOI
      while (i + 4 <= b.length) {
        if ((b[i] & 0xFF) != 0xFF) {
          break; // not at a marker: the structure is broken
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
        if (marker == 0xDA || marker == 0xD9) { // SOS, EOI: the header is over
          break;
        }
        int length = (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
        int body = i + 4;
        int end = i + 2 + length;
        if (length < 2 || end > b.length) {
          break;
        }
        if (isStartOfFrame(marker) && end - body >= 6) {
          components = b[body + 5] & 0xFF;
        }
        if (marker == 0xE2 && startsWith(b, body, end, JPEG_ICC_HEADER) && end - body > 14) {
          int sequence = b[body + 12] & 0xFF; // 1-based
          int count = b[body + 13] & 0xFF;
          if (chunks == null && count > 0) {
            chunks = new byte[count][];
          }
          if (chunks != null && count == chunks.length && sequence >= 1 && sequence <= count) {
            chunks[sequence - 1] = Arrays.copyOfRange(b, body + 14, end);
          }
          ranges = Arrays.copyOf(ranges, ranges.length + 2);
          ranges[ranges.length - 2] = i;
          ranges[ranges.length - 1] = end;
        }
        i = end;
      }
      return new JpegIcc(join(chunks), ranges, components);
    }

    private static boolean isStartOfFrame(int marker) {
      // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC)
      return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static byte[] join(byte[][] chunks) {
      if (chunks == null) {
        return null;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (byte[] chunk : chunks) {
        if (chunk == null || out.size() + chunk.length > MAX_PROFILE_BYTES) {
          return null;
        }
        out.writeBytes(chunk);
      }
      return out.toByteArray();
    }
  }

  /** The inflated profile of a PNG's {@code iCCP} chunk (before IDAT), or null. */
  private static byte[] fromPng(byte[] b) {
    long i = 8; // after the signature
    while (i + 12 <= b.length) {
      long length =
          (b[(int) i] & 0xFFL) << 24
              | (b[(int) i + 1] & 0xFF) << 16
              | (b[(int) i + 2] & 0xFF) << 8
              | (b[(int) i + 3] & 0xFF);
      int type = (int) i + 4;
      long data = i + 8;
      long end = data + length;
      if (end + 4 > b.length) {
        return null;
      }
      String name = new String(b, type, 4, StandardCharsets.US_ASCII);
      if (name.equals("iCCP")) {
        return inflateIccp(b, (int) data, (int) end);
      }
      if (name.equals("IDAT") || name.equals("IEND")) {
        return null; // iCCP must precede the image data
      }
      i = end + 4; // skip the CRC
    }
    return null;
  }

  /** iCCP: a 1-79 byte name, a zero byte, compression method 0, then a zlib stream. */
  private static byte[] inflateIccp(byte[] b, int start, int end) {
    int nul = start;
    while (nul < end && b[nul] != 0) {
      nul++;
    }
    if (nul == start || nul + 2 > end || b[nul + 1] != 0) {
      return null;
    }
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(b, nul + 2, end - nul - 2);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[16 * 1024];
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          return null; // truncated
        }
        if (out.size() + n > MAX_PROFILE_BYTES) {
          return null;
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      return null;
    } finally {
      inflater.end();
    }
  }

  private static boolean startsWith(byte[] b, int at, int end, byte[] prefix) {
    if (end - at < prefix.length) {
      return false;
    }
    for (int k = 0; k < prefix.length; k++) {
      if (b[at + k] != prefix[k]) {
        return false;
      }
    }
    return true;
  }
}
