package dev.conveyor.transform.image;

import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.Rotation;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * One of the eight ways to turn and mirror an image in 90° steps (the EXIF orientations), as a
 * lookup from output pixels to input pixels: optionally {@code transpose} (output x reads input y
 * and vice versa), then mirror the input coordinate along x ({@code mirrorX}) and along y ({@code
 * mirrorY}). Orientations compose ({@link #then}), so EXIF auto-orientation, a rotation, flip and
 * flop become one pass that moves each pixel once, without resampling.
 */
record Orientation(boolean transpose, boolean mirrorX, boolean mirrorY) {
  static final Orientation UPRIGHT = new Orientation(false, false, false);

  /** Mirrors left and right ({@code flop}). */
  static final Orientation MIRROR_HORIZONTALLY = new Orientation(false, true, false);

  /** Turns upside down ({@code flip}). */
  static final Orientation MIRROR_VERTICALLY = new Orientation(false, false, true);

  static final Orientation CLOCKWISE_90 = new Orientation(true, false, true);
  static final Orientation CLOCKWISE_180 = new Orientation(false, true, true);
  static final Orientation CLOCKWISE_270 = new Orientation(true, true, false);

  /**
   * What an EXIF Orientation tag (1-8) asks for to show the stored pixels upright; anything else
   * counts as 1.
   */
  static Orientation exif(int tag) {
    return switch (tag) {
      case 2 -> MIRROR_HORIZONTALLY;
      case 3 -> CLOCKWISE_180;
      case 4 -> MIRROR_VERTICALLY;
      case 5 -> new Orientation(true, false, false); // transpose
      case 6 -> CLOCKWISE_90;
      case 7 -> new Orientation(true, true, true); // transverse
      case 8 -> CLOCKWISE_270;
      default -> UPRIGHT;
    };
  }

  static Orientation of(Rotation rotation) {
    return switch (rotation) {
      case NONE -> UPRIGHT;
      case CLOCKWISE_90 -> CLOCKWISE_90;
      case CLOCKWISE_180 -> CLOCKWISE_180;
      case CLOCKWISE_270 -> CLOCKWISE_270;
    };
  }

  /** This orientation followed by {@code next}, as one. */
  Orientation then(Orientation next) {
    // An output pixel of `next` reads pixel next(p) of this one's output, which reads this(next(p))
    // of the input. Passing through a transposing step, next's mirrors change axes.
    return transpose
        ? new Orientation(!next.transpose, mirrorX ^ next.mirrorY, mirrorY ^ next.mirrorX)
        : new Orientation(next.transpose, mirrorX ^ next.mirrorX, mirrorY ^ next.mirrorY);
  }

  /** Whether width and height trade places. */
  boolean swapsAxes() {
    return transpose;
  }

  /** The size of an {@code input}-sized image once turned. */
  Size turn(Size input) {
    return transpose ? input.transposed() : input;
  }

  /**
   * The rectangle of an {@code input}-sized image that ends up as {@code area} of the turned image:
   * where to crop before turning so as to get the same pixels as cropping after.
   */
  Rectangle inputRegion(CropArea area, Size input) {
    // along the input's x axis lies the output's y axis when transposed, and vice versa
    int xStart = transpose ? area.top() : area.left();
    int xLength = transpose ? area.height() : area.width();
    int yStart = transpose ? area.left() : area.top();
    int yLength = transpose ? area.width() : area.height();
    int x = mirrorX ? input.width() - xStart - xLength : xStart;
    int y = mirrorY ? input.height() - yStart - yLength : yStart;
    return new Rectangle(x, y, xLength, yLength);
  }

  /**
   * The image turned: a new image of the same type ({@code TYPE_INT_RGB} or {@code TYPE_INT_ARGB}),
   * or the same image when this is {@link #UPRIGHT}. Pixels are moved, never resampled.
   */
  BufferedImage apply(BufferedImage image) {
    if (equals(UPRIGHT)) {
      return image;
    }
    int type = image.getType();
    if (type != BufferedImage.TYPE_INT_RGB && type != BufferedImage.TYPE_INT_ARGB) {
      throw new IllegalArgumentException("expects TYPE_INT_RGB or TYPE_INT_ARGB, got " + type);
    }
    int w = image.getWidth();
    int h = image.getHeight();
    int[] src = (int[]) image.getRaster().getDataElements(0, 0, w, h, null);
    int outW = transpose ? h : w;
    int outH = transpose ? w : h;
    // The input index is linear in the output coordinates: start + x * stepX + y * stepY.
    int alongX = mirrorX ? -1 : 1;
    int alongY = mirrorY ? -w : w;
    int stepX = transpose ? alongY : alongX;
    int stepY = transpose ? alongX : alongY;
    int start = (mirrorY ? (h - 1) * w : 0) + (mirrorX ? w - 1 : 0);
    int[] dst = new int[src.length];
    int o = 0;
    for (int y = 0; y < outH; y++) {
      int i = start + y * stepY;
      for (int x = 0; x < outW; x++) {
        dst[o++] = src[i];
        i += stepX;
      }
    }
    BufferedImage out = new BufferedImage(outW, outH, type);
    out.getRaster().setDataElements(0, 0, outW, outH, dst);
    return out;
  }
}
