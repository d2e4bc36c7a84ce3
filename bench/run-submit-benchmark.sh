#!/usr/bin/env bash
# The submit benchmark: POST /v1/jobs on the embedded local stack, open loop at fixed rates, next to
# a do-nothing loopback baseline measured in the same run. See docs/benchmarks.md.
#   bench/run-submit-benchmark.sh                      # default stages, transform workers held off
#   bench/run-submit-benchmark.sh --with-workers       # the workers consume the jobs meanwhile
#   bench/run-submit-benchmark.sh --rates=500,1000 --stage-seconds=20
#   BENCH_JVM_OPTS='-XX:StartFlightRecording=filename=bench/target/submit.jfr' bench/run-submit-benchmark.sh
# Builds if needed (BENCH_NO_BUILD=1 runs what is built); needs only a JDK 25 (JAVA_HOME, or found under /usr/lib/jvm). Loopback only;
# stops by itself. The report is also written to bench/target/submit-benchmark.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck source=bench/lib.sh
source bench/lib.sh

# The commit measured, read-only (no index refresh): "abc1234" or "abc1234 + uncommitted changes".
revision() {
  local rev; rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)" || { echo unknown; return; }
  if [[ -n "$(git -C "$root" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null | head -1)" ]]; then
    rev="$rev + uncommitted changes"
  fi
  echo "$rev"
}

# Full JIT (no TieredStopAtLevel: this is a measurement, not a demo), a fixed heap so resizing
# does not show up in the latencies, and the flags the emulators need (Pekko's Unsafe, SQLite).
# shellcheck disable=SC2086
exec java --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
  -Xms2g -Xmx2g ${BENCH_JVM_OPTS:-} \
  -Dconveyor.log.file="$root/bench/target/submit-benchmark-functions.log" \
  -Dlog4j2.configurationFile=log4j2-local.xml \
  -Dbench.revision="$(revision)" \
  -Dbench.command="${BENCH_JVM_OPTS:+BENCH_JVM_OPTS='$BENCH_JVM_OPTS' }bench/run-submit-benchmark.sh $*" \
  -cp "$(bench_classpath)" dev.conveyor.bench.SubmitBenchmark \
  --out="$root/bench/target/submit-benchmark.md" "$@"
