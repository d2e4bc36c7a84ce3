package dev.conveyor.core.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PermanentJobFailureTest {
  @Test
  void carriesItsMachineReadableReason() {
    PermanentJobFailure failure = new PermanentJobFailure("source-too-large", "300 MB > 50 MB");

    assertThat(failure.reason().code()).isEqualTo("source-too-large");
    assertThat(failure.reason().message()).isEqualTo("300 MB > 50 MB");
  }

  @Test
  void aCodeThatIsNotKebabCaseIsRefusedWhereItIsMadeNotInsideTheRunner() {
    assertThatThrownBy(() -> new PermanentJobFailure("Source Too Large", "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
