package dev.conveyor.transform.image;

import static dev.conveyor.core.image.ImageFormat.JPEG;
import static dev.conveyor.transform.image.Failures.codeOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.image.CropArea;
import dev.conveyor.core.image.Fit;
import dev.conveyor.core.image.Position;
import dev.conveyor.core.image.Rotation;
import dev.conveyor.transform.image.RenditionPlan.Offset;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The engine-independent geometry: what every engine must produce, before any pixel. */
class RenditionPlanTest {
  private static final Size SOURCE = new Size(1200, 800);

  private static RenditionRequest box(int width, int height, Fit fit) {
    return RenditionRequest.box(width, height, JPEG, 80).withFit(fit, Position.CENTRE);
  }

  private static RenditionRequest box(int width, int height, Fit fit, Position position) {
    return RenditionRequest.box(width, height, JPEG, 80).withFit(fit, position);
  }

  @Nested
  class Fits {
    @Test
    void insideIsTheLargestSizeInsideTheBox() {
      RenditionPlan plan = box(300, 300, Fit.INSIDE).plan(SOURCE);
      assertResizeOnly(plan, new Size(300, 200));
    }

    @Test
    void outsideIsTheSmallestSizeCoveringTheBox() {
      RenditionPlan plan = box(300, 300, Fit.OUTSIDE).plan(SOURCE);
      assertResizeOnly(plan, new Size(450, 300));
    }

    @Test
    void coverResizesToCoverTheBoxThenTrimsTheOverflowAtTheCentre() {
      RenditionPlan plan = box(300, 300, Fit.COVER).plan(SOURCE);
      assertThat(plan.resizeTo()).isEqualTo(new Size(450, 300));
      assertThat(plan.trim()).contains(new CropArea(75, 0, 300, 300));
      assertThat(plan.padAt()).isEmpty();
      assertThat(plan.attention()).isFalse();
      assertThat(plan.output()).isEqualTo(new Size(300, 300));
    }

    @Test
    void containResizesInsideTheBoxThenPadsToItAtTheCentre() {
      RenditionPlan plan = box(300, 300, Fit.CONTAIN).plan(SOURCE);
      assertThat(plan.resizeTo()).isEqualTo(new Size(300, 200));
      assertThat(plan.padAt()).contains(new Offset(0, 50));
      assertThat(plan.trim()).isEmpty();
      assertThat(plan.output()).isEqualTo(new Size(300, 300));
    }

