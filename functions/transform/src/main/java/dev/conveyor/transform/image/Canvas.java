package dev.conveyor.transform.image;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * Places an image on an opaque canvas of one colour: contain's padding, and the flattening of alpha
 * for formats that have none. Pixels are copied, never resampled.
 */
final class Canvas {
  private Canvas() {}

  /**
   * A {@code canvas}-sized image of {@code background} (0xRRGGBB) with {@code image}'s top-left
   * corner at ({@code left}, {@code top}).
   *
   * @param keepAlpha whether the image's transparency is kept (the result is then {@code
   *     TYPE_INT_ARGB} when the image has alpha) or composited onto the background ({@code
   *     TYPE_INT_RGB})
   */
  static BufferedImage place(
      BufferedImage image, Size canvas, int left, int top, int background, boolean keepAlpha) {
    boolean alpha = keepAlpha && image.getColorModel().hasAlpha();
    BufferedImage out =
        new BufferedImage(
            canvas.width(),
            canvas.height(),
            alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(new Color(background));
      g.fillRect(0, 0, canvas.width(), canvas.height());
      g.setComposite(alpha ? AlphaComposite.Src : AlphaComposite.SrcOver);
      g.drawImage(image, left, top, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /** The image composited onto an opaque background of its own size. */
  static BufferedImage flatten(BufferedImage image, int background) {
    return place(image, new Size(image.getWidth(), image.getHeight()), 0, 0, background, false);
  }
}
