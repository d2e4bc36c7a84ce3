package dev.conveyor.transform.image;

import static dev.conveyor.core.image.ImageFormat.AVIF;
import static dev.conveyor.core.image.ImageFormat.JPEG;
import static dev.conveyor.core.image.ImageFormat.PNG;
import static dev.conveyor.core.image.ImageFormat.WEBP;
import static dev.conveyor.transform.image.Failures.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.core.image.Fit;
import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.image.Position;
import dev.conveyor.core.testing.TestImages;
import dev.conveyor.core.work.PermanentJobFailure;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pure-JDK engine: the {@link ImageEngineContract}, plus what is particular to this engine
 * (source decoding, guards, WebP through libwebp, and what it refuses).
 */
class JdkImageEngineTest extends ImageEngineContract {
  private static final JdkImageEngine ENGINE = new JdkImageEngine(ImageLimits.DEFAULTS);
  private static byte[] landscapeJpeg; // 1200 x 800

  @BeforeAll
  static void sources() {
    landscapeJpeg = TestImages.jpeg(1200, 800);
  }

  @Override
  protected ImageEngine engine() {
    return ENGINE;
  }

  @Override
  protected ImageEngine engine(ImageLimits limits) {
    return new JdkImageEngine(limits);
  }

  /** No AVIF encoder exists in Java. */
  @Override
  protected boolean supports(ImageFormat format) {
    return format != ImageFormat.AVIF;
  }

  @Nested
  class Unsupported {
    /** A valid header over image data that ends after one row: decoding it would fail. */
    private final byte[] undecodable = TestImages.pngBomb(300, 200);

    @Test
    void avifFailsBeforeDecodingAndNamesTheEngineThatCanWriteIt() {
      Throwable thrown =
          catchThrowable(() -> ENGINE.render(undecodable, RenditionRequest.width(100, AVIF, 50)));
      assertThat(((PermanentJobFailure) thrown).reason().code()).isEqualTo("unsupported-operation");
      assertThat(thrown).hasMessageContaining("AVIF").hasMessageContaining("libvips");
    }

    @Test
    void oneAvifRenditionFailsTheWholeSet() {
      assertThat(
              codeOf(() ->
                  ENGINE.renderAll(
                      landscapeJpeg,
                      List.of(
                          RenditionRequest.width(100, JPEG, 80),
                          RenditionRequest.width(100, AVIF, 50)))))
          .isEqualTo("unsupported-operation");
    }

    @Test
    void attentionFailsBeforeDecodingWhenTheImageMustBeCut() {
      RenditionRequest attention =
          RenditionRequest.box(100, 100, JPEG, 80).withFit(Fit.COVER, Position.ATTENTION);
      Throwable thrown = catchThrowable(() -> ENGINE.render(undecodable, attention));
      assertThat(((PermanentJobFailure) thrown).reason().code()).isEqualTo("unsupported-operation");
      assertThat(thrown).hasMessageContaining("attention").hasMessageContaining("libvips");
    }

    @Test
    void attentionWithNothingToCutIsAPlainResize() {
      RenditionRequest attention =
          RenditionRequest.box(300, 200, JPEG, 80).withFit(Fit.COVER, Position.ATTENTION);
      assertThat(ENGINE.render(landscapeJpeg, attention).size()).isEqualTo(new Size(300, 200));
    }
  }

  @Nested
  class WebP {
    @Test
    void anOpaqueImageIsWrittenAsLossyVp8() {
      EncodedImage out = ENGINE.render(landscapeJpeg, RenditionRequest.width(300, WEBP, 80));
      assertThat(EncodedFormats.webpChunks(out.bytes())).containsExactly("VP8 ");
      assertThat(decodedSize(out)).isEqualTo(new Size(300, 200));
    }

