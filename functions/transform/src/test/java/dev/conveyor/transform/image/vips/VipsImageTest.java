package dev.conveyor.transform.image.vips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.testing.TestImages;
import dev.conveyor.transform.image.vips.VipsImage.Access;
import dev.conveyor.transform.image.vips.VipsImage.Angle;
import dev.conveyor.transform.image.vips.VipsImage.BandFormat;
import dev.conveyor.transform.image.vips.VipsImage.Direction;
import dev.conveyor.transform.image.vips.VipsImage.FailOn;
import dev.conveyor.transform.image.vips.VipsImage.Interesting;
import dev.conveyor.transform.image.vips.VipsImage.Interpretation;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs the real libvips (the bundled linux-x64 build) on images made in memory. */
class VipsImageTest {
  // 3000x2000 like a small camera photo; made once, it takes a moment.
  private static final byte[] PHOTO = TestImages.jpeg(3000, 2000);

  // ---- header ----

  @Test
  void readsAJpegHeaderWithoutDecoding() {
    byte[] jpeg = TestImages.jpegWithOrientation(400, 300, 6);
    try (VipsInput input = VipsInput.copyOf(jpeg);
        VipsImage image = VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.ERROR)) {
      assertThat(image.width()).isEqualTo(400);
      assertThat(image.height()).isEqualTo(300);
      assertThat(image.bands()).isEqualTo(3);
      assertThat(image.orientation()).isEqualTo(6);
      assertThat(image.hasAlpha()).isFalse();
      assertThat(image.hasIccProfile()).isFalse();
      assertThat(image.interpretation()).isEqualTo(Interpretation.SRGB);
      assertThat(image.bandFormat()).isEqualTo(BandFormat.UCHAR);
      assertThat(image.loader()).hasValue("jpegload_buffer");
    }
  }

  @Test
  void readsAPngHeaderWithAlpha() {
    byte[] png = TestImages.png(TestImages.halfTransparent(120, 80));
    try (VipsInput input = VipsInput.copyOf(png);
        VipsImage image = VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.ERROR)) {
      assertThat(image.width()).isEqualTo(120);
      assertThat(image.height()).isEqualTo(80);
      assertThat(image.bands()).isEqualTo(4);
      assertThat(image.hasAlpha()).isTrue();
      assertThat(image.orientation()).isEqualTo(1);
      assertThat(image.loader()).hasValue("pngload_buffer");
    }
  }

  @Test
  void readsTheDeclaredSizeOfAnImageBombWithoutAllocatingIt() {
    // 100000 x 100000 RGB would be 30 GB decoded; the header read costs nothing.
    try (VipsInput input = VipsInput.copyOf(TestImages.pngBomb(100_000, 100_000));
        VipsImage image = VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.ERROR)) {
      assertThat(image.width()).isEqualTo(100_000);
      assertThat(image.height()).isEqualTo(100_000);
    }
  }

  // ---- shrink-on-load and resize ----

  @Test
  void shrinksOnLoadThenResizesToExactly800Wide() {
    // 3000x2000 -> 800 wide: 800x533. The ratio is 3.75, so sharp would shrink on load by 2.
    try (VipsInput input = VipsInput.copyOf(PHOTO);
        VipsImage shrunk = VipsImage.jpegloadBuffer(input, 2, Access.SEQUENTIAL, FailOn.ERROR);
        VipsImage resized = shrunk.resizeTo(800, 533)) {
      assertThat(shrunk.width()).isEqualTo(1500);
      assertThat(shrunk.height()).isEqualTo(1000);
      assertThat(resized.width()).isEqualTo(800);
      assertThat(resized.height()).isEqualTo(533);

      BufferedImage decoded = TestImages.decode(resized.jpegsaveBuffer(80, false));
      assertThat(decoded.getWidth()).isEqualTo(800);
      assertThat(decoded.getHeight()).isEqualTo(533);
    }
  }

  @Test
  void shrinkOnLoadDividesBothSidesRoundingDown() {
    try (VipsInput input = VipsInput.copyOf(TestImages.jpeg(1001, 335));
        VipsImage image = VipsImage.jpegloadBuffer(input, 8, Access.SEQUENTIAL, FailOn.ERROR)) {
      assertThat(image.width()).isEqualTo(125);
      assertThat(image.height()).isEqualTo(41);
    }
  }

  @Test
  void resizeScalesEachAxisAndRoundsToNearest() {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(300, 200));
        VipsImage image = VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.ERROR);
        VipsImage half = image.resize(0.5, 0.5);
        VipsImage squashed = image.resize(1.0 / 3, 0.25)) {
      assertThat(half.width()).isEqualTo(150);
      assertThat(half.height()).isEqualTo(100);
      assertThat(squashed.width()).isEqualTo(100);
      assertThat(squashed.height()).isEqualTo(50);
    }
  }

  @Test
  void shrinkOnLoadAcceptsOnlyWhatLibjpegCanDo() {
    try (VipsInput input = VipsInput.copyOf(PHOTO)) {
      assertThatThrownBy(() -> VipsImage.jpegloadBuffer(input, 3, Access.RANDOM, FailOn.ERROR))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ---- savers ----

  @Test
  void savesJpegPngWebpAndAvifWithTheirMagicBytes() {
    try (VipsInput input = VipsInput.copyOf(TestImages.jpeg(64, 48));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR)) {
      byte[] jpeg = image.jpegsaveBuffer(80, false);
      byte[] progressive = image.jpegsaveBuffer(80, true);
      byte[] png = image.pngsaveBuffer(6, false);
      byte[] webp = image.webpsaveBuffer(80);
      byte[] avif = image.avifsaveBuffer(50, 0);

      assertThat(Arrays.copyOf(jpeg, 2)).containsExactly(0xFF, 0xD8);
      assertThat(Arrays.copyOf(progressive, 2)).containsExactly(0xFF, 0xD8);
      assertThat(hasMarker(progressive, 0xC2)).as("SOF2, progressive").isTrue();
      assertThat(hasMarker(jpeg, 0xC2)).isFalse();
      assertThat(Arrays.copyOf(png, 4)).containsExactly(0x89, 'P', 'N', 'G');
      assertThat(ascii(webp, 0, 4)).isEqualTo("RIFF");
      assertThat(ascii(webp, 8, 4)).isEqualTo("WEBP");
      assertThat(ascii(avif, 4, 8)).isEqualTo("ftypavif");

      // Each file reads back as the same image, through libvips' own loaders.
      assertRoundTrip(jpeg, "jpegload_buffer");
      assertRoundTrip(png, "pngload_buffer");
      assertRoundTrip(webp, "webpload_buffer");
      assertRoundTrip(avif, "heifload_buffer");
    }
  }

  @Test
  void savedJpegCarriesNoExif() {
    byte[] source = TestImages.jpegWithOrientation(64, 48, 3);
    assertThat(hasExifSegment(source)).as("the source has EXIF").isTrue();

    try (VipsInput input = VipsInput.copyOf(source);
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR)) {
      byte[] saved = image.jpegsaveBuffer(80, false);

      assertThat(hasExifSegment(saved)).isFalse();
      assertThat(TestImages.decode(saved).getWidth()).isEqualTo(64);
    }
  }

  @Test
  void rejectsOutOfRangeSaverSettings() {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(8, 8));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR)) {
      assertThatThrownBy(() -> image.jpegsaveBuffer(0, false))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> image.pngsaveBuffer(10, false))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> image.avifsaveBuffer(50, 10))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ---- orientation ----

  @Test
  void autorotHonoursExifOrientation6AndDropsTheTag() {
    // Stored 400x300 with quadrants RED GREEN / BLUE YELLOW; orientation 6 = turn 90° clockwise.
    try (VipsInput input = VipsInput.copyOf(TestImages.jpegWithOrientation(400, 300, 6));
        VipsImage stored = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage upright = stored.autorot()) {
      assertThat(upright.width()).isEqualTo(300);
      assertThat(upright.height()).isEqualTo(400);
      assertThat(upright.orientation()).isEqualTo(1);

      BufferedImage pixels = TestImages.decode(upright.pngsaveBuffer(1, false));
      assertColour(pixels, 75, 100, TestImages.BLUE);
      assertColour(pixels, 225, 100, TestImages.RED);
      assertColour(pixels, 75, 300, TestImages.YELLOW);
      assertColour(pixels, 225, 300, TestImages.GREEN);
    }
  }

  @ParameterizedTest
  @EnumSource(Angle.class)
  void rotatesClockwise(Angle angle) {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(TestImages.quadrants(200, 100)));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage rotated = image.rot(angle)) {
      BufferedImage pixels = TestImages.decode(rotated.pngsaveBuffer(1, false));
      int w = pixels.getWidth();
      int h = pixels.getHeight();
      switch (angle) {
        case D90 -> {
          assertThat(new int[] {w, h}).containsExactly(100, 200);
          assertColour(pixels, w / 4, h / 4, TestImages.BLUE);
        }
        case D180 -> {
          assertThat(new int[] {w, h}).containsExactly(200, 100);
          assertColour(pixels, w / 4, h / 4, TestImages.YELLOW);
        }
        case D270 -> {
          assertThat(new int[] {w, h}).containsExactly(100, 200);
          assertColour(pixels, w / 4, h / 4, TestImages.GREEN);
        }
      }
    }
  }

  @Test
  void flipsHorizontallyAndVertically() {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(TestImages.quadrants(200, 100)));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage flopped = image.flip(Direction.HORIZONTAL);
        VipsImage flipped = image.flip(Direction.VERTICAL)) {
      assertColour(TestImages.decode(flopped.pngsaveBuffer(1, false)), 50, 25, TestImages.GREEN);
      assertColour(TestImages.decode(flipped.pngsaveBuffer(1, false)), 50, 25, TestImages.BLUE);
    }
  }

  @Test
  void reorientingASequentialDecodeNeedsACopyInMemory() {
    try (VipsInput input = VipsInput.copyOf(PHOTO);
        VipsImage sequential = VipsImage.jpegloadBuffer(input, 1, Access.SEQUENTIAL, FailOn.ERROR);
        VipsImage flipped = sequential.flip(Direction.VERTICAL)) {
      assertThatThrownBy(() -> flipped.jpegsaveBuffer(80, false))
          .isInstanceOf(VipsException.class)
          .hasMessageContaining("out of order read");
    }
    try (VipsInput input = VipsInput.copyOf(PHOTO);
        VipsImage sequential = VipsImage.jpegloadBuffer(input, 1, Access.SEQUENTIAL, FailOn.ERROR);
        VipsImage inMemory = sequential.copyMemory();
        VipsImage flipped = inMemory.flip(Direction.VERTICAL)) {
      assertThat(flipped.jpegsaveBuffer(80, false)).startsWith(0xFF, 0xD8);
    }
  }

  // ---- cropping and padding ----

  @Test
  void extractAreaCutsTheExactRectangle() {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(TestImages.quadrants(200, 100)));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage yellow = image.extractArea(100, 50, 100, 50)) {
      assertThat(yellow.width()).isEqualTo(100);
      assertThat(yellow.height()).isEqualTo(50);
      BufferedImage pixels = TestImages.decode(yellow.pngsaveBuffer(1, false));
      assertColour(pixels, 0, 0, TestImages.YELLOW);
      assertColour(pixels, 99, 49, TestImages.YELLOW);
    }
  }

  @ParameterizedTest
  @EnumSource(Interesting.class)
  void smartcropGivesTheExactSize(Interesting interesting) {
    try (VipsInput input = VipsInput.copyOf(PHOTO);
        VipsImage image = VipsImage.jpegloadBuffer(input, 4, Access.RANDOM, FailOn.ERROR);
        VipsImage cropped = image.smartcrop(300, 300, interesting)) {
      assertThat(cropped.width()).isEqualTo(300);
      assertThat(cropped.height()).isEqualTo(300);
      BufferedImage decoded = TestImages.decode(cropped.jpegsaveBuffer(80, false));
      assertThat(decoded.getWidth()).isEqualTo(300);
      assertThat(decoded.getHeight()).isEqualTo(300);
    }
  }

  @Test
  void extractAreaOutsideTheImageIsALibvipsError() {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(20, 10));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR)) {
      assertThatThrownBy(() -> image.extractArea(10, 0, 20, 10))
          .isInstanceOf(VipsException.class)
          .hasMessageContaining("vips_extract_area")
          .hasMessageContaining("bad extract area");
    }
  }

  @Test
  void embedPadsToABoxWithTheBackgroundColour() {
    try (VipsInput input = VipsInput.copyOf(TestImages.png(TestImages.quadrants(200, 100)));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage boxed = image.embed(0, 50, 200, 200, 255, 255, 255)) {
      assertThat(boxed.width()).isEqualTo(200);
      assertThat(boxed.height()).isEqualTo(200);
      BufferedImage pixels = TestImages.decode(boxed.pngsaveBuffer(1, false));
      assertColour(pixels, 100, 10, 0xFFFFFF);
      assertColour(pixels, 50, 75, TestImages.RED);
      assertColour(pixels, 150, 190, 0xFFFFFF);
    }
  }

  @Test
  void flattenDropsAlphaOntoTheBackground() {
    byte[] png = TestImages.png(TestImages.halfTransparent(100, 50));
    try (VipsInput input = VipsInput.copyOf(png);
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage flat = image.flatten(255, 255, 255)) {
      assertThat(flat.hasAlpha()).isFalse();
      assertThat(flat.bands()).isEqualTo(3);
      BufferedImage pixels = TestImages.decode(flat.jpegsaveBuffer(90, false));
      assertColour(pixels, 10, 25, 0xFFFFFF); // transparent black became white, not black
    }
  }

  // ---- colour ----

  @Test
  void convertsThroughTheEmbeddedIccProfile() {
    // Mid grey tagged as linear RGB: 50% linear light is about 188 in sRGB, not 128.
    BufferedImage grey = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        grey.setRGB(x, y, 0x808080);
      }
    }
    byte[] linear =
        withIccProfile(
            TestImages.jpeg(grey, 0.95f), ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB));

    try (VipsInput input = VipsInput.copyOf(linear);
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage srgb = image.toSrgb()) {
      assertThat(image.hasIccProfile()).isTrue();
      assertThat(srgb.interpretation()).isEqualTo(Interpretation.SRGB);
      assertThat(srgb.bandFormat()).isEqualTo(BandFormat.UCHAR);
      int red = TestImages.decode(srgb.pngsaveBuffer(1, false)).getRGB(16, 16) >> 16 & 0xFF;
      assertThat(red).isBetween(180, 196);
    }
  }

  @Test
  void convertsCmykWithoutAProfileToSrgb() {
    try (VipsInput input = VipsInput.copyOf(TestImages.cmykJpeg(16, 16, 255, 0, 0, 0));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage srgb = image.toSrgb()) {
      assertThat(image.interpretation()).isEqualTo(Interpretation.CMYK);
      assertThat(srgb.interpretation()).isEqualTo(Interpretation.SRGB);
      assertThat(srgb.bands()).isEqualTo(3);
      int rgb = TestImages.decode(srgb.pngsaveBuffer(1, false)).getRGB(8, 8);
      assertThat(rgb >> 16 & 0xFF).as("cyan ink: little red").isLessThan(60);
      assertThat(rgb & 0xFF).as("and much blue").isGreaterThan(180);
    }
  }

  @Test
  void keepsSixteenBitGreyAsEightBitGrey() {
    BufferedImage grey16 = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
    try (VipsInput input = VipsInput.copyOf(TestImages.png(grey16));
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR);
        VipsImage converted = image.toSrgb()) {
      assertThat(image.interpretation()).isEqualTo(Interpretation.GREY16);
      assertThat(converted.interpretation()).isEqualTo(Interpretation.B_W);
      assertThat(converted.bands()).isEqualTo(1);
      assertThat(converted.bandFormat()).isEqualTo(BandFormat.UCHAR);
    }
  }

  // ---- errors ----

  @Test
  void bytesThatAreNoImageFailWithLibvipsMessage() {
    byte[] garbage = "definitely not an image".getBytes(StandardCharsets.US_ASCII);
    try (VipsInput input = VipsInput.copyOf(garbage)) {
      assertThatThrownBy(() -> VipsImage.newFromBuffer(input, Access.SEQUENTIAL, FailOn.ERROR))
          .isInstanceOfSatisfying(
              VipsException.class,
              e -> {
                assertThat(e.operation()).isEqualTo("vips_image_new_from_buffer");
                assertThat(e.vipsMessage()).contains("not in a known format");
              });
      assertThatThrownBy(() -> VipsImage.jpegloadBuffer(input, 1, Access.SEQUENTIAL, FailOn.ERROR))
          .isInstanceOf(VipsException.class)
          .hasMessageContaining("vips_jpegload_buffer");
      assertThat(input.isFreed()).isFalse();
    }
  }

  @Test
  void aTruncatedJpegFailsWhenDecoded() {
    byte[] truncated = Arrays.copyOf(PHOTO, PHOTO.length / 2);
    try (VipsInput input = VipsInput.copyOf(truncated);
        VipsImage image = VipsImage.jpegloadBuffer(input, 2, Access.SEQUENTIAL, FailOn.TRUNCATED)) {
      assertThat(image.width()).isEqualTo(1500); // the header is intact

      assertThatThrownBy(() -> image.webpsaveBuffer(80))
          .isInstanceOfSatisfying(
              VipsException.class,
              e -> {
                assertThat(e.operation()).isEqualTo("vips_webpsave_buffer");
                assertThat(e.vipsMessage()).contains("premature end of JPEG");
              });
    }
  }

  // ---- lifetime ----

  @Test
  void theInputLivesUntilItsLastImageIsClosedInAnyOrder() {
    VipsInput input = VipsInput.copyOf(PHOTO);
    VipsImage source = VipsImage.jpegloadBuffer(input, 8, Access.SEQUENTIAL, FailOn.ERROR);
    VipsImage resized = source.resizeTo(100, 67);
    input.close();
    source.close(); // resized still needs the decoder and its bytes: libvips holds them

    assertThat(input.isFreed()).isFalse();
    assertThat(resized.jpegsaveBuffer(80, false)).startsWith(0xFF, 0xD8);

    resized.close();
    assertThat(input.isFreed()).isTrue();
    resized.close(); // idempotent
    assertThatThrownBy(resized::width).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void worksFromSeveralThreadsAtOnce() throws Exception {
    byte[] jpeg = TestImages.jpeg(800, 600);
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(
            pool.submit(() -> {
              try (VipsInput input = VipsInput.copyOf(jpeg);
                  VipsImage image =
                      VipsImage.jpegloadBuffer(input, 2, Access.SEQUENTIAL, FailOn.ERROR);
                  VipsImage small = image.resizeTo(200, 150)) {
                return small.webpsaveBuffer(80);
              }
            }));
      }
      for (Future<byte[]> result : results) {
        assertThat(ascii(result.get(), 8, 4)).isEqualTo("WEBP");
      }
    }
  }

  // ---- helpers ----

  private static void assertRoundTrip(byte[] encoded, String loader) {
    try (VipsInput input = VipsInput.copyOf(encoded);
        VipsImage image = VipsImage.newFromBuffer(input, Access.RANDOM, FailOn.ERROR)) {
      assertThat(image.loader()).hasValue(loader);
      assertThat(image.width()).isEqualTo(64);
      assertThat(image.height()).isEqualTo(48);
    }
  }

  private static void assertColour(BufferedImage image, int x, int y, int expectedRgb) {
    int rgb = image.getRGB(x, y);
    for (int shift = 0; shift <= 16; shift += 8) {
      int actual = rgb >> shift & 0xFF;
      int expected = expectedRgb >> shift & 0xFF;
      assertThat(actual)
          .as("pixel (%d,%d) = %06x, expected %06x", x, y, rgb & 0xFFFFFF, expectedRgb)
          .isBetween(expected - 40, expected + 40);
    }
  }

  private static String ascii(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, StandardCharsets.US_ASCII);
  }

  /** Walks the JPEG segments before the scan data: is there a marker FF {@code code}? */
  private static boolean hasMarker(byte[] jpeg, int code) {
    return segments(jpeg, (marker, offset, length) -> marker == code);
  }

  private static boolean hasExifSegment(byte[] jpeg) {
    return segments(
        jpeg,
        (marker, offset, length) ->
            marker == 0xE1 && length >= 6 && ascii(jpeg, offset + 4, 4).equals("Exif"));
  }

  private interface SegmentTest {
    boolean matches(int marker, int offset, int length);
  }

  private static boolean segments(byte[] jpeg, SegmentTest test) {
    int i = 2;
    while (i + 4 <= jpeg.length && (jpeg[i] & 0xFF) == 0xFF) {
      int marker = jpeg[i + 1] & 0xFF;
      int length = (jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF);
      if (test.matches(marker, i, length)) {
        return true;
      }
      if (marker == 0xDA) { // start of scan: entropy-coded data follows
        return false;
      }
      i += 2 + length;
    }
    return false;
  }

  /** Inserts an APP2 ICC_PROFILE segment (one chunk) right after SOI. */
  private static byte[] withIccProfile(byte[] jpeg, ICC_Profile profile) {
    byte[] data = profile.getData();
    byte[] signature = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
    int length = 2 + signature.length + 2 + data.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + length + 2);
    out.write(jpeg, 0, 2);
    out.write(0xFF);
    out.write(0xE2);
    out.write(length >> 8);
    out.write(length & 0xFF);
    out.writeBytes(signature);
    out.write(1); // chunk 1
    out.write(1); // of 1
    out.writeBytes(data);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }
}
