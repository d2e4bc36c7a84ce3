package dev.conveyor.transform.image;

import static dev.conveyor.core.image.ImageFormat.JPEG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.core.image.ImageFormat;
import dev.conveyor.core.image.Rendition;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RenditionRequestTest {
  private static final Size SOURCE = new Size(1200, 800);

  @Test
  void aWidthOnlyRequestGetsExactlyThatWidthAndTheHeightFollowsTheAspectRatio() {
    assertThat(RenditionRequest.width(300, JPEG, 80).fit(SOURCE)).isEqualTo(new Size(300, 200));
  }

  @Test
  void aHeightOnlyRequestGetsExactlyThatHeightAndTheWidthFollowsTheAspectRatio() {
    assertThat(RenditionRequest.height(100, JPEG, 80).fit(SOURCE)).isEqualTo(new Size(150, 100));
  }

  @ParameterizedTest(name = "{0}x{1} box -> {2}x{3}")
  @CsvSource({
    "300, 300, 300, 200", // width limits
    "600, 100, 150, 100", // height limits
    "600, 400, 600, 400", // exact aspect
    "1199, 8000, 1199, 799" // nearly the source
  })
  void aBoxRequestFitsInsideTheBoxKeepingTheAspectRatio(int w, int h, int ew, int eh) {
    assertThat(RenditionRequest.box(w, h, JPEG, 80).fit(SOURCE)).isEqualTo(new Size(ew, eh));
  }

  @ParameterizedTest(name = "width {0}, height {1}")
  @CsvSource({"1200, -1", "5000, -1", "-1, 801", "4000, 4000", "-1, -1"})
  void neverEnlarges(int w, int h) {
    RenditionRequest request =
        new RenditionRequest(
            w < 0 ? OptionalInt.empty() : OptionalInt.of(w),
            h < 0 ? OptionalInt.empty() : OptionalInt.of(h),
            JPEG,
            80);
    assertThat(request.fit(SOURCE)).isEqualTo(SOURCE);
  }

  @Test
  void theFollowingSideIsRoundedToTheNearestPixel() {
    // 667 * 500 / 1001 = 333.17
    assertThat(RenditionRequest.width(500, JPEG, 80).fit(new Size(1001, 667)))
        .isEqualTo(new Size(500, 333));
    // 667 * 200 / 1001 = 133.27 ; 1001 * 133 / 667 would be the other way round
    assertThat(RenditionRequest.height(133, JPEG, 80).fit(new Size(1001, 667)))
        .isEqualTo(new Size(200, 133));
  }

  @Test
  void anExtremeAspectRatioKeepsAtLeastOnePixel() {
    assertThat(RenditionRequest.width(100, JPEG, 80).fit(new Size(40_000, 10)))
        .isEqualTo(new Size(100, 1));
  }

  @Test
  void isBuiltFromAJobSpecRendition() {
    Rendition rendition =
        new Rendition("thumb", OptionalInt.of(320), OptionalInt.empty(), ImageFormat.PNG, 70);
    assertThat(RenditionRequest.of(rendition))
        .isEqualTo(
            new RenditionRequest(OptionalInt.of(320), OptionalInt.empty(), ImageFormat.PNG, 70));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> RenditionRequest.width(0, JPEG, 80))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RenditionRequest.width(10, JPEG, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RenditionRequest.width(10, JPEG, 101))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