    @Test
    void transparencyIsWrittenAsAnAlphaChunkBesideTheLossyImage() {
      byte[] source = TestImages.png(TestImages.halfTransparent(400, 200));
      EncodedImage out = ENGINE.render(source, RenditionRequest.width(200, WEBP, 80));
      assertThat(EncodedFormats.webpChunks(out.bytes())).containsExactly("VP8X", "ALPH", "VP8 ");
    }

    @Test
    void qualityDrivesFidelityAsForJpeg() {
      // smooth, so that what is measured is the encoder, not chroma subsampling eating noise
      BufferedImage source = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 200; y++) {
        for (int x = 0; x < 300; x++) {
          int r = 128 + (int) (100 * Math.sin(x / 17.0));
          int g = 128 + (int) (100 * Math.cos(y / 11.0));
          int b = 128 + (int) (100 * Math.sin((x + y) / 23.0));
          source.setRGB(x, y, r << 16 | g << 8 | b);
        }
      }
      byte[] png = TestImages.png(source);
      double webp30 = psnr(ENGINE.render(png, RenditionRequest.width(300, WEBP, 30)), source);
      double webp90 = psnr(ENGINE.render(png, RenditionRequest.width(300, WEBP, 90)), source);
      double jpeg90 = psnr(ENGINE.render(png, RenditionRequest.width(300, JPEG, 90)), source);
      System.out.printf(
          "smooth 300x200, PSNR vs source: WebP q30 %.2f dB, q90 %.2f dB; JPEG q90 %.2f dB%n",
          webp30, webp90, jpeg90);
      assertThat(webp90).as("WebP q90 vs q30").isGreaterThan(webp30 + 3);
      // libwebp's quality scale runs a few dB below libjpeg's (here ≈ 43 against ≈ 46 dB)
      assertThat(webp90).as("WebP q90 vs JPEG q90").isGreaterThan(jpeg90 - 5);
    }

