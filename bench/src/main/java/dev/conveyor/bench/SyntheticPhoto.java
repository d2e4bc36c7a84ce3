package dev.conveyor.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A deterministic stand-in for a camera photo: smooth colour fields (sky, shapes, shading) with
 * sensor-like noise on top. Noise matters: it is what makes a JPEG of a photo large and slow to
 * decode and encode, unlike a flat synthetic test card.
 */
final class SyntheticPhoto {
  private SyntheticPhoto() {}

  /** A {@code width}×{@code height} JPEG at quality 92, the same bytes for the same seed. */
  static byte[] jpeg(int width, int height, long seed) {
    Random random = new Random(seed);
    double[][] blobs = new double[12][];
    for (int i = 0; i < blobs.length; i++) {
      blobs[i] =
          new double[] {
            random.nextDouble() * width,
            random.nextDouble() * height,
            (0.05 + random.nextDouble() * 0.25) * Math.min(width, height),
            random.nextDouble() * 255,
            random.nextDouble() * 255,
            random.nextDouble() * 255
          };
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      double v = (double) y / height;
      for (int x = 0; x < width; x++) {
        double u = (double) x / width;
        double r = 70 + 120 * v + 30 * Math.sin(u * 7);
        double g = 110 + 80 * (1 - v) + 25 * Math.cos(v * 11 + u * 3);
        double b = 170 - 90 * v + 20 * Math.sin(u * 13 + v * 5);
        for (double[] blob : blobs) {
          double dx = x - blob[0];
          double dy = y - blob[1];
          double weight = Math.exp(-(dx * dx + dy * dy) / (2 * blob[2] * blob[2]));
          r += (blob[3] - r) * weight;
          g += (blob[4] - g) * weight;
          b += (blob[5] - b) * weight;
        }
        double grain = random.nextGaussian() * 9;
        row[x] = rgb(r + grain, g + grain, b + grain + random.nextGaussian() * 3);
      }
      image.setRGB(0, y, width, 1, row, 0, width);
    }
    return encode(image);
  }

  private static int rgb(double r, double g, double b) {
    return clamp(r) << 16 | clamp(g) << 8 | clamp(b);
  }

  private static int clamp(double value) {
    return (int) Math.max(0, Math.min(255, Math.round(value)));
  }

  private static byte[] encode(BufferedImage image) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.92f);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
