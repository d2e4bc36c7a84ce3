package dev.conveyor.transform.image;

import static dev.conveyor.core.image.ImageFormat.JPEG;
import static dev.conveyor.core.image.ImageFormat.PNG;
import static dev.conveyor.core.testing.TestImages.BLUE;
import static dev.conveyor.core.testing.TestImages.GREEN;
import static dev.conveyor.core.testing.TestImages.RED;
import static dev.conveyor.core.testing.TestImages.YELLOW;
import static dev.conveyor.transform.image.Failures.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.Fit;
import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.image.Position;
import dev.conveyor.core.image.Rotation;
import dev.conveyor.core.testing.TestImages;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link ImageEngine} must do, checked on real images made in memory: sizes for each fit
 * and enlargement rule, crop, rotation, flip and flop, EXIF orientation, cover and contain
 * placement, colour conversion to sRGB, alpha flattening, and encoding (format, progressive,
 * quality, no metadata). An engine's test extends this class and supplies {@link #engine()}; an
 * engine that cannot write a format says so in {@link #supports}, and one whose outputs ImageIO
 * cannot read overrides {@link #decode}. Pixel checks use PNG output, which every engine writes
 * losslessly.
 */
public abstract class ImageEngineContract {
  /** A 1200×800 noisy photo-like JPEG. */
  private static final byte[] LANDSCAPE = TestImages.jpeg(1200, 800);

  /** RED GREEN / BLUE YELLOW quadrants, 400×200, lossless. */
  private static final byte[] QUADRANTS = TestImages.png(TestImages.quadrants(400, 200));

  /** The same, 200×400. */
  private static final byte[] TALL_QUADRANTS = TestImages.png(TestImages.quadrants(200, 400));

  private static final int BACKGROUND = 0x336699;

  /** The engine under test, with the default limits; may return the same instance every time. */
  protected abstract ImageEngine engine();

  /** An engine of the same kind with other limits. */
  protected abstract ImageEngine engine(ImageLimits limits);

  /** Whether the engine writes this format; tests of formats it does not write are skipped. */
  protected boolean supports(ImageFormat format) {
    return true;
  }

  /** Decodes an output for pixel checks; ImageIO (with the WebP plugin on the test classpath). */
  protected BufferedImage decode(byte[] encoded) {
    return TestImages.decode(encoded);
  }

  @Nested
  class Sizes {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "INSIDE,  300, 200",
      "OUTSIDE, 450, 300",
      "COVER,   300, 300",
      "CONTAIN, 300, 300",
      "FILL,    300, 300"
    })
    void eachFitGivesItsSizeForA300x300Box(Fit fit, int width, int height) {
      assertSize(render(LANDSCAPE, box(300, 300, fit)), width, height);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "INSIDE,  400, 300",
      "OUTSIDE, 400, 300",
      "COVER,   400, 300",
      "CONTAIN, 800, 800",
      "FILL,    400, 300"
    })
    void withoutEnlargementABoxLargerThanTheImageLeavesItsSize(Fit fit, int width, int height) {
      byte[] small = TestImages.jpeg(400, 300);
      assertSize(render(small, box(800, 800, fit)), width, height);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "INSIDE,  800,  600",
      "OUTSIDE, 1067, 800",
      "COVER,   800,  800",
      "CONTAIN, 800,  800",
      "FILL,    800,  800"
    })
    void withEnlargementTheImageIsScaledUp(Fit fit, int width, int height) {
      byte[] small = TestImages.jpeg(400, 300);
      assertSize(render(small, box(800, 800, fit).withEnlargement(true)), width, height);
    }

    @Test
    void withOneSideGivenThatSideDecidesAndTheOtherFollowsTheAspectRatio() {
      assertSize(render(LANDSCAPE, RenditionRequest.width(300, PNG, 80)), 300, 200);
      assertSize(render(LANDSCAPE, RenditionRequest.height(100, PNG, 80)), 150, 100);
      byte[] small = TestImages.jpeg(300, 200);
      assertSize(render(small, RenditionRequest.width(600, PNG, 80)), 300, 200);
      assertSize(
          render(small, RenditionRequest.width(600, PNG, 80).withEnlargement(true)), 600, 400);
    }

    @Test
    void withNoSideGivenTheSizeIsKept() {
      RenditionRequest none =
          new RenditionRequest(OptionalInt.empty(), OptionalInt.empty(), PNG, 80);
      assertSize(render(LANDSCAPE, none), 1200, 800);
    }

    @Test
    void severalRenditionsComeBackInRequestOrder() {
      List<EncodedImage> out =
          engine()
              .renderAll(
                  LANDSCAPE,
                  List.of(
                      box(100, 100, Fit.COVER),
                      RenditionRequest.width(600, JPEG, 80),
                      box(50, 80, Fit.FILL)));
      assertThat(out)
          .extracting(EncodedImage::size)
          .containsExactly(new Size(100, 100), new Size(600, 400), new Size(50, 80));
    }
  }

  @Nested
  class Steps {
    /** Where the source's quadrants end up; the source is 400×200 RED GREEN / BLUE YELLOW. */
    @ParameterizedTest(name = "rotate {0}, flip {1}, flop {2}")
    @CsvSource({
      // rotate, flip, flop, width, height, then the colours top-left, top-right, bottom-left,
      // bottom-right
      "0,   false, false, 400, 200, RED,    GREEN,  BLUE,   YELLOW",
      "90,  false, false, 200, 400, BLUE,   RED,    YELLOW, GREEN",
      "180, false, false, 400, 200, YELLOW, BLUE,   GREEN,  RED",
      "270, false, false, 200, 400, GREEN,  YELLOW, RED,    BLUE",
      "0,   true,  false, 400, 200, BLUE,   YELLOW, RED,    GREEN",
      "0,   false, true,  400, 200, GREEN,  RED,    YELLOW, BLUE",
      "0,   true,  true,  400, 200, YELLOW, BLUE,   GREEN,  RED",
      "90,  true,  false, 200, 400, YELLOW, GREEN,  BLUE,   RED",
      "90,  false, true,  200, 400, RED,    BLUE,   GREEN,  YELLOW",
      "270, true,  true,  200, 400, BLUE,   RED,    YELLOW, GREEN"
    })
    void rotateThenFlipAndFlop(
        int degrees,
        boolean flip,
        boolean flop,
        int width,
        int height,
        String tl,
        String tr,
        String bl,
        String br) {
      RenditionRequest request =
          unsized(PNG).withSteps(Optional.empty(), rotation(degrees), flip, flop);
      BufferedImage out = pixels(render(QUADRANTS, request));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(width, height));
      assertQuadrants(out, tl, tr, bl, br, 2);
    }

    @Test
    void stepsApplyToTheResizedImageToo() {
      RenditionRequest request =
          RenditionRequest.width(100, PNG, 80)
              .withSteps(Optional.empty(), Rotation.CLOCKWISE_90, false, true);
      BufferedImage out = pixels(render(QUADRANTS, request));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(100, 200));
      assertQuadrants(out, "RED", "BLUE", "GREEN", "YELLOW", 4);
    }

    /** The stored quadrants are RED GREEN / BLUE YELLOW; the tag says how to show them. */
    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({
      "1, RED,    GREEN,  BLUE,   YELLOW",
      "2, GREEN,  RED,    YELLOW, BLUE",
      "3, YELLOW, BLUE,   GREEN,  RED",
      "4, BLUE,   YELLOW, RED,    GREEN",
      "5, RED,    BLUE,   GREEN,  YELLOW",
      "6, BLUE,   RED,    YELLOW, GREEN",
      "7, YELLOW, GREEN,  BLUE,   RED",
      "8, GREEN,  YELLOW, RED,    BLUE"
    })
    void exifOrientationIsHonoured(int orientation, String tl, String tr, String bl, String br) {
      byte[] source = TestImages.jpegWithOrientation(400, 200, orientation);
      boolean turned = orientation >= 5;

      BufferedImage full = pixels(render(source, unsized(PNG)));
      assertThat(full.getWidth()).isEqualTo(turned ? 200 : 400);
      assertThat(full.getHeight()).isEqualTo(turned ? 400 : 200);
      assertQuadrants(full, tl, tr, bl, br, 12);

      // sizes refer to the upright image
      BufferedImage small = pixels(render(source, RenditionRequest.width(100, PNG, 80)));
      assertThat(small.getWidth()).isEqualTo(100);
      assertThat(small.getHeight()).isEqualTo(turned ? 200 : 50);
      assertQuadrants(small, tl, tr, bl, br, 12);
    }

    @Test
    void aCropCutsTheRectangleOut() {
      BufferedImage green = pixels(render(QUADRANTS, cropped(200, 0, 200, 100)));
      assertThat(new Size(green.getWidth(), green.getHeight())).isEqualTo(new Size(200, 100));
      assertQuadrants(green, "GREEN", "GREEN", "GREEN", "GREEN", 0);
      assertColour(green.getRGB(0, 0), GREEN, 0);
      assertColour(green.getRGB(199, 99), GREEN, 0);

      BufferedImage middle = pixels(render(QUADRANTS, cropped(100, 50, 200, 100)));
      assertQuadrants(middle, "RED", "GREEN", "BLUE", "YELLOW", 0);
    }

    @Test
    void theCropIsTakenFromTheUprightImage() {
      // stored 400x200 with orientation 6 shows 200x400: BLUE RED / YELLOW GREEN
      byte[] source = TestImages.jpegWithOrientation(400, 200, 6);
      BufferedImage topRight = pixels(render(source, cropped(100, 0, 100, 200)));
      assertThat(new Size(topRight.getWidth(), topRight.getHeight())).isEqualTo(new Size(100, 200));
      assertQuadrants(topRight, "RED", "RED", "RED", "RED", 12);
      BufferedImage bottomLeft = pixels(render(source, cropped(0, 200, 100, 200)));
      assertQuadrants(bottomLeft, "YELLOW", "YELLOW", "YELLOW", "YELLOW", 12);
    }

    @Test
    void theCropComesBeforeTheRotationAndTheResize() {
      // the left half (RED over BLUE), turned clockwise (BLUE left of RED), then halved
      RenditionRequest request =
          RenditionRequest.width(100, PNG, 80)
              .withSteps(
                  Optional.of(new CropArea(0, 0, 200, 200)), Rotation.CLOCKWISE_90, false, false);
      BufferedImage out = pixels(render(QUADRANTS, request));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(100, 100));
      assertQuadrants(out, "BLUE", "RED", "BLUE", "RED", 4);
    }

    @Test
    void aCropOutsideTheImageFailsAsInvalidCrop() {
      assertThat(codeOf(() -> render(QUADRANTS, cropped(300, 0, 101, 100))))
          .isEqualTo("invalid-crop");
      assertThat(codeOf(() -> render(QUADRANTS, cropped(0, 0, 400, 201))))
          .isEqualTo("invalid-crop");
    }

    @Test
    void everyRenditionIsCheckedBeforeAnythingIsDecoded() {
      // a valid header over image data that ends after one row: decoding would fail as corrupt
      byte[] broken = TestImages.pngBomb(300, 200);
      assertThat(
              codeOf(() ->
                  engine()
                      .renderAll(
                          broken,
                          List.of(
                              RenditionRequest.width(100, PNG, 80), cropped(250, 0, 100, 100)))))
          .isEqualTo("invalid-crop");
      assertThat(codeOf(() -> engine().render(broken, RenditionRequest.width(100, PNG, 80))))
          .isEqualTo("corrupt-image");
    }
  }

  @Nested
  class Placement {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "NORTH,  RED,  GREEN,  RED,    GREEN",
      "SOUTH,  BLUE, YELLOW, BLUE,   YELLOW",
      "CENTRE, RED,  GREEN,  BLUE,   YELLOW"
    })
    void coverKeepsThePartAtItsPositionOfATallImage(
        Position position, String tl, String tr, String bl, String br) {
      // 200x400 covering 100x100 is 100x200, of which 100 rows are kept
      BufferedImage out = pixels(render(TALL_QUADRANTS, box(100, 100, Fit.COVER, position)));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(100, 100));
      assertQuadrants(out, tl, tr, bl, br, 4);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"WEST, RED, BLUE", "EAST, GREEN, YELLOW", "NORTHWEST, RED, BLUE"})
    void coverKeepsThePartAtItsPositionOfAWideImage(Position position, String top, String bottom) {
      BufferedImage out = pixels(render(QUADRANTS, box(100, 100, Fit.COVER, position)));
      assertQuadrants(out, top, top, bottom, bottom, 4);
    }

    @Test
    void containPadsWithTheBackgroundAroundTheCentredImage() {
      BufferedImage out = pixels(render(QUADRANTS, box(200, 200, Fit.CONTAIN, Position.CENTRE)));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(200, 200));
      for (int x : new int[] {0, 50, 150, 199}) {
        assertColour(out.getRGB(x, 0), BACKGROUND, 1);
        assertColour(out.getRGB(x, 45), BACKGROUND, 1);
        assertColour(out.getRGB(x, 155), BACKGROUND, 1);
        assertColour(out.getRGB(x, 199), BACKGROUND, 1);
      }
      assertColour(out.getRGB(50, 75), RED, 4);
      assertColour(out.getRGB(150, 75), GREEN, 4);
      assertColour(out.getRGB(50, 125), BLUE, 4);
      assertColour(out.getRGB(150, 125), YELLOW, 4);
    }

    @Test
    void containPlacesTheImageByPosition() {
      BufferedImage north = pixels(render(QUADRANTS, box(200, 200, Fit.CONTAIN, Position.NORTH)));
      assertColour(north.getRGB(50, 5), RED, 4);
      assertColour(north.getRGB(50, 195), BACKGROUND, 1);
      BufferedImage southEast =
          pixels(render(TALL_QUADRANTS, box(300, 200, Fit.CONTAIN, Position.SOUTHEAST)));
      // 200x400 inside 300x200 is 100x200, against the right edge
      assertColour(southEast.getRGB(150, 100), BACKGROUND, 1);
      assertColour(southEast.getRGB(225, 50), RED, 4);
      assertColour(southEast.getRGB(275, 150), YELLOW, 4);
    }

    @Test
    void containPadsJpegsWithTheBackgroundToo() {
      RenditionRequest request = withBackground(box(200, 200, Fit.CONTAIN, Position.CENTRE), JPEG);
      BufferedImage out = decode(render(QUADRANTS, request).bytes());
      assertColour(out.getRGB(100, 10), BACKGROUND, 8);
      assertColour(out.getRGB(100, 190), BACKGROUND, 8);
    }

    @Test
    void fillStretchesTheImageToTheBox() {
      BufferedImage out = pixels(render(QUADRANTS, box(100, 100, Fit.FILL, Position.CENTRE)));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(100, 100));
      assertQuadrants(out, "RED", "GREEN", "BLUE", "YELLOW", 4);
    }

    @Test
    void anEnlargedImageKeepsItsContent() {
      byte[] small = TestImages.png(TestImages.quadrants(100, 50));
      BufferedImage out =
          pixels(render(small, RenditionRequest.width(400, PNG, 80).withEnlargement(true)));
      assertThat(new Size(out.getWidth(), out.getHeight())).isEqualTo(new Size(400, 200));
      assertQuadrants(out, "RED", "GREEN", "BLUE", "YELLOW", 4);
      assertColour(out.getRGB(0, 0), RED, 4);
      assertColour(out.getRGB(399, 199), YELLOW, 4);
    }
  }

  @Nested
  class Colour {
    /** A flat colour whose Adobe RGB and sRGB meanings differ a lot. */
    private static final int ADOBE_GREEN = 0x28A03C; // (40, 160, 60)

    @Test
    void anAdobeRgbJpegIsConvertedToSrgb() {
      int expected = TaggedImages.adobeRgbToSrgb(ADOBE_GREEN);
      assertThat(maxChannelDifference(expected, ADOBE_GREEN))
          .as("the test colour changes visibly")
          .isGreaterThan(20);
      byte[] jpeg = TestImages.jpeg(flat(64, 48, ADOBE_GREEN), 0.95f);
      byte[] tagged = TaggedImages.jpegWithProfile(jpeg, TaggedImages.adobeRgbProfile());

      assertColour(pixels(render(tagged, unsized(PNG))).getRGB(32, 24), expected, 4);
      assertColour(
          pixels(render(tagged, RenditionRequest.width(16, PNG, 80))).getRGB(8, 6), expected, 4);
    }

    @Test
    void anAdobeRgbPngIsConvertedToSrgb() {
      byte[] png = TestImages.png(flat(64, 48, ADOBE_GREEN));
      byte[] tagged = TaggedImages.pngWithProfile(png, TaggedImages.adobeRgbProfile());
      int expected = TaggedImages.adobeRgbToSrgb(ADOBE_GREEN);
      assertColour(pixels(render(tagged, unsized(PNG))).getRGB(32, 24), expected, 3);
    }

    @Test
    void aConvertedImageKeepsItsTransparency() {
      BufferedImage halfClear = new BufferedImage(64, 48, BufferedImage.TYPE_INT_ARGB);
      for (int y = 0; y < 48; y++) {
        for (int x = 0; x < 64; x++) {
          halfClear.setRGB(x, y, x < 32 ? 0 : 0xFF000000 | ADOBE_GREEN);
        }
      }
      byte[] tagged =
          TaggedImages.pngWithProfile(TestImages.png(halfClear), TaggedImages.adobeRgbProfile());
      BufferedImage out = pixels(render(tagged, unsized(PNG)));
      assertThat(out.getRGB(10, 24) >>> 24).isZero();
      assertThat(out.getRGB(50, 24) >>> 24).isEqualTo(0xFF);
      assertColour(out.getRGB(50, 24), TaggedImages.adobeRgbToSrgb(ADOBE_GREEN), 3);
    }

    @Test
    void anSrgbProfileChangesNothing() {
      byte[] jpeg = TestImages.jpeg(flat(64, 48, ADOBE_GREEN), 0.95f);
      byte[] tagged =
          TaggedImages.jpegWithProfile(jpeg, ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData());
      int untagged = pixels(render(jpeg, unsized(PNG))).getRGB(32, 24);
      assertColour(pixels(render(tagged, unsized(PNG))).getRGB(32, 24), untagged, 2);
    }

    @Test
    void alphaIsFlattenedOntoTheBackgroundForJpeg() {
      byte[] source = TestImages.png(TestImages.halfTransparent(400, 200));
      RenditionRequest request = withBackground(RenditionRequest.width(200, JPEG, 95), JPEG);
      BufferedImage out = decode(render(source, request).bytes());
      assertThat(out.getColorModel().hasAlpha()).isFalse();
      assertColour(out.getRGB(20, 50), BACKGROUND, 8); // transparent black became the background
      assertThat(maxChannelDifference(out.getRGB(180, 50), BACKGROUND)).isGreaterThan(30);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ImageFormat.class)
    void formatsWithAlphaKeepIt(ImageFormat format) {
      assumeTrue(format.supportsAlpha() && supports(format), format + " with alpha");
      byte[] source = TestImages.png(TestImages.halfTransparent(400, 200));
      BufferedImage out = decode(render(source, RenditionRequest.width(200, format, 90)).bytes());
      assertThat(out.getColorModel().hasAlpha()).isTrue();
      assertThat(out.getRGB(20, 50) >>> 24).isLessThanOrEqualTo(2);
      assertThat(out.getRGB(180, 50) >>> 24).isGreaterThanOrEqualTo(253);
    }
  }

  @Nested
  class Encoding {
    @ParameterizedTest(name = "{0}")
    @EnumSource(ImageFormat.class)
    void theOutputIsTheRequestedFormat(ImageFormat format) {
      assumeTrue(supports(format), format + " is written");
      EncodedImage out = render(LANDSCAPE, RenditionRequest.width(240, format, 80));
      assertThat(out.contentType()).isEqualTo(format.contentType());
      assertThat(EncodedFormats.hasMagicBytes(out.bytes(), format)).as("magic bytes").isTrue();
      assertThat(out.size()).isEqualTo(new Size(240, 160));
      BufferedImage decoded = decode(out.bytes());
      assertThat(new Size(decoded.getWidth(), decoded.getHeight())).isEqualTo(new Size(240, 160));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ImageFormat.class)
    void noMetadataReachesTheOutput(ImageFormat format) {
      assumeTrue(supports(format), format + " is written");
      byte[] jpeg =
          TaggedImages.jpegWithComment(
              TaggedImages.jpegWithProfile(
                  TestImages.withExifOrientation(TestImages.jpeg(300, 200), 6),
                  TaggedImages.adobeRgbProfile()),
              "a comment");
      assertThat(EncodedFormats.metadata(jpeg, JPEG))
          .contains("APP1 Exif", "APP2 ICC_PROFILE", "COM");
      byte[] png =
          TaggedImages.pngWithChunk(
              TaggedImages.pngWithChunk(
                  TaggedImages.pngWithProfile(
                      TestImages.png(300, 200), TaggedImages.adobeRgbProfile()),
                  "tEXt",
                  "Comment\0a comment".getBytes(StandardCharsets.ISO_8859_1)),
              "eXIf",
              TaggedImages.exifOrientation(1));
      assertThat(EncodedFormats.metadata(png, PNG)).contains("iCCP", "tEXt", "eXIf");

      for (byte[] source : List.of(jpeg, png)) {
        EncodedImage out = render(source, RenditionRequest.width(100, format, 80));
        assertThat(EncodedFormats.metadata(out.bytes(), format)).isEmpty();
      }
    }

    @Test
    void aProgressiveJpegHasProgressiveScans() {
      RenditionRequest baseline = RenditionRequest.width(300, JPEG, 80);
      RenditionRequest progressive = baseline.withFormat(JPEG, 80, true);
      assertThat(EncodedFormats.jpegSegments(render(LANDSCAPE, progressive).bytes()))
          .contains("SOF2")
          .doesNotContain("SOF0", "SOF1");
      assertThat(EncodedFormats.jpegSegments(render(LANDSCAPE, baseline).bytes()))
          .containsAnyOf("SOF0", "SOF1")
          .doesNotContain("SOF2");
    }

    @Test
    void aProgressivePngIsInterlaced() {
      RenditionRequest plain = RenditionRequest.width(300, PNG, 80);
      EncodedImage interlaced = render(LANDSCAPE, plain.withFormat(PNG, 80, true));
      assertThat(EncodedFormats.pngInterlaced(interlaced.bytes())).isTrue();
      assertThat(EncodedFormats.pngInterlaced(render(LANDSCAPE, plain).bytes())).isFalse();
      assertThat(decode(interlaced.bytes()).getWidth()).isEqualTo(300);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
        value = ImageFormat.class,
        names = {"JPEG", "WEBP", "AVIF"})
    void qualityTradesSizeForFidelity(ImageFormat format) {
      assumeTrue(supports(format), format + " is written");
      int low = render(LANDSCAPE, RenditionRequest.width(600, format, 30)).bytes().length;
      int high = render(LANDSCAPE, RenditionRequest.width(600, format, 90)).bytes().length;
      assertThat(low).isLessThan(high * 2 / 3);
    }

    @ParameterizedTest(name = "quality {0}")
    @ValueSource(ints = {1, 50, 100})
    void pngIgnoresQualityAndIsLossless(int quality) {
      BufferedImage original = TestImages.noisyGradient(120, 80);
      BufferedImage out =
          pixels(render(TestImages.png(original), RenditionRequest.width(120, PNG, quality)));
      for (int y = 0; y < 80; y++) {
        for (int x = 0; x < 120; x++) {
          assertThat(out.getRGB(x, y)).isEqualTo(original.getRGB(x, y));
        }
      }
    }
  }

  // ---- helpers ----

  private EncodedImage render(byte[] source, RenditionRequest request) {
    return engine().render(source, request);
  }

  /** Decodes a PNG output, checking it is one. */
  private BufferedImage pixels(EncodedImage png) {
    assertThat(EncodedFormats.hasMagicBytes(png.bytes(), PNG)).as("a PNG").isTrue();
    return decode(png.bytes());
  }

  /** Guards against hostile or broken sources: each a permanent failure, before any decoding. */
  @Nested
  class Guards {
    @Test
    void aPngBombFailsFastWithoutAllocating() {
      byte[] bomb = TestImages.pngBomb(100_000, 100_000);
      assertThat(bomb.length).isLessThan(200);
      engine().probe(TestImages.png(8, 8)); // load ImageIO's plugins before measuring

      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
      long start = System.nanoTime();
      String code = codeOf(() -> engine().render(bomb, RenditionRequest.width(100, JPEG, 80)));
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
      assertThat(engine().probe(bomb).pixels()).isEqualTo(3_600_000_000L);
      assertThat(codeOf(() -> engine().render(bomb, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("source-pixels-too-many");
    }

    @Test
    void thePixelLimitIsInclusive() {
      ImageEngine engine = engine(new ImageLimits(1 << 20, 100 * 100, 8192));
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
      ImageEngine engine = engine(new ImageLimits(1000, 50_000_000, 8192));
      assertThat(codeOf(() -> engine.render(LANDSCAPE, RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("source-too-large");
    }

    @Test
    void anOutputOverTheDimensionLimitFailsBeforeDecoding() {
      ImageEngine engine = engine(new ImageLimits(1 << 24, 50_000_000, 500));
      // a request larger than the limit
      assertThat(codeOf(() -> engine.render(LANDSCAPE, RenditionRequest.width(600, JPEG, 80))))
          .isEqualTo("output-too-large");
      // a width-only request whose height follows the aspect ratio past the limit
      byte[] strip = TestImages.png(100, 2000);
      assertThat(codeOf(() -> engine.render(strip, RenditionRequest.width(50, PNG, 80))))
          .isEqualTo("output-too-large");
      // one bad rendition fails the whole set
      assertThat(
              codeOf(() ->
                  engine.renderAll(
                      LANDSCAPE,
                      List.of(
                          RenditionRequest.width(100, JPEG, 80),
                          RenditionRequest.height(800, JPEG, 80)))))
          .isEqualTo("output-too-large");
    }

    @Test
    void aTruncatedJpegIsCorrupt() {
      byte[] truncated = Arrays.copyOf(LANDSCAPE, LANDSCAPE.length * 6 / 10);
      assertThat(engine().probe(truncated).width()).isEqualTo(1200); // the header is intact
      assertThat(codeOf(() -> engine().render(truncated, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aJpegCutInsideItsHeaderIsCorrupt() {
      byte[] cut = Arrays.copyOf(LANDSCAPE, 100);
      assertThat(codeOf(() -> engine().probe(cut))).isEqualTo("corrupt-image");
      assertThat(codeOf(() -> engine().render(cut, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aTruncatedPngIsCorrupt() {
      byte[] png = TestImages.png(300, 200);
      byte[] truncated = Arrays.copyOf(png, png.length / 2);
      assertThat(codeOf(() -> engine().render(truncated, RenditionRequest.width(100, PNG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void garbageBehindJpegMagicBytesIsCorrupt() {
      byte[] garbage = new byte[4096];
      new Random(7).nextBytes(garbage);
      garbage[0] = (byte) 0xFF;
      garbage[1] = (byte) 0xD8;
      garbage[2] = (byte) 0xFF;
      assertThat(codeOf(() -> engine().render(garbage, RenditionRequest.width(100, JPEG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aPngWhoseImageDataEndsEarlyIsCorrupt() {
      byte[] small = TestImages.pngBomb(300, 200); // a valid header, one row of data
      assertThat(engine().probe(small)).isEqualTo(new ImageHeader(SourceFormat.PNG, 300, 200, 1));
      assertThat(codeOf(() -> engine().render(small, RenditionRequest.width(100, PNG, 80))))
          .isEqualTo("corrupt-image");
    }

    @Test
    void aGifIsUnsupportedWhateverItIsCalled() {
      byte[] gif = TestImages.gif(40, 30);
      assertThat(codeOf(() -> engine().render(gif, RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("unsupported-format");
      assertThat(codeOf(() -> engine().probe(gif))).isEqualTo("unsupported-format");
    }

    @Test
    void randomOrEmptyBytesAreUnsupported() {
      byte[] random = new byte[1000];
      new Random(1).nextBytes(random);
      random[0] = 0x42; // make sure it does not start like a JPEG by chance
      assertThat(codeOf(() -> engine().render(random, RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("unsupported-format");
      assertThat(codeOf(() -> engine().render(new byte[0], RenditionRequest.width(10, JPEG, 80))))
          .isEqualTo("unsupported-format");
      assertThat(codeOf(() -> engine().probe(new byte[] {(byte) 0xFF, (byte) 0xD8})))
          .isEqualTo("unsupported-format");
    }

    @Test
    void theFailureMessageNamesAnUnsupportedFormatItRecognises() {
      byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
      Throwable thrown = catchThrowable(() -> engine().probe(webp));
      assertThat(thrown).hasMessageContaining("WebP");
    }
  }

  private void assertSize(EncodedImage out, int width, int height) {
    assertThat(out.size()).isEqualTo(new Size(width, height));
    BufferedImage decoded = decode(out.bytes());
    assertThat(new Size(decoded.getWidth(), decoded.getHeight()))
        .as("decoded size")
        .isEqualTo(new Size(width, height));
  }

  private static RenditionRequest box(int width, int height, Fit fit) {
    return RenditionRequest.box(width, height, PNG, 80).withFit(fit, Position.CENTRE);
  }

  private static RenditionRequest box(int width, int height, Fit fit, Position position) {
    return withBackground(RenditionRequest.box(width, height, PNG, 80).withFit(fit, position), PNG);
  }

  private static RenditionRequest unsized(ImageFormat format) {
    return new RenditionRequest(OptionalInt.empty(), OptionalInt.empty(), format, 80);
  }

  private static RenditionRequest cropped(int left, int top, int width, int height) {
    return unsized(PNG)
        .withSteps(
            Optional.of(new CropArea(left, top, width, height)), Rotation.NONE, false, false);
  }

  /** The request with {@link #BACKGROUND} and the given format. */
  private static RenditionRequest withBackground(RenditionRequest r, ImageFormat format) {
    return new RenditionRequest(
        r.width(),
        r.height(),
        r.fit(),
        r.position(),
        r.withoutEnlargement(),
        r.crop(),
        r.rotate(),
        r.flip(),
        r.flop(),
        format,
        r.quality(),
        r.progressive(),
        BACKGROUND);
  }

  private static Rotation rotation(int degrees) {
    return Rotation.ofDegrees(degrees).orElseThrow();
  }

  private static BufferedImage flat(int width, int height, int rgb) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }

  /** Checks the colour at the centre of each quadrant. */
  private static void assertQuadrants(
      BufferedImage image, String tl, String tr, String bl, String br, int tolerance) {
    int w = image.getWidth();
    int h = image.getHeight();
    assertColour(image.getRGB(w / 4, h / 4), colour(tl), tolerance);
    assertColour(image.getRGB(3 * w / 4, h / 4), colour(tr), tolerance);
    assertColour(image.getRGB(w / 4, 3 * h / 4), colour(bl), tolerance);
    assertColour(image.getRGB(3 * w / 4, 3 * h / 4), colour(br), tolerance);
  }

  private static void assertColour(int actualArgb, int expectedRgb, int tolerance) {
    assertThat(maxChannelDifference(actualArgb, expectedRgb))
        .as("#%06x vs expected #%06x", actualArgb & 0xFFFFFF, expectedRgb & 0xFFFFFF)
        .isLessThanOrEqualTo(tolerance);
  }

  private static int maxChannelDifference(int a, int b) {
    int max = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
      max = Math.max(max, Math.abs((a >> shift & 0xFF) - (b >> shift & 0xFF)));
    }
    return max;
  }

  private static int colour(String name) {
    return switch (name) {
      case "RED" -> RED;
      case "GREEN" -> GREEN;
      case "BLUE" -> BLUE;
      case "YELLOW" -> YELLOW;
      default -> throw new IllegalArgumentException(name);
    };
  }
}