    private double psnr(EncodedImage out, BufferedImage source) {
      return TestImages.psnr(decode(out), source);
    }
  }

  @Nested
  class Sizing {
    @Test
    void aWidthOnlyRequestGetsExactlyThatWidth() {
      EncodedImage out = ENGINE.render(landscapeJpeg, RenditionRequest.width(300, JPEG, 80));
      assertThat(out.size()).isEqualTo(new Size(300, 200));
      assertThat(decodedSize(out)).isEqualTo(new Size(300, 200));
    }

    @Test
    void aHeightOnlyRequestGetsExactlyThatHeight() {
      EncodedImage out = ENGINE.render(landscapeJpeg, RenditionRequest.height(100, JPEG, 80));
      assertThat(decodedSize(out)).isEqualTo(new Size(150, 100));
    }

    @Test
    void aBoxRequestFitsInsideTheBoxWithTheAspectRatioKept() {
      assertThat(decodedSize(ENGINE.render(landscapeJpeg, RenditionRequest.box(300, 300, PNG, 80))))
          .isEqualTo(new Size(300, 200));
      assertThat(decodedSize(ENGINE.render(landscapeJpeg, RenditionRequest.box(900, 90, PNG, 80))))
          .isEqualTo(new Size(135, 90));
    }

    @Test
    void neverUpscales() {
      byte[] small = TestImages.jpeg(400, 300);
      assertThat(decodedSize(ENGINE.render(small, RenditionRequest.width(1000, JPEG, 80))))
          .isEqualTo(new Size(400, 300));
      assertThat(decodedSize(ENGINE.render(small, RenditionRequest.box(2000, 2000, PNG, 80))))
          .isEqualTo(new Size(400, 300));
    }

    @Test
    void rendersSeveralRenditionsFromOneDecodeInRequestOrder() {
      List<EncodedImage> out =
          ENGINE.renderAll(
              landscapeJpeg,
              List.of(
                  RenditionRequest.width(600, JPEG, 80),
                  RenditionRequest.height(80, PNG, 80),
                  RenditionRequest.width(1200, JPEG, 90)));
      assertThat(out)
          .extracting(EncodedImage::size)
          .containsExactly(new Size(600, 400), new Size(120, 80), new Size(1200, 800));
      assertThat(out)
          .extracting(EncodedImage::contentType)
          .containsExactly("image/jpeg", "image/png", "image/jpeg");
    }

    @Test
    void keepsTheContentWhileShrinking() {
      byte[] quadrants = TestImages.png(TestImages.quadrants(1000, 600));
      BufferedImage out = decode(ENGINE.render(quadrants, RenditionRequest.width(100, PNG, 80)));
      assertThat(out.getRGB(10, 10) & 0xFFFFFF).isEqualTo(TestImages.RED);
      assertThat(out.getRGB(90, 10) & 0xFFFFFF).isEqualTo(TestImages.GREEN);
      assertThat(out.getRGB(10, 50) & 0xFFFFFF).isEqualTo(TestImages.BLUE);
      assertThat(out.getRGB(90, 50) & 0xFFFFFF).isEqualTo(TestImages.YELLOW);
      // edges are not darkened or washed out by the resampling
      assertThat(out.getRGB(0, 0) & 0xFFFFFF).isEqualTo(TestImages.RED);
      assertThat(out.getRGB(99, 59) & 0xFFFFFF).isEqualTo(TestImages.YELLOW);
    }
  }

  @Nested
  class Orientation {
    @Test
    void orientation6TurnsA400x200SourceUprightTo200x400BeforeResizing() {
      byte[] source = TestImages.jpegWithOrientation(400, 200, 6);

      EncodedImage full = ENGINE.render(source, RenditionRequest.width(1000, PNG, 80));
      assertThat(full.size()).isEqualTo(new Size(200, 400));

      // the width asked for is the upright width: 100 wide, 200 high
      EncodedImage small = ENGINE.render(source, RenditionRequest.width(100, PNG, 80));
      assertThat(decodedSize(small)).isEqualTo(new Size(100, 200));

      // rotated 90° clockwise: stored top-left RED is now top-right, stored bottom-left BLUE
      // is top-left
      BufferedImage img = decode(small);
      assertNear(img.getRGB(25, 50), TestImages.BLUE);
      assertNear(img.getRGB(75, 50), TestImages.RED);
      assertNear(img.getRGB(25, 150), TestImages.YELLOW);
      assertNear(img.getRGB(75, 150), TestImages.GREEN);
    }

    @Test
    void aHeightRequestOnARotatedSourceBoundsTheUprightHeight() {
      byte[] source = TestImages.jpegWithOrientation(400, 200, 8);
      assertThat(ENGINE.render(source, RenditionRequest.height(100, JPEG, 80)).size())
          .isEqualTo(new Size(50, 100));
    }

    @Test
    void littleEndianExifIsHonouredToo() {
      byte[] source =
          TestImages.withExifOrientation(
              TestImages.jpeg(TestImages.quadrants(400, 200), 0.95f), 3, ByteOrder.LITTLE_ENDIAN);
      BufferedImage img = decode(ENGINE.render(source, RenditionRequest.width(200, PNG, 80)));
      assertNear(img.getRGB(10, 10), TestImages.YELLOW); // rotated 180°
    }

    @Test
    void theProbeReportsStoredAndUprightSizes() {
      ImageHeader header = ENGINE.probe(TestImages.jpegWithOrientation(400, 200, 6));
      assertThat(header).isEqualTo(new ImageHeader(SourceFormat.JPEG, 400, 200, 6));
      assertThat(new Size(header.displayWidth(), header.displayHeight()))
          .isEqualTo(new Size(200, 400));
    }

    @Test
    void outputsCarryNoExifAndNeedNoFurtherTurning() {
      byte[] source = TestImages.jpegWithOrientation(400, 200, 6);
      EncodedImage out = ENGINE.render(source, RenditionRequest.width(100, JPEG, 80));
      assertThat(new String(out.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain("Exif");
      assertThat(ENGINE.probe(out.bytes()).orientation()).isEqualTo(1);
    }
  }

  @Nested
  class Formats {
    @ParameterizedTest
    @EnumSource(
        value = ImageFormat.class,
        names = {"JPEG", "PNG"})
    void theProbeRecognisesItsOwnOutputs(ImageFormat format) {
      EncodedImage out = ENGINE.render(landscapeJpeg, RenditionRequest.width(240, format, 80));
      ImageHeader header = ENGINE.probe(out.bytes());
      assertThat(header.format().name()).isEqualTo(format.name());
      assertThat(new Size(header.width(), header.height())).isEqualTo(new Size(240, 160));
    }

    @Test
    void pngAlphaIsFlattenedOntoWhiteForJpeg() {
      byte[] source = TestImages.png(TestImages.halfTransparent(400, 200));
      BufferedImage out = decode(ENGINE.render(source, RenditionRequest.width(200, JPEG, 90)));
      assertThat(out.getColorModel().hasAlpha()).isFalse();
      assertNear(out.getRGB(20, 50), 0xFFFFFF); // transparent black became white, not black
      assertThat(out.getRGB(180, 50) & 0xFFFFFF).isNotEqualTo(0xFFFFFF);
    }

    @Test
    void pngAlphaIsKeptExactlyForPng() {
      byte[] source = TestImages.png(TestImages.halfTransparent(400, 200));
      BufferedImage out = decode(ENGINE.render(source, RenditionRequest.width(200, PNG, 90)));
      assertThat(out.getColorModel().hasAlpha()).isTrue();
      assertThat(out.getRGB(20, 50) >>> 24).isZero();
      assertThat(out.getRGB(180, 50) >>> 24).isEqualTo(0xFF);
    }

    @Test
    void transparentPixelsDoNotBleedTheirColourIntoEdges() {
      BufferedImage source = new BufferedImage(100, 10, BufferedImage.TYPE_INT_ARGB);
      for (int y = 0; y < 10; y++) {
        for (int x = 0; x < 100; x++) {
          source.setRGB(x, y, x < 50 ? 0x00FF0000 : 0xFF0000FF); // invisible red | opaque blue
        }
      }
      byte[] png = TestImages.png(source);
      BufferedImage asPng = decode(ENGINE.render(png, RenditionRequest.width(33, PNG, 80)));
      BufferedImage asJpeg = decode(ENGINE.render(png, RenditionRequest.width(33, JPEG, 95)));
      for (int x = 0; x < 33; x++) {
        assertThat(asPng.getRGB(x, 1) >> 16 & 0xFF).as("red at x=%d", x).isZero();
        int flat = asJpeg.getRGB(x, 1);
        // on white, an edge may be light blue but never pinkish
        assertThat((flat >> 16 & 0xFF) - (flat >> 8 & 0xFF))
            .as("red tint at x=%d", x)
            .isLessThan(12);
      }
    }

    @Test
    void theFormatIsJudgedByMagicBytes() {
      assertThat(ENGINE.probe(TestImages.png(30, 20)))
          .isEqualTo(new ImageHeader(SourceFormat.PNG, 30, 20, 1));
      assertThat(ENGINE.probe(TestImages.jpeg(30, 20)))
          .isEqualTo(new ImageHeader(SourceFormat.JPEG, 30, 20, 1));
    }

    @Test
    void greyscaleSourcesAreConverted() {
      BufferedImage grey = new BufferedImage(64, 32, BufferedImage.TYPE_BYTE_GRAY);
      fill(grey.getRaster(), 128);
      assertNear(firstPixel(TestImages.png(grey)), 0x808080);
      assertNear(firstPixel(TestImages.jpeg(grey, 0.95f)), 0x808080);
    }

    @Test
    void sixteenBitSourcesAreConverted() {
      BufferedImage grey16 = new BufferedImage(64, 32, BufferedImage.TYPE_USHORT_GRAY);
      fill(grey16.getRaster(), 0x4040);
      assertNear(firstPixel(TestImages.png(grey16)), 0x404040);

      ComponentColorModel rgb16 =
          new ComponentColorModel(
              ColorSpace.getInstance(ColorSpace.CS_sRGB),
              false,
              false,
              Transparency.OPAQUE,
              DataBuffer.TYPE_USHORT);
      WritableRaster raster = rgb16.createCompatibleWritableRaster(64, 32);
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 64; x++) {
          raster.setPixel(x, y, new int[] {0xFFFF, 0, 0x8080});
        }
      }
      byte[] png = TestImages.png(new BufferedImage(rgb16, raster, false, null));
      assertNear(firstPixel(png), 0xFF0080);
    }

    @Test
    void palettedSourcesAreConvertedKeepingTransparency() {
      byte[] r = {(byte) 255, 0};
      byte[] g = {0, 0};
      byte[] b = {0, (byte) 255};
      byte[] a = {(byte) 255, 0};
      BufferedImage paletted =
          new BufferedImage(
              64, 32, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, r, g, b, a));
      for (int x = 32; x < 64; x++) {
        for (int y = 0; y < 32; y++) {
          paletted.getRaster().setSample(x, y, 0, 1); // right half: transparent blue
        }
      }
      byte[] png = TestImages.png(paletted);
      BufferedImage asPng = decode(ENGINE.render(png, RenditionRequest.width(32, PNG, 80)));
      assertThat(asPng.getRGB(4, 8)).isEqualTo(0xFFFF0000);
      assertThat(asPng.getRGB(28, 8) >>> 24).isZero();
      BufferedImage asJpeg = decode(ENGINE.render(png, RenditionRequest.width(32, JPEG, 95)));
      assertNear(asJpeg.getRGB(4, 8), 0xFF0000);
      assertNear(asJpeg.getRGB(28, 8), 0xFFFFFF);
    }

    @Test
    void cmykJpegsAreConvertedToRgb() {
      byte[] cyan = TestImages.cmykJpeg(64, 48, 255, 0, 0, 0);
      int rgb = firstPixel(cyan);
      assertThat(rgb >> 16 & 0xFF).as("red").isLessThan(100);
      assertThat(rgb >> 8 & 0xFF).as("green").isGreaterThan(150);
      assertThat(rgb & 0xFF).as("blue").isGreaterThan(150);

      int black = firstPixel(TestImages.cmykJpeg(64, 48, 0, 0, 0, 255));
      assertNear(black, 0x000000, 60);
    }

    private int firstPixel(byte[] source) {
      return decode(ENGINE.render(source, RenditionRequest.width(16, JPEG, 95))).getRGB(4, 4);
    }
  }

  // ---- helpers ----

  private static BufferedImage decode(EncodedImage image) {
    return TestImages.decode(image.bytes());
  }

  private static Size decodedSize(EncodedImage image) {
    BufferedImage decoded = decode(image);
    return new Size(decoded.getWidth(), decoded.getHeight());
  }

  private static void fill(WritableRaster raster, int value) {
    for (int y = 0; y < raster.getHeight(); y++) {
      for (int x = 0; x < raster.getWidth(); x++) {
        raster.setSample(x, y, 0, value);
      }
    }
  }

  private static void assertNear(int actualArgb, int expectedRgb) {
    assertNear(actualArgb, expectedRgb, 12);
  }

  private static void assertNear(int actualArgb, int expectedRgb, int tolerance) {
    for (int shift = 0; shift <= 16; shift += 8) {
      int a = actualArgb >> shift & 0xFF;
      int e = expectedRgb >> shift & 0xFF;
      assertThat(Math.abs(a - e))
          .as(
              "channel at bit %d of #%06x vs expected #%06x",
              shift, actualArgb & 0xFFFFFF, expectedRgb)
          .isLessThanOrEqualTo(tolerance);
    }
  }
}
