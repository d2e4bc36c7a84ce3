#!/usr/bin/env bash
# The image engine benchmark: node's sharp against Conveyor's libvips and JDK engines on one
# 4000×3000 photographic JPEG → 800 px wide (JPEG q80, WebP q80, AVIF), single-threaded, with the
# ratios to sharp and the peak memory of each. See docs/benchmarks.md.
#   bench/run-image-benchmark.sh                       # 21 timed runs after 10 untimed, per engine and format
#   bench/run-image-benchmark.sh --runs=3 --formats=jpeg,webp
# Installs sharp from npm into bench/target/image-bench (pinned below); builds if needed
# (BENCH_NO_BUILD=1 runs what is built); needs a JDK 25 and node. Stops by itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# The sharp release built on the same libvips (8.18.7, @img/sharp-libvips-*@1.3.4) as Conveyor.
sharp_version="0.35.5"
workdir="bench/target/image-bench"
mkdir -p "$workdir"
if [[ ! -f "$workdir/node_modules/sharp/package.json" ]] \
    || ! grep -q "\"version\": \"$sharp_version\"" "$workdir/node_modules/sharp/package.json"; then
  echo "Installing sharp@$sharp_version from npm…"
  (cd "$workdir" && npm install --no-save --no-audit --no-fund --loglevel=error "sharp@$sharp_version")
fi

exec java --enable-native-access=ALL-UNNAMED -Xmx512m \
  -Dlog4j2.configurationFile=log4j2-local.xml \
  -cp "$(bench_classpath)" dev.conveyor.bench.ImageBenchmarkRun \
  --workdir="$workdir" --out=bench/target/image-benchmark.md "$@"
