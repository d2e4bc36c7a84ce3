package dev.conveyor.transform.image.vips;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.image.Fit;
import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.image.Position;
import dev.conveyor.core.testing.TestImages;
import dev.conveyor.transform.image.EncodedImage;
import dev.conveyor.transform.image.ImageEngine;
import dev.conveyor.transform.image.ImageEngineContract;
import dev.conveyor.transform.image.ImageLimits;
import dev.conveyor.transform.image.JdkImageEngine;
import dev.conveyor.transform.image.RenditionRequest;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The libvips engine: the {@link ImageEngineContract}, plus what only libvips does (AVIF, attention
 * cropping) and how its outputs compare with the JDK engine's.
 */
class VipsImageEngineTest extends ImageEngineContract {
  private static final VipsImageEngine ENGINE = new VipsImageEngine(ImageLimits.DEFAULTS);

  @Override
  protected ImageEngine engine() {
    return ENGINE;
  }

  @Override
  protected ImageEngine engine(ImageLimits limits) {
    return new VipsImageEngine(limits);
  }

  /** ImageIO cannot read AVIF: libvips turns it into a PNG first. */
  @Override
  protected BufferedImage decode(byte[] encoded) {
    if (encoded.length > 12
        && new String(encoded, 4, 8, StandardCharsets.US_ASCII).equals("ftypavif")) {
      try (VipsInput input = VipsInput.copyOf(encoded);
          VipsImage image =
              VipsImage.newFromBuffer(input, VipsImage.Access.RANDOM, VipsImage.FailOn.ERROR)) {
        return TestImages.decode(image.pngsaveBuffer(1, false));
      }
    }
    return super.decode(encoded);
  }

  @Nested
  class OnlyLibvips {
    @Test
    void writesAvif() {
      EncodedImage out =
          ENGINE.render(
              TestImages.jpeg(640, 480), RenditionRequest.width(320, ImageFormat.AVIF, 50));

      assertThat(out.contentType()).isEqualTo("image/avif");
      assertThat(Arrays.copyOfRange(out.bytes(), 4, 12)).asString().isEqualTo("ftypavif");
      assertThat(decode(out.bytes()).getWidth()).isEqualTo(320);
    }

    @Test
    void coverAtAttentionKeepsTheBoxSize() {
      RenditionRequest request =
          RenditionRequest.box(200, 200, ImageFormat.JPEG, 80)
              .withFit(Fit.COVER, Position.ATTENTION);

      EncodedImage out = ENGINE.render(TestImages.jpeg(900, 400), request);

      assertThat(out.size().width()).isEqualTo(200);
      assertThat(out.size().height()).isEqualTo(200);
    }
  }

  @Nested
  class AgainstTheJdkEngine {
    @Test
    void bothEnginesGiveTheSameSizeAndCloseImages() {
      byte[] source = TestImages.jpeg(TestImages.noisyGradient(1600, 1200), 0.92f);
      RenditionRequest request = RenditionRequest.width(400, ImageFormat.PNG, 80);

      EncodedImage vips = ENGINE.render(source, request);
      EncodedImage jdk = new JdkImageEngine(ImageLimits.DEFAULTS).render(source, request);

      assertThat(vips.size()).isEqualTo(jdk.size());
      double psnr = TestImages.psnr(decode(vips.bytes()), decode(jdk.bytes()));
      assertThat(psnr).as("PSNR between the engines, dB").isGreaterThan(30);
    }
  }
}
