package dev.conveyor.transform.image;

import static dev.conveyor.core.image.ImageFormat.JPEG;
import static dev.conveyor.core.image.ImageFormat.PNG;
import static dev.conveyor.transform.image.Failures.codeOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.testing.TestImages;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdkImageEngineTest {
  private static final JdkImageEngine ENGINE = new JdkImageEngine(ImageLimits.DEFAULTS);
  private static byte[] landscapeJpeg; // 1200 x 800

  @BeforeAll
  static void sources() {
    landscapeJpeg = TestImages.jpeg(1200, 800);
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
    @EnumSource(ImageFormat.class)
    void theOutputIsADecodableImageOfTheRequestedFormat(ImageFormat format) {
      EncodedImage out = ENGINE.render(landscapeJpeg, RenditionRequest.width(240, format, 80));
      assertThat(out.contentType()).isEqualTo(format.contentType());
      assertThat(ENGINE.probe(out.bytes()).format().name()).isEqualTo(format.name());
      assertThat(decodedSize(out)).isEqualTo(new Size(240, 160));
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
    void pngAlphaIsKeptForPng() {
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
    void jpegQualityTradesSizeForFidelity() {
      int low = ENGINE.render(landscapeJpeg, RenditionRequest.width(600, JPEG, 30)).bytes().length;
      int high = ENGINE.render(landscapeJpeg, RenditionRequest.width(600, JPEG, 90)).bytes().length;
      assertThat(low).isLessThan(high * 2 / 3);
    }

    @Test
    void pngIsLossless() {
      BufferedImage original = TestImages.noisyGradient(120, 80);
      BufferedImage out =
          decode(ENGINE.render(TestImages.png(original), RenditionRequest.width(120, PNG, 1)));
      for (int y = 0; y < 80; y++) {
        for (int x = 0; x < 120; x++) {
          assertThat(out.getRGB(x, y)).isEqualTo(original.getRGB(x, y));
        }
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

  @Nested
  class Guards {
    @Test
    void aPngBombFailsFastWithoutAllocating() {
      byte[] bomb = TestImages.pngBomb(100_000, 100_000);
      assertThat(bomb.length).isLessThan(200);
      ENGINE.probe(TestImages.png(8, 8)); // load ImageIO's plugins before measuring

      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
      long start = System.nanoTime();
      String code = codeOf(() -> ENGINE.render(bomb, RenditionRequest.width(100, JPEG, 80)));
      long millis = (System.nanoTime() - start) / 1_000_000;
      long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;

      System.out.printf(
          "PNG bomb (%d bytes declaring 100000x100000): %s in %d ms, %d bytes allocated%n",
          bomb.length, code, millis, allocated);
      assertThat(code).isEqualTo("source-pixels-too-many");
      assertThat(millis).as("milliseconds").isLessThan(250);
      // decoding would need 100000 x 100000 x 3 bytes = 30 GB; the header read needs kilobytes
      assertThat(allocated).as("bytes allocated").isLessThan(4L << 20);
    }

    @Test
    void aJpegWhoseHeaderDeclaresHugeDimensionsFailsBeforeDecoding() {
      byte[] bomb = TestImages.jpegBomb(60_000, 60_000);
      assertThat(ENGINE.probe(bomb).pixels()).isEqualTo(3_600_000_000L);
      assertThat(codeOf(() -> ENGINE.render(bomb, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("source-pixels-too-many");
    }

    @Test
    void thePixelLimitIsInclusive() {
      JdkImageEngine engine = new JdkImageEngine(new ImageLimits(1 << 20, 100 * 100, 8192));
      assertThat(
              engine.render(TestImages.png(100, 100), RenditionRequest.width(10, PNG, 80)).size())
          .isEqualTo(new Size(10, 10));
      assertThat(
              codeOf(() ->
                  engine.render(TestImages.png(101, 100), RenditionRequest.width(10, PNG, 80))))
          .isEqualTo("source-pixels-too-many");
    }

    @Test
    void theDefaultPixelLimitAdmitsA50MegapixelPhoneSensor() {
      ImageLimits.DEFAULTS.checkSourcePixels(new ImageHeader(SourceFormat.JPEG, 8160, 6144, 1));
      assertThat(
              codeOf(() ->
                  ImageLimits.DEFAULTS.checkSourcePixels(
                      new ImageHeader(SourceFormat.JPEG, 8192, 8192, 1))))
          .isEqualTo("source-pixels-too-many");
    }

    @Test
    void aSourceOverTheByteLimitFailsBeforeItsHeaderIsRead() {
      JdkImageEngine engine = new JdkImageEngine(new ImageLimits(1000, 50_000_000, 8192));
      assertThat(codeOf(() -> engine.render(landscapeJpeg, RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("source-too-large");
    }

    @Test
    void anOutputOverTheDimensionLimitFailsBeforeDecoding() {
      JdkImageEngine engine = new JdkImageEngine(new ImageLimits(1 << 24, 50_000_000, 500));
      // a request larger than the limit
      assertThat(codeOf(() -> engine.render(landscapeJpeg, RenditionRequest.width(600, JPEG, 80))))
          .isEqualTo("output-too-large");
      // a width-only request whose height follows the aspect ratio past the limit
      byte[] strip = TestImages.png(100, 2000);
      assertThat(codeOf(() -> engine.render(strip, RenditionRequest.width(50, PNG, 80))))
          .isEqualTo("output-too-large");
      // one bad rendition fails the whole set
      assertThat(
              codeOf(() ->
                  engine.renderAll(
                      landscapeJpeg,
                      List.of(
                          RenditionRequest.width(100, JPEG, 80),
                          RenditionRequest.height(800, JPEG, 80)))))
          .isEqualTo("output-too-large");
    }

    @Test
    void aTruncatedJpegIsCorrupt() {
      byte[] truncated = Arrays.copyOf(landscapeJpeg, landscapeJpeg.length * 6 / 10);
      assertThat(ENGINE.probe(truncated).width()).isEqualTo(1200); // the header is intact
      assertThat(codeOf(() -> ENGINE.render(truncated, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aJpegCutInsideItsHeaderIsCorrupt() {
      byte[] cut = Arrays.copyOf(landscapeJpeg, 100);
      assertThat(codeOf(() -> ENGINE.probe(cut))).isEqualTo("corrupt-image");
      assertThat(codeOf(() -> ENGINE.render(cut, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aTruncatedPngIsCorrupt() {
      byte[] png = TestImages.png(300, 200);
      byte[] truncated = Arrays.copyOf(png, png.length / 2);
      assertThat(codeOf(() -> ENGINE.render(truncated, RenditionRequest.width(100, PNG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void garbageBehindJpegMagicBytesIsCorrupt() {
      byte[] garbage = new byte[4096];
      new Random(7).nextBytes(garbage);
      garbage[0] = (byte) 0xFF;
      garbage[1] = (byte) 0xD8;
      garbage[2] = (byte) 0xFF;
      assertThat(codeOf(() -> ENGINE.render(garbage, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aPngWhoseImageDataEndsEarlyIsCorrupt() {
      byte[] small = TestImages.pngBomb(300, 200); // a valid header, one row of data
      assertThat(ENGINE.probe(small)).isEqualTo(new ImageHeader(SourceFormat.PNG, 300, 200, 1));
      assertThat(codeOf(() -> ENGINE.render(small, RenditionRequest.width(100, PNG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aGifIsUnsupportedWhateverItIsCalled() {
      byte[] gif = TestImages.gif(40, 30);
      assertThat(codeOf(() -> ENGINE.render(gif, RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("unsupported-format");
      assertThat(codeOf(() -> ENGINE.probe(gif))).isEqualTo("unsupported-format");
    }

    @Test
    void randomOrEmptyBytesAreUnsupported() {
      byte[] random = new byte[1000];
      new Random(1).nextBytes(random);
      random[0] = 0x42; // make sure it does not start like a JPEG by chance
      assertThat(codeOf(() -> ENGINE.render(random, RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("unsupported-format");
      assertThat(codeOf(() -> ENGINE.render(new byte[0], RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("unsupported-format");
      assertThat(codeOf(() -> ENGINE.probe(new byte[] {(byte) 0xFF, (byte) 0xD8})))
          .isEqualTo("unsupported-format");
    }

    @Test
    void theFailureMessageNamesAnUnsupportedFormatItRecognises() {
      byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
      Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> ENGINE.probe(webp));
      assertThat(thrown).hasMessageContaining("WebP");
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
