// One engine, one format: sharp (node) turning the benchmark's source JPEG into an 800 px wide
// rendition, single-threaded, `runs` times after `warmup` untimed runs. Prints one JSON line with
// the same fields as dev.conveyor.bench.ImageEngineBenchmark, which runs the Java engines.
//   node sharp-bench.mjs <source.jpg> <jpeg|webp|avif> <runs> <warmup>
// Started by ImageBenchmarkRun with UV_THREADPOOL_SIZE=1 and VIPS_CONCURRENCY=1.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const sharp = require("sharp");

const [source, format, runsArg, warmupArg] = process.argv.slice(2);
const runs = Number(runsArg);
const warmup = Number(warmupArg);
const input = readFileSync(source);

sharp.concurrency(1);
sharp.cache(false);

// sharp's defaults, spelled out so both sides encode alike: strip metadata, quality 80 for JPEG
// and WebP, 50 for AVIF (effort 4, 4:4:4). Nothing is enlarged.
function render() {
  const pipeline = sharp(input).resize({ width: 800, withoutEnlargement: true });
  switch (format) {
    case "jpeg":
      return pipeline.jpeg({ quality: 80 }).toBuffer();
    case "webp":
      return pipeline.webp({ quality: 80 }).toBuffer();
    case "avif":
      return pipeline.avif({ quality: 50, effort: 4 }).toBuffer();
    default:
      throw new Error(`unknown format ${format}`);
  }
}

function rssKiB(field) {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)[1]);
}

const rssBefore = rssKiB("VmRSS");
let bytes = 0;
for (let i = 0; i < warmup; i++) {
  bytes = (await render()).length;
}
const millis = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  bytes = (await render()).length;
  millis.push(Number(process.hrtime.bigint() - start) / 1e6);
}
millis.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    engine: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    format,
    runs,
    medianMillis: millis[Math.floor(millis.length / 2)],
    minMillis: millis[0],
    outputBytes: bytes,
    peakRssGrowthKiB: rssKiB("VmHWM") - rssBefore,
  }),
);
