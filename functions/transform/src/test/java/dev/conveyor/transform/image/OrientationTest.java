package dev.conveyor.transform.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.Rotation;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class OrientationTest {
  /** Distinct pixels everywhere, so any misplaced one shows. */
  private static final BufferedImage SOURCE = randomPixels(7, 4);

  static Stream<Arguments> pairs() {
    return IntStream.rangeClosed(1, 8)
        .boxed()
        .flatMap(a -> IntStream.rangeClosed(1, 8).mapToObj(b -> Arguments.of(a, b)));
  }

  @ParameterizedTest(name = "exif {0} then exif {1}")
  @MethodSource("pairs")
  void composingIsTheSameAsApplyingOneAfterTheOther(int first, int second) {
    Orientation a = Orientation.exif(first);
    Orientation b = Orientation.exif(second);
    assertSamePixels(a.then(b).apply(SOURCE), b.apply(a.apply(SOURCE)));
  }

  @ParameterizedTest(name = "exif {0} then exif {1}")
  @MethodSource("pairs")
  void cuttingTheInputRegionThenTurningIsTheSameAsTurningThenCutting(int first, int second) {
    Orientation turn = Orientation.exif(first).then(Orientation.exif(second));
    BufferedImage turned = turn.apply(SOURCE);
    CropArea area = new CropArea(1, 2, turned.getWidth() - 2, turned.getHeight() - 3);
    Rectangle region = turn.inputRegion(area, new Size(SOURCE.getWidth(), SOURCE.getHeight()));
    BufferedImage cutFirst =
        turn.apply(copy(SOURCE.getSubimage(region.x, region.y, region.width, region.height)));
    BufferedImage cutAfter =
        turned.getSubimage(area.left(), area.top(), area.width(), area.height());
    assertSamePixels(cutFirst, cutAfter);
  }

  @ParameterizedTest(name = "{0}°")
  @ValueSource(ints = {90, 180, 270})
  void rotationsAreClockwiseQuarterTurns(int degrees) {
    BufferedImage once = Orientation.of(Rotation.CLOCKWISE_90).apply(SOURCE);
    BufferedImage expected = once;
    for (int turned = 90; turned < degrees; turned += 90) {
      expected = Orientation.of(Rotation.CLOCKWISE_90).apply(expected);
    }
    Rotation rotation = Rotation.ofDegrees(degrees).orElseThrow();
    assertSamePixels(Orientation.of(rotation).apply(SOURCE), expected);
    // clockwise: the top-left pixel goes to the top-right
    assertThat(once.getRGB(once.getWidth() - 1, 0)).isEqualTo(SOURCE.getRGB(0, 0));
  }

  @ParameterizedTest(name = "exif {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void eachOrientationIsUndoneByAnother(int tag) {
    Orientation orientation = Orientation.exif(tag);
    long undoing =
        IntStream.rangeClosed(1, 8)
            .mapToObj(Orientation::exif)
            .filter(o -> orientation.then(o).equals(Orientation.UPRIGHT))
            .count();
    assertThat(undoing).isEqualTo(1);
  }

  private static BufferedImage randomPixels(int width, int height) {
    SplittableRandom random = new SplittableRandom(3);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    return image;
  }

  private static BufferedImage copy(BufferedImage image) {
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), image.getType());
    out.setData(image.getData());
    return out;
  }

  private static void assertSamePixels(BufferedImage actual, BufferedImage expected) {
    assertThat(actual.getWidth()).isEqualTo(expected.getWidth());
    assertThat(actual.getHeight()).isEqualTo(expected.getHeight());
    for (int y = 0; y < expected.getHeight(); y++) {
      for (int x = 0; x < expected.getWidth(); x++) {
        assertThat(actual.getRGB(x, y)).as("(%d, %d)", x, y).isEqualTo(expected.getRGB(x, y));
      }
    }
  }
}
