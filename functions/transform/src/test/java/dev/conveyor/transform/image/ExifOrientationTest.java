package dev.conveyor.transform.image;

import static dev.conveyor.core.testing.TestImages.BLUE;
import static dev.conveyor.core.testing.TestImages.GREEN;
import static dev.conveyor.core.testing.TestImages.RED;
import static dev.conveyor.core.testing.TestImages.YELLOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.testing.TestImages;
import java.awt.image.BufferedImage;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExifOrientationTest {
  private static final byte[] PLAIN_JPEG = TestImages.jpeg(32, 16);

  @ParameterizedTest(name = "orientation {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void readsTheOrientationFromBigEndianExif(int orientation) {
    byte[] jpeg = TestImages.withExifOrientation(PLAIN_JPEG, orientation, ByteOrder.BIG_ENDIAN);
    assertThat(ExifOrientation.read(jpeg, SourceFormat.JPEG)).isEqualTo(orientation);
  }

  @ParameterizedTest(name = "orientation {0}")
  @ValueSource(ints = {1, 3, 6, 8})
  void readsTheOrientationFromLittleEndianExif(int orientation) {
    byte[] jpeg = TestImages.withExifOrientation(PLAIN_JPEG, orientation, ByteOrder.LITTLE_ENDIAN);
    assertThat(ExifOrientation.read(jpeg, SourceFormat.JPEG)).isEqualTo(orientation);
  }

  @Test
  void isOneWithoutExif() {
    assertThat(ExifOrientation.read(PLAIN_JPEG, SourceFormat.JPEG)).isEqualTo(1);
    assertThat(ExifOrientation.read(TestImages.png(8, 8), SourceFormat.PNG)).isEqualTo(1);
  }

  @ParameterizedTest(name = "value {0}")
  @ValueSource(ints = {0, 9, 255, 65535})
  void anOutOfRangeValueCountsAsNoOrientation(int value) {
    byte[] jpeg = TestImages.withExifOrientation(PLAIN_JPEG, value);
    assertThat(ExifOrientation.read(jpeg, SourceFormat.JPEG)).isEqualTo(1);
  }

  @Test
  void malformedExifNeverThrowsAndCountsAsNoOrientation() {
    byte[] good = TestImages.withExifOrientation(PLAIN_JPEG, 6);
    int app1 = indexOf(good, new byte[] {(byte) 0xFF, (byte) 0xE1});
    // every prefix (truncation anywhere in the header) and every single-byte corruption
    for (int cut = 0; cut < app1 + 40; cut++) {
      int o = ExifOrientation.read(Arrays.copyOf(good, cut), SourceFormat.JPEG);
      assertThat(o).isBetween(1, 8);
    }
    for (int i = 2; i < app1 + 40; i++) {
      byte[] bad = good.clone();
      bad[i] = (byte) 0xFF;
      assertThat(ExifOrientation.read(bad, SourceFormat.JPEG)).isBetween(1, 8);
      bad[i] = (byte) 0x00;
      assertThat(ExifOrientation.read(bad, SourceFormat.JPEG)).isBetween(1, 8);
    }
  }

  @Test
  void readsThePngExifChunkToo() {
    byte[] png = TestImages.png(8, 4);
    // insert an eXIf chunk after IHDR (8 signature + 25 IHDR bytes)
    byte[] tiff = {
      'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0
    };
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(png, 0, 33);
    out.write(0);
    out.write(0);
    out.write(0);
    out.write(tiff.length);
    out.writeBytes("eXIf".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(tiff);
    out.writeBytes(new byte[4]); // CRC (not checked)
    out.write(png, 33, png.length - 33);
    assertThat(ExifOrientation.read(out.toByteArray(), SourceFormat.PNG)).isEqualTo(6);
  }

  /** Where the stored quadrants (RED GREEN / BLUE YELLOW) end up once upright. */
  @ParameterizedTest(name = "orientation {0}")
  @CsvSource({
    // orientation, upright top-left, top-right, bottom-left, bottom-right
    "1, RED,    GREEN,  BLUE,   YELLOW",
    "2, GREEN,  RED,    YELLOW, BLUE",
    "3, YELLOW, BLUE,   GREEN,  RED",
    "4, BLUE,   YELLOW, RED,    GREEN",
    "5, RED,    BLUE,   GREEN,  YELLOW",
    "6, BLUE,   RED,    YELLOW, GREEN",
    "7, YELLOW, GREEN,  BLUE,   RED",
    "8, GREEN,  YELLOW, RED,    BLUE"
  })
  void turnsPixelsUprightExactly(int orientation, String tl, String tr, String bl, String br) {
    BufferedImage stored = TestImages.quadrants(40, 20);
    BufferedImage upright = ExifOrientation.apply(stored, orientation);

    boolean swapped = orientation >= 5;
    assertThat(upright.getWidth()).isEqualTo(swapped ? 20 : 40);
    assertThat(upright.getHeight()).isEqualTo(swapped ? 40 : 20);
    int w = upright.getWidth() - 1;
    int h = upright.getHeight() - 1;
    assertThat(upright.getRGB(0, 0) & 0xFFFFFF).isEqualTo(colour(tl));
    assertThat(upright.getRGB(w, 0) & 0xFFFFFF).isEqualTo(colour(tr));
    assertThat(upright.getRGB(0, h) & 0xFFFFFF).isEqualTo(colour(bl));
    assertThat(upright.getRGB(w, h) & 0xFFFFFF).isEqualTo(colour(br));
  }

  @Test
  void keepsAlpha() {
    BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(0, 0, 0x12345678);
    BufferedImage upright = ExifOrientation.apply(argb, 6);
    assertThat(upright.getType()).isEqualTo(BufferedImage.TYPE_INT_ARGB);
    assertThat(upright.getRGB(1, 0)).isEqualTo(0x12345678);
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

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
