#!/usr/bin/env bash
# What one SQS SendMessageBatch costs on the embedded local stack (ElasticMQ + AWS SDK), per call
# and per message, for batches of 1 and 10: the floor under the submit benchmark's SQS share.
# See docs/benchmarks.md.   bench/run-sqs-call-cost.sh [--calls=2000] [--rounds=8]
# Loopback only; stops by itself (about 2 min with the defaults on 2 cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

exec java --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
  -Xms1g -Xmx1g -Dlog4j2.configurationFile=log4j2-local.xml \
  -Dconveyor.log.file="$root/bench/target/sqs-call-cost.log" \
  -cp "$(bench_classpath)" dev.conveyor.bench.SqsCallCost "$@"
