package dev.conveyor.transform.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Test sources carrying metadata that {@code TestImages} does not add: embedded ICC profiles (a
 * JPEG's APP2 segment, a PNG's {@code iCCP} chunk), JPEG comments and arbitrary PNG chunks. Also an
 * Adobe RGB (1998) profile built from its published primaries, and an independent reference
 * conversion from Adobe RGB to sRGB to check engines against.
 */
final class TaggedImages {
  private TaggedImages() {}

  /**
   * A minimal ICC v2 display profile for Adobe RGB (1998): matrix and tone curve. Colorants are the
   * published D50-adapted values, the curve the published gamma 563/256.
   */
  static byte[] adobeRgbProfile() {
    double[][] colorants = {
      {0.60974, 0.31111, 0.01947}, {0.20528, 0.62567, 0.06087}, {0.14919, 0.06322, 0.74457}
    };
    byte[] desc = descTag("Adobe RGB (1998) test profile");
    byte[] white = xyzTag(0.95045, 1.0, 1.08905);
    byte[] red = xyzTag(colorants[0]);
    byte[] green = xyzTag(colorants[1]);
    byte[] blue = xyzTag(colorants[2]);
    byte[] curve = curveTag(563); // u8Fixed8: 2.19921875

    String[] signatures = {"desc", "wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"};
    byte[][] bodies = {desc, white, red, green, blue, curve, curve, curve};
    int tableEnd = 128 + 4 + 12 * signatures.length;
    ByteBuffer table = ByteBuffer.allocate(4 + 12 * signatures.length);
    ByteBuffer tags = ByteBuffer.allocate(4096);
    Map<byte[], Integer> written = new IdentityHashMap<>();
    table.putInt(signatures.length);
    for (int i = 0; i < signatures.length; i++) {
      byte[] body = bodies[i];
      Integer at = written.get(body); // the three TRC tags share one curve
      if (at == null) {
        at = tableEnd + tags.position();
        written.put(body, at);
        tags.put(body).put(new byte[pad(body.length) - body.length]);
      }
      table.put(ascii(signatures[i])).putInt(at).putInt(body.length);
    }
    int size = tableEnd + tags.position();
    ByteBuffer profile = ByteBuffer.allocate(size);
    profile.putInt(size).putInt(0).putInt(0x02100000); // size, CMM, version 2.1
    profile.put(ascii("mntr")).put(ascii("RGB ")).put(ascii("XYZ "));
    profile.putShort((short) 2024).putShort((short) 1).putShort((short) 1); // date
    profile.putShort((short) 0).putShort((short) 0).putShort((short) 0);
    profile.put(ascii("acsp")).putInt(0).putInt(0).putInt(0).putInt(0).putLong(0);
    profile.putInt(0); // perceptual
    profile.putInt(fixed(0.9642)).putInt(fixed(1.0)).putInt(fixed(0.8249)); // D50
    profile.position(128);
    profile.put(table.array());
    profile.put(tags.array(), 0, tags.position());
    return profile.array();
  }

  /**
   * Adobe RGB (1998) to sRGB by the published matrices (through CIE XYZ, D65 both sides), clipped
   * to the sRGB gamut: a reference independent of any colour management module.
   */
  static int adobeRgbToSrgb(int rgb) {
    double r = Math.pow((rgb >> 16 & 0xFF) / 255.0, 563 / 256.0);
    double g = Math.pow((rgb >> 8 & 0xFF) / 255.0, 563 / 256.0);
    double b = Math.pow((rgb & 0xFF) / 255.0, 563 / 256.0);
    double x = 0.5767309 * r + 0.1855540 * g + 0.1881852 * b;
    double y = 0.2973769 * r + 0.6273491 * g + 0.0752741 * b;
    double z = 0.0270343 * r + 0.0706872 * g + 0.9911085 * b;
    double sr = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
    double sg = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
    double sb = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
    return srgbEncode(sr) << 16 | srgbEncode(sg) << 8 | srgbEncode(sb);
  }

