package dev.conveyor.transform.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.testing.TestImages;
import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoxHalvingTest {

  @ParameterizedTest
  @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB})
  void givesJava2dsBilinearHalfSizeImage(int type) {
    BufferedImage source = as(TestImages.noisyGradient(300, 200), type);

    BufferedImage fast = BoxHalving.halve(source);
    BufferedImage java2d = bilinearHalf(source);

    assertThat(fast.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
    assertThat(fast.getWidth()).isEqualTo(150);
    assertThat(fast.getHeight()).isEqualTo(100);
    for (int y = 0; y < fast.getHeight(); y++) {
      for (int x = 0; x < fast.getWidth(); x++) {
        int p = fast.getRGB(x, y);
        int q = java2d.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          assertThat(Math.abs((p >> shift & 0xFF) - (q >> shift & 0xFF)))
              .as("channel at (%d, %d)", x, y)
              .isLessThanOrEqualTo(1);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB})
  void anOddLastRowAndColumnAreDropped(int type) {
    BufferedImage source = as(TestImages.noisyGradient(301, 201), type);

    BufferedImage half = BoxHalving.halve(source);
    BufferedImage evenHalf = BoxHalving.halve(as(source, type, 300, 200));

    assertThat(half.getWidth()).isEqualTo(150);
    assertThat(half.getHeight()).isEqualTo(100);
    assertThat(half.getRGB(149, 99)).isEqualTo(evenHalf.getRGB(149, 99));
  }

  @ParameterizedTest
  @ValueSource(ints = {BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_GRAY})
  void leavesOtherLayoutsToJava2d(int type) {
    assertThat(BoxHalving.halve(as(TestImages.noisyGradient(40, 40), type))).isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB})
  void leavesACroppedViewToJava2d(int type) {
    BufferedImage view = as(TestImages.noisyGradient(80, 80), type).getSubimage(10, 10, 40, 40);

    assertThat(BoxHalving.halve(view)).isNull();
  }

  private static BufferedImage as(BufferedImage image, int type) {
    return as(image, type, image.getWidth(), image.getHeight());
  }

  /** The top-left {@code width}×{@code height} of {@code image}, copied into a new {@code type}. */
  private static BufferedImage as(BufferedImage image, int type, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, type);
    Graphics2D g = out.createGraphics();
    g.drawImage(image, 0, 0, null);
    g.dispose();
    return out;
  }

  private static BufferedImage bilinearHalf(BufferedImage source) {
    BufferedImage out =
        new BufferedImage(
            source.getWidth() / 2, source.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setComposite(AlphaComposite.Src);
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, Resampler.HALVING);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.drawImage(source, 0, 0, out.getWidth(), out.getHeight(), null);
    g.dispose();
    return out;
  }
}
