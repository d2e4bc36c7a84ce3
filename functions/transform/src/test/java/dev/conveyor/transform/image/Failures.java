package dev.conveyor.transform.image;

import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.core.work.PermanentJobFailure;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Test helper: the failure code a call fails with. */
final class Failures {
  private Failures() {}

  /**
   * The {@link PermanentJobFailure} code; fails the test if the call succeeds or throws another.
   */
  static String codeOf(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    Assertions.assertThat(thrown).isInstanceOf(PermanentJobFailure.class);
    return ((PermanentJobFailure) thrown).reason().code();
  }
}
