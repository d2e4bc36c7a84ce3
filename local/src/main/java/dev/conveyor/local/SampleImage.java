package dev.conveyor.local;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** A photo-like JPEG for the demo, drawn at run time so the repository ships no binaries. */
final class SampleImage {
  private SampleImage() {}

  static byte[] jpeg(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setPaint(
          new GradientPaint(0, 0, new Color(20, 60, 140), 0, height, new Color(250, 170, 90)));
      g.fillRect(0, 0, width, height);
      g.setColor(new Color(255, 240, 200));
      g.fillOval(width * 3 / 5, height / 6, width / 6, width / 6);
      g.setColor(new Color(30, 40, 35));
      int[] xs = {0, width / 4, width / 2, width * 3 / 4, width, width, 0};
      int[] ys = {
        height * 3 / 4, height / 2, height * 2 / 3, height * 9 / 20, height * 2 / 3, height, height
      };
      g.fillPolygon(xs, ys, xs.length);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "jpeg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
