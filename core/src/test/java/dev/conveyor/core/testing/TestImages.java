package dev.conveyor.core.testing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Sample images built in memory, so tests need no binary fixtures: photo-like sources (a gradient
 * with per-pixel noise, so encoders see realistic entropy), JPEGs carrying an EXIF orientation,
 * CMYK JPEGs, GIFs, and image bombs whose headers declare far more pixels than they carry.
 * Everything is deterministic.
 */
public final class TestImages {
  // The colours of quadrants(): top-left, top-right, bottom-left, bottom-right (0xRRGGBB).
  public static final int RED = 0xFF0000;
  public static final int GREEN = 0x00FF00;
  public static final int BLUE = 0x0000FF;
  public static final int YELLOW = 0xFFFF00;

  private static final int NOISE = 20;

  private TestImages() {}

  // ---- pixels ----

  /** An opaque RGB image: smooth gradients plus ±20 levels of per-pixel noise (seed 42). */
  public static BufferedImage noisyGradient(int width, int height) {
    return noisyGradient(width, height, 42);
  }

  public static BufferedImage noisyGradient(int width, int height, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int r = 30 + 190 * x / Math.max(1, width - 1);
        int g = 30 + 190 * y / Math.max(1, height - 1);
        int b = 128 + (int) (60 * Math.sin(x * 0.02) * Math.cos(y * 0.015));
        row[x] =
            clamp(r + random.nextInt(-NOISE, NOISE + 1)) << 16
                | clamp(g + random.nextInt(-NOISE, NOISE + 1)) << 8
                | clamp(b + random.nextInt(-NOISE, NOISE + 1));
      }
      image.setRGB(0, y, width, 1, row, 0, width);
    }
    return image;
  }

  /**
   * An ARGB image whose left half is fully transparent <em>black</em> (so dropping alpha instead of
   * flattening shows up as black) and whose right half is an opaque noisy gradient.
   */
  public static BufferedImage halfTransparent(int width, int height) {
    BufferedImage opaque = noisyGradient(width, height);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, x < width / 2 ? 0x00000000 : 0xFF000000 | opaque.getRGB(x, y));
      }
    }
    return image;
  }

  /** Four flat quadrants (RED, GREEN / BLUE, YELLOW) to tell rotations and flips apart. */
  public static BufferedImage quadrants(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        boolean left = x < width / 2;
        boolean top = y < height / 2;
        image.setRGB(x, y, top ? (left ? RED : GREEN) : (left ? BLUE : YELLOW));
      }
    }
    return image;
  }

  // ---- encoded ----

  /** A noisy-gradient JPEG at quality 90. */
  public static byte[] jpeg(int width, int height) {
    return jpeg(noisyGradient(width, height), 0.9f);
  }

  /** Encodes with the JDK's JPEG writer at the given quality (0..1); JFIF, no EXIF. */
  public static byte[] jpeg(BufferedImage image, float quality) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
        writer.setOutput(ios);
        writer.write(null, new IIOImage(image, null, null), param);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
  }

  /** A noisy-gradient PNG. */
  public static byte[] png(int width, int height) {
    return png(noisyGradient(width, height));
  }

  public static byte[] png(BufferedImage image) {
    return encode(image, "png");
  }

  /** A GIF (a format the pipeline does not accept). */
  public static byte[] gif(int width, int height) {
    return encode(noisyGradient(width, height), "gif");
  }

  /** Encodes with ImageIO's writer for {@code formatName} ("png", "gif", "bmp", ...). */
  public static byte[] encode(BufferedImage image, String formatName) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      if (!ImageIO.write(image, formatName, ios)) {
        throw new IllegalArgumentException("no ImageIO writer for " + formatName);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Decodes with ImageIO; fails loudly when the bytes are not an image. */
  public static BufferedImage decode(byte[] bytes) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
      if (image == null) {
        throw new IllegalArgumentException("not an image ImageIO can read");
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- EXIF ----

  /** A JPEG of {@link #quadrants} stored {@code width}×{@code height}, tagged with orientation. */
  public static byte[] jpegWithOrientation(int width, int height, int orientation) {
    return withExifOrientation(jpeg(quadrants(width, height), 0.95f), orientation);
  }

  public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    return withExifOrientation(jpeg, orientation, ByteOrder.BIG_ENDIAN);
  }

  /**
   * Inserts an APP1 Exif segment whose IFD0 holds one entry, Orientation (0x0112, SHORT), after SOI
   * and any JFIF APP0 segment. Either TIFF byte order ("MM" or "II").
   */
  public static byte[] withExifOrientation(byte[] jpeg, int orientation, ByteOrder order) {
    if ((jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
      throw new IllegalArgumentException("not a JPEG");
    }
    ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4).order(order);
    tiff.put(order == ByteOrder.BIG_ENDIAN ? (byte) 'M' : (byte) 'I');
    tiff.put(order == ByteOrder.BIG_ENDIAN ? (byte) 'M' : (byte) 'I');
    tiff.putShort((short) 42).putInt(8); // magic, offset of IFD0
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1); // Orientation, SHORT, count 1
    tiff.putShort((short) orientation).putShort((short) 0); // value, padded to 4 bytes
    tiff.putInt(0); // no IFD1

    byte[] exifHeader = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    int segmentLength = 2 + exifHeader.length + tiff.capacity();
    ByteArrayOutputStream app1 = new ByteArrayOutputStream();
    app1.write(0xFF);
    app1.write(0xE1);
    app1.write(segmentLength >> 8);
    app1.write(segmentLength & 0xFF);
    app1.writeBytes(exifHeader);
    app1.writeBytes(tiff.array());

    int insertAt = 2;
    if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) { // keep JFIF APP0 first
      insertAt = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + segmentLength + 2);
    out.write(jpeg, 0, insertAt);
    out.writeBytes(app1.toByteArray());
    out.write(jpeg, insertAt, jpeg.length - insertAt);
    return out.toByteArray();
  }

  // ---- colour models ----

  /**
   * A flat CMYK JPEG (4 components, no ICC profile) of the given ink amounts (0..255). Stored
   * inverted, as Adobe applications write CMYK JPEGs and as the JDK's reader interprets them.
   */
  public static byte[] cmykJpeg(int width, int height, int c, int m, int y, int k) {
    WritableRaster raster =
        Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
    int[] pixel = {255 - c, 255 - m, 255 - y, 255 - k};
    for (int row = 0; row < height; row++) {
      for (int x = 0; x < width; x++) {
        raster.setPixel(x, row, pixel);
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
        writer.setOutput(ios);
        writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
  }

  // ---- bombs ----

  /**
   * A PNG of a few dozen bytes whose IHDR (valid, with a correct CRC) declares {@code width} ×
   * {@code height} 8-bit RGB pixels; its IDAT holds at most one compressed scanline. A reader that
   * trusts the header and allocates before decoding asks for {@code width × height × 3} bytes.
   */
  public static byte[] pngBomb(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(out)) {
      data.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
      ByteBuffer ihdr = ByteBuffer.allocate(13);
      ihdr.putInt(width).putInt(height);
      ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
      chunk(data, "IHDR", ihdr.array());
      ByteArrayOutputStream idat = new ByteArrayOutputStream();
      try (DeflaterOutputStream z =
          new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
        z.write(new byte[Math.min(1 + 3 * width, 4096)]); // filter byte + (part of) one zero row
      }
      chunk(data, "IDAT", idat.toByteArray());
      chunk(data, "IEND", new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A small valid JPEG whose SOF header is patched to declare {@code width} × {@code height}. */
  public static byte[] jpegBomb(int width, int height) {
    if (width > 0xFFFF || height > 0xFFFF) {
      throw new IllegalArgumentException("JPEG dimensions are 16-bit");
    }
    byte[] jpeg = jpeg(16, 16);
    int i = 2;
    while (i + 9 < jpeg.length) {
      int marker = jpeg[i + 1] & 0xFF;
      int length = (jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF);
      if (marker >= 0xC0 && marker <= 0xC3) { // SOF0..SOF3: FF Cn len(2) precision(1) h(2) w(2)
        jpeg[i + 5] = (byte) (height >> 8);
        jpeg[i + 6] = (byte) height;
        jpeg[i + 7] = (byte) (width >> 8);
        jpeg[i + 8] = (byte) width;
        return jpeg;
      }
      i += 2 + length;
    }
    throw new IllegalStateException("no SOF marker in the JDK's JPEG");
  }

  private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(body);
    out.writeInt(body.length);
    out.write(typeBytes);
    out.write(body);
    out.writeInt((int) crc.getValue());
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  /**
   * Peak signal-to-noise ratio of {@code actual} against {@code reference}, over R, G and B, in dB
   * (infinite for identical pixels).
   *
   * @throws IllegalArgumentException when the sizes differ
   */
  public static double psnr(BufferedImage actual, BufferedImage reference) {
    if (actual.getWidth() != reference.getWidth() || actual.getHeight() != reference.getHeight()) {
      throw new IllegalArgumentException("PSNR needs images of the same size");
    }
    double sum = 0;
    for (int y = 0; y < reference.getHeight(); y++) {
      for (int x = 0; x < reference.getWidth(); x++) {
        int a = actual.getRGB(x, y);
        int e = reference.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          int d = (a >> shift & 0xFF) - (e >> shift & 0xFF);
          sum += d * d;
        }
      }
    }
    double mse = sum / (3.0 * reference.getWidth() * reference.getHeight());
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }
}