  private static int srgbEncode(double linear) {
    double v = Math.max(0, Math.min(1, linear));
    double encoded = v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
    return (int) Math.round(encoded * 255);
  }

  /** The JPEG with an APP2 {@code ICC_PROFILE} segment (one chunk) after SOI and any APP0. */
  static byte[] jpegWithProfile(byte[] jpeg, byte[] profile) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII));
    body.write(1); // chunk 1
    body.write(1); // of 1
    body.writeBytes(profile);
    return jpegWithSegment(jpeg, 0xE2, body.toByteArray());
  }

  /** The JPEG with a COM (comment) segment after SOI and any APP0. */
  static byte[] jpegWithComment(byte[] jpeg, String comment) {
    return jpegWithSegment(jpeg, 0xFE, comment.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static byte[] jpegWithSegment(byte[] jpeg, int marker, byte[] body) {
    int insertAt = 2;
    if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) { // keep JFIF APP0 first
      insertAt = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
    }
    int length = body.length + 2;
    ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + length + 2);
    out.write(jpeg, 0, insertAt);
    out.write(0xFF);
    out.write(marker);
    out.write(length >> 8);
    out.write(length & 0xFF);
    out.writeBytes(body);
    out.write(jpeg, insertAt, jpeg.length - insertAt);
    return out.toByteArray();
  }

  /** The PNG with an {@code iCCP} chunk after IHDR. */
  static byte[] pngWithProfile(byte[] png, byte[] profile) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("test profile\0".getBytes(StandardCharsets.ISO_8859_1));
    body.write(0); // zlib
    try (DeflaterOutputStream z = new DeflaterOutputStream(body, new Deflater())) {
      z.write(profile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pngWithChunk(png, "iCCP", body.toByteArray());
  }

  /** The PNG with a chunk of the given type inserted after IHDR (8 + 25 bytes in). */
  static byte[] pngWithChunk(byte[] png, String type, byte[] data) {
    byte[] typeBytes = ascii(type);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
    chunk.putInt(data.length).put(typeBytes).put(data).putInt((int) crc.getValue());
    ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + chunk.capacity());
    out.write(png, 0, 33);
    out.writeBytes(chunk.array());
    out.write(png, 33, png.length - 33);
    return out.toByteArray();
  }

  /** A TIFF structure with one IFD0 entry, Orientation, for a PNG {@code eXIf} chunk. */
  static byte[] exifOrientation(int orientation) {
    return ByteBuffer.allocate(26)
        .put(ascii("MM"))
        .putShort((short) 42)
        .putInt(8)
        .putShort((short) 1)
        .putShort((short) 0x0112)
        .putShort((short) 3)
        .putInt(1)
        .putShort((short) orientation)
        .putShort((short) 0)
        .putInt(0)
        .array();
  }

  private static byte[] descTag(String text) {
    byte[] ascii = (text + "\0").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer tag = ByteBuffer.allocate(12 + ascii.length + 4 + 4 + 2 + 1 + 67);
    tag.put(ascii("desc")).putInt(0).putInt(ascii.length).put(ascii);
    tag.putInt(0).putInt(0); // no Unicode description
    tag.putShort((short) 0).put((byte) 0); // no ScriptCode description
    return tag.array();
  }

  private static byte[] xyzTag(double... xyz) {
    ByteBuffer tag = ByteBuffer.allocate(20);
    tag.put(ascii("XYZ ")).putInt(0);
    for (double v : xyz) {
      tag.putInt(fixed(v));
    }
    return tag.array();
  }

  private static byte[] curveTag(int gammaU8Fixed8) {
    return ByteBuffer.allocate(14)
        .put(ascii("curv"))
        .putInt(0)
        .putInt(1)
        .putShort((short) gammaU8Fixed8)
        .array();
  }

  private static int fixed(double v) {
    return (int) Math.round(v * 65536);
  }

  private static int pad(int length) {
    return (length + 3) & ~3;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