    @Test
    void fillStretchesToExactlyTheBox() {
      assertResizeOnly(box(300, 300, Fit.FILL).plan(SOURCE), new Size(300, 300));
      assertResizeOnly(box(100, 700, Fit.FILL).plan(SOURCE), new Size(100, 700));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"COVER", "CONTAIN", "FILL", "INSIDE", "OUTSIDE"})
    void aBoxOfTheSourcesAspectRatioIsAPlainResizeForEveryFit(Fit fit) {
      assertResizeOnly(box(600, 400, fit).plan(SOURCE), new Size(600, 400));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"INSIDE", "OUTSIDE"})
    void withOneSideGivenEveryFitKeepsTheAspectRatioAndThatSideDecides(Fit fit) {
      RenditionRequest width = RenditionRequest.width(300, JPEG, 80).withFit(fit, Position.NORTH);
      RenditionRequest height = RenditionRequest.height(100, JPEG, 80).withFit(fit, Position.EAST);
      assertResizeOnly(width.plan(SOURCE), new Size(300, 200));
      assertResizeOnly(height.plan(SOURCE), new Size(150, 100));
    }

    @Test
    void withNoSideGivenTheSizeIsKept() {
      RenditionRequest none =
          new RenditionRequest(OptionalInt.empty(), OptionalInt.empty(), JPEG, 80);
      assertResizeOnly(none.plan(SOURCE), SOURCE);
    }
  }

  @Nested
  class Enlargement {
    @ParameterizedTest(name = "{0}: {1}x{2}")
    @CsvSource({
      // fit, resizeTo and output without enlargement (the default) for a 2400x2400 box
      "INSIDE,  1200, 800,  1200, 800",
      "OUTSIDE, 1200, 800,  1200, 800",
      "COVER,   1200, 800,  1200, 800",
      "FILL,    1200, 800,  1200, 800",
      "CONTAIN, 1200, 800,  2400, 2400"
    })
    void isNotDoneByDefault(Fit fit, int rw, int rh, int ow, int oh) {
      RenditionPlan plan = box(2400, 2400, fit).plan(SOURCE);
      assertThat(plan.resizeTo()).isEqualTo(new Size(rw, rh));
      assertThat(plan.output()).isEqualTo(new Size(ow, oh));
    }

    @Test
    void containWithoutEnlargementPadsTheUnscaledImage() {
      assertThat(box(2400, 2400, Fit.CONTAIN).plan(SOURCE).padAt()).contains(new Offset(600, 800));
    }

    @ParameterizedTest(name = "{0}: {1}x{2}")
    @CsvSource({
      "INSIDE,  2400, 1600, 2400, 1600",
      "OUTSIDE, 3600, 2400, 3600, 2400",
      "COVER,   3600, 2400, 2400, 2400",
      "FILL,    2400, 2400, 2400, 2400",
      "CONTAIN, 2400, 1600, 2400, 2400"
    })
    void scalesUpWhenAllowed(Fit fit, int rw, int rh, int ow, int oh) {
      RenditionPlan plan = box(2400, 2400, fit).withEnlargement(true).plan(SOURCE);
      assertThat(plan.resizeTo()).isEqualTo(new Size(rw, rh));
      assertThat(plan.output()).isEqualTo(new Size(ow, oh));
    }

    @Test
    void coverAndContainPlaceTheEnlargedImageByPosition() {
      assertThat(box(2400, 2400, Fit.COVER).withEnlargement(true).plan(SOURCE).trim())
          .contains(new CropArea(600, 0, 2400, 2400));
      assertThat(box(2400, 2400, Fit.CONTAIN).withEnlargement(true).plan(SOURCE).padAt())
          .contains(new Offset(0, 400));
    }

    @Test
    void withOneSideLargerAndOneSmallerCoverShrinksNothingAndTrimsTheSmallerSide() {
      // covering 600x1000 would need 1.25x; capped at 1x, the 800 px height is all there is
      RenditionPlan plan = box(600, 1000, Fit.COVER).plan(SOURCE);
      assertThat(plan.resizeTo()).isEqualTo(SOURCE);
      assertThat(plan.trim()).contains(new CropArea(300, 0, 600, 800));
      assertThat(plan.output()).isEqualTo(new Size(600, 800));
    }

    @Test
    void fillCapsEachAxisOnItsOwn() {
      assertResizeOnly(box(600, 1600, Fit.FILL).plan(SOURCE), new Size(600, 800));
      assertResizeOnly(
          box(600, 1600, Fit.FILL).withEnlargement(true).plan(SOURCE), new Size(600, 1600));
    }

    @Test
    void aWidthOnlyRequestEnlargesWhenAllowed() {
      RenditionRequest request = RenditionRequest.width(2400, JPEG, 80);
      assertResizeOnly(request.plan(SOURCE), SOURCE);
      assertResizeOnly(request.withEnlargement(true).plan(SOURCE), new Size(2400, 1600));
    }
  }

  @Nested
  class Positions {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "NORTHWEST, 0,   0",
      "NORTH,     75,  0",
      "NORTHEAST, 150, 0",
      "WEST,      0,   0",
      "CENTRE,    75,  0",
      "EAST,      150, 0",
      "SOUTHWEST, 0,   0",
      "SOUTH,     75,  0",
      "SOUTHEAST, 150, 0"
    })
    void coverTrimsAWideOverflowByTheHorizontalPart(Position position, int left, int top) {
      // 1200x800 covering 300x300 is 450x300: 150 px to trim along x
      assertThat(box(300, 300, Fit.COVER, position).plan(SOURCE).trim())
          .contains(new CropArea(left, top, 300, 300));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "NORTHWEST, 0, 0",
      "NORTH,     0, 0",
      "WEST,      0, 50",
      "CENTRE,    0, 50",
      "EAST,      0, 50",
      "SOUTH,     0, 100",
      "SOUTHEAST, 0, 100"
    })
    void coverTrimsATallOverflowByTheVerticalPart(Position position, int left, int top) {
      // 1200x800 covering 300x100 is 300x200: 100 px to trim along y
      assertThat(box(300, 100, Fit.COVER, position).plan(SOURCE).trim())
          .contains(new CropArea(left, top, 300, 100));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
      "NORTHWEST, 0,   0",
      "NORTH,     150, 0",
      "SOUTHEAST, 300, 0",
      "WEST,      0,   0",
      "CENTRE,    150, 0",
      "EAST,      300, 0"
    })
    void containPlacesANarrowImageAlongX(Position position, int left, int top) {
      // 1200x800 inside 600x200 is 300x200: 300 px of padding along x
      RenditionPlan plan = box(600, 200, Fit.CONTAIN, position).plan(SOURCE);
      assertThat(plan.resizeTo()).isEqualTo(new Size(300, 200));
      assertThat(plan.padAt()).contains(new Offset(left, top));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"NORTH, 0", "CENTRE, 50", "SOUTH, 100", "SOUTHWEST, 100", "NORTHEAST, 0"})
    void containPlacesAWideImageAlongY(Position position, int top) {
      assertThat(box(300, 300, Fit.CONTAIN, position).plan(SOURCE).padAt())
          .contains(new Offset(0, top));
    }

    @Test
    void attentionLeavesTheCutToTheEngine() {
      RenditionPlan plan = box(300, 300, Fit.COVER, Position.ATTENTION).plan(SOURCE);
      assertThat(plan.attention()).isTrue();
      assertThat(plan.trim()).isEmpty();
      assertThat(plan.resizeTo()).isEqualTo(new Size(450, 300));
      assertThat(plan.output()).isEqualTo(new Size(300, 300));
    }

    @Test
    void attentionWithNothingToCutIsAPlainResize() {
      RenditionPlan plan = box(600, 400, Fit.COVER, Position.ATTENTION).plan(SOURCE);
      assertThat(plan.attention()).isFalse();
      assertResizeOnly(plan, new Size(600, 400));
    }
  }

  @Nested
  class CropAndRotation {
    @Test
    void theCropComesFirstAndTheRotationTurnsWhatTheResizeStartsFrom() {
      // cut 400x200, turn it to 200x400, then fit inside 100 wide
      RenditionRequest request =
          RenditionRequest.width(100, JPEG, 80)
              .withSteps(
                  Optional.of(new CropArea(100, 50, 400, 200)), Rotation.CLOCKWISE_90, true, false);
      RenditionPlan plan = request.plan(SOURCE);
      assertThat(plan.crop()).contains(new CropArea(100, 50, 400, 200));
      assertThat(plan.rotate()).isEqualTo(Rotation.CLOCKWISE_90);
      assertThat(plan.flip()).isTrue();
      assertThat(plan.flop()).isFalse();
      assertResizeOnly(plan, new Size(100, 200));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"NONE, 1200, 800", "CLOCKWISE_90, 800, 1200", "CLOCKWISE_180, 1200, 800"})
    void aRotationAloneTurnsTheOutput(Rotation rotation, int width, int height) {
      RenditionRequest request =
          new RenditionRequest(OptionalInt.empty(), OptionalInt.empty(), JPEG, 80)
              .withSteps(Optional.empty(), rotation, false, false);
      assertResizeOnly(request.plan(SOURCE), new Size(width, height));
    }

    @Test
    void aBoxAppliesToTheRotatedImage() {
      RenditionRequest request =
          box(300, 300, Fit.COVER, Position.NORTH)
              .withSteps(Optional.empty(), Rotation.CLOCKWISE_270, false, false);
      RenditionPlan plan = request.plan(SOURCE); // 800x1200 upright after the turn
      assertThat(plan.resizeTo()).isEqualTo(new Size(300, 450));
      assertThat(plan.trim()).contains(new CropArea(0, 0, 300, 300));
    }

    @Test
    void aCropReachingTheEdgesIsValid() {
      RenditionRequest request =
          RenditionRequest.width(100, JPEG, 80)
              .withSteps(Optional.of(new CropArea(0, 0, 1200, 800)), Rotation.NONE, false, false);
      assertResizeOnly(request.plan(SOURCE), new Size(100, 67));
      RenditionRequest corner =
          new RenditionRequest(OptionalInt.empty(), OptionalInt.empty(), JPEG, 80)
              .withSteps(Optional.of(new CropArea(1199, 799, 1, 1)), Rotation.NONE, false, false);
      assertResizeOnly(corner.plan(SOURCE), new Size(1, 1));
    }

    @ParameterizedTest(name = "{0},{1} {2}x{3}")
    @CsvSource({
      "0,    0,   1201, 800",
      "0,    0,   1200, 801",
      "1,    0,   1200, 800",
      "0,    700, 10,   101",
      "1200, 0,   1,    1",
      "65535, 65535, 65535, 65535"
    })
    void aCropOutsideTheImageIsAnInvalidCrop(int left, int top, int width, int height) {
      RenditionRequest request =
          RenditionRequest.width(100, JPEG, 80)
              .withSteps(
                  Optional.of(new CropArea(left, top, width, height)), Rotation.NONE, false, false);
      assertThat(codeOf(() -> request.plan(SOURCE))).isEqualTo("invalid-crop");
    }

    @Test
    void theCropIsMeasuredOnTheUprightImage() {
      // 300 px down from y 900 fits an 800x1200 upright source (a turned photo), not 1200x800
      RenditionRequest request =
          new RenditionRequest(OptionalInt.empty(), OptionalInt.empty(), JPEG, 80)
              .withSteps(Optional.of(new CropArea(0, 900, 100, 300)), Rotation.NONE, false, false);
      assertResizeOnly(request.plan(SOURCE.transposed()), new Size(100, 300));
      assertThat(codeOf(() -> request.plan(SOURCE))).isEqualTo("invalid-crop");
    }
  }

  private static void assertResizeOnly(RenditionPlan plan, Size size) {
    assertThat(plan.resizeTo()).as("resizeTo").isEqualTo(size);
    assertThat(plan.trim()).as("trim").isEmpty();
    assertThat(plan.padAt()).as("padAt").isEmpty();
    assertThat(plan.attention()).as("attention").isFalse();
    assertThat(plan.output()).as("output").isEqualTo(size);
  }
}
