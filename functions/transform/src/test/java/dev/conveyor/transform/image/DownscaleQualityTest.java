package dev.conveyor.transform.image;

import static dev.conveyor.core.image.ImageFormat.JPEG;
import static dev.conveyor.core.image.ImageFormat.PNG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.testing.TestImages;
import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/**
 * How close the pure-JDK engine's downscaling comes to an ideal area average. Prints its figures;
 * timings belong in bench/, not here.
 */
class DownscaleQualityTest {
  private final JdkImageEngine engine = new JdkImageEngine();

  @Test
  void downscalingA4000x3000NoisyPhotoTo800WideStaysWithin30dBOfAnAreaAverage() {
    byte[] source = TestImages.jpeg(TestImages.noisyGradient(4000, 3000), 0.95f);
    BufferedImage decoded = TestImages.decode(source); // the pixels the engine starts from
    BufferedImage reference = areaAverage(decoded, 5); // 4000/800 = 3000/600 = 5

    BufferedImage multiStep =
        TestImages.decode(engine.render(source, RenditionRequest.width(800, PNG, 100)).bytes());
    BufferedImage jpegQ80 =
        TestImages.decode(engine.render(source, RenditionRequest.width(800, JPEG, 80)).bytes());
    BufferedImage oneStep = oneStepBilinear(decoded, 800, 600);

    double psnr = TestImages.psnr(multiStep, reference);
    double psnrJpeg = TestImages.psnr(jpegQ80, reference);
    double psnrOneStep = TestImages.psnr(oneStep, reference);
    System.out.printf(
        "4000x3000 noisy JPEG q95 -> 800x600, PSNR vs 5x5 area average:%n"
            + "  multi-step (PNG out)    %.2f dB%n"
            + "  multi-step (JPEG q80)   %.2f dB%n"
            + "  one-step drawImage      %.2f dB%n",
        psnr, psnrJpeg, psnrOneStep);

    assertThat(multiStep.getWidth()).isEqualTo(800);
    assertThat(multiStep.getHeight()).isEqualTo(600);
    assertThat(psnr).isGreaterThanOrEqualTo(30.0);
    assertThat(psnr).as("multi-step beats one step").isGreaterThan(psnrOneStep + 3);
  }

  /** Each output pixel is the mean of a {@code factor}×{@code factor} block of source pixels. */
  static BufferedImage areaAverage(BufferedImage source, int factor) {
    int w = source.getWidth() / factor;
    int h = source.getHeight() / factor;
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[source.getWidth() * factor];
    int n = factor * factor;
    for (int y = 0; y < h; y++) {
      source.getRGB(0, y * factor, source.getWidth(), factor, row, 0, source.getWidth());
      for (int x = 0; x < w; x++) {
        int r = 0;
        int g = 0;
        int b = 0;
        for (int dy = 0; dy < factor; dy++) {
          for (int dx = 0; dx < factor; dx++) {
            int p = row[dy * source.getWidth() + x * factor + dx];
            r += p >> 16 & 0xFF;
            g += p >> 8 & 0xFF;
            b += p & 0xFF;
          }
        }
        out.setRGB(x, y, (r + n / 2) / n << 16 | (g + n / 2) / n << 8 | (b + n / 2) / n);
      }
    }
    return out;
  }

  private static BufferedImage oneStepBilinear(BufferedImage source, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setComposite(AlphaComposite.Src);
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(source, 0, 0, w, h, null);
    g.dispose();
    return out;
  }
}
