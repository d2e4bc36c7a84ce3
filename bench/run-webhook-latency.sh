#!/usr/bin/env bash
# Webhook delivery latency on the embedded local stack, from job completion to the receiver, idle
# and while a flood of image jobs keeps the workers busy (target: flooded p99 ≤ 1.2× idle p99).
# See docs/benchmarks.md.   bench/run-webhook-latency.sh [--probes=200] [--flood=500] [--gap-ms=50]
# Builds if needed (BENCH_NO_BUILD=1 runs what is built); loopback only; stops by itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

exec java --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
  -Xms1g -Xmx2g -Dlog4j2.configurationFile=log4j2-local.xml \
  -Dconveyor.log.file="$root/bench/target/webhook-latency-functions.log" \
  -cp "$(bench_classpath)" dev.conveyor.local.WebhookLatencyBenchmark "$@"
