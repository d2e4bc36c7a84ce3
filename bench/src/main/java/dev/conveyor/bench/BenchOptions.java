package dev.conveyor.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The benchmark's settings. Each comes from {@code --name=value} (or {@code --name value}), else
 * from the system property {@code bench.name}, else its default.
 *
 * @param rates the arrival rates of the measured stages, in requests per second, in order
 * @param stage how long each measured stage issues requests
 * @param warmup how long the unreported warm-up runs, at the first rate, before the stages
 * @param baseline whether to measure the loopback baseline (the anchor) first
 * @param withWorkers whether the standard-tier transform consumers run while jobs are submitted
 * @param maxInFlight requests in flight at most; a request due when the cap is reached is not sent
 *     and counts as dropped
 * @param clients how many {@link java.net.http.HttpClient}s share the load, round-robin
 * @param timeout per-request timeout (a request that times out counts as an error, with this
 *     latency)
 * @param stopBelow stop after a stage that reaches less than this fraction of its target (the
 *     system has collapsed; higher rates would only add backlog)
 * @param tenants how many tenants send jobs, in turn (each with its own key and upload): real
 *     traffic comes from many tenants, and each tenant is rate-limited on its own
 * @param env overrides of the functions' environment (LocalStack settings), e.g. rate limits
 * @param out where to write the markdown report, if anywhere
 * @param command how the run was started, for the report
 */
record BenchOptions(
    List<Integer> rates,
    Duration stage,
    Duration warmup,
    boolean baseline,
    boolean withWorkers,
    int maxInFlight,
    int clients,
    Duration timeout,
    double stopBelow,
    int sourceWidth,
    int sourceHeight,
    int renditionWidth,
    int tenants,
    Map<String, String> env,
    Optional<Path> out,
    String command) {

  static final String USAGE =
      """
      usage: SubmitBenchmark [--rates=50,100,150,250,500,750,1000,1250,1500,2000]
                             [--stage-seconds=10] [--warmup-seconds=15] [--no-baseline] [--with-workers]
                             [--max-in-flight=1000] [--clients=2] [--timeout-seconds=10]
                             [--stop-below=0.5] [--source=320x240] [--rendition-width=64]
                             [--tenants=100] [--env=NAME=VALUE,...] [--out=report.md]
        each option may also be given as the system property bench.<name>, e.g. -Dbench.rates=100
      """;

  BenchOptions {
    if (rates.isEmpty() || rates.stream().anyMatch(r -> r <= 0 || r > 100_000)) {
      throw new IllegalArgumentException("rates must be 1..100000 requests per second: " + rates);
    }
    if (stage.isNegative() || stage.isZero() || stage.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("a stage lasts more than 0 s and at most 10 min");
    }
    if (warmup.isNegative() || warmup.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("the warm-up lasts 0 s to 5 min");
    }
    if (maxInFlight < 1 || clients < 1 || clients > 64 || tenants < 1 || tenants > 1000) {
      throw new IllegalArgumentException("max-in-flight ≥ 1, clients 1..64, tenants 1..1000");
    }
    env = Map.copyOf(env);
  }

  static BenchOptions parse(String... args) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + USAGE);
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (FLAGS.contains(name)) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value\n" + USAGE);
      }
      if (!KNOWN.contains(name) && !FLAGS.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name + "\n" + USAGE);
      }
      given.put(name, value);
    }
    Settings s = new Settings(given);
    String[] size = s.get("source", "320x240").split("x");
    return new BenchOptions(
        Arrays.stream(s.get("rates", "50,100,150,250,500,750,1000,1250,1500,2000").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .toList(),
        Duration.ofMillis(Math.round(Double.parseDouble(s.get("stage-seconds", "10")) * 1000)),
        Duration.ofMillis(Math.round(Double.parseDouble(s.get("warmup-seconds", "15")) * 1000)),
        !Boolean.parseBoolean(s.get("no-baseline", "false")),
        Boolean.parseBoolean(s.get("with-workers", "false")),
        Integer.parseInt(s.get("max-in-flight", "1000")),
        Integer.parseInt(s.get("clients", "2")),
        Duration.ofMillis(Math.round(Double.parseDouble(s.get("timeout-seconds", "10")) * 1000)),
        Double.parseDouble(s.get("stop-below", "0.5")),
        Integer.parseInt(size[0]),
        Integer.parseInt(size[1]),
        Integer.parseInt(s.get("rendition-width", "64")),
        Integer.parseInt(s.get("tenants", "100")),
        env(s.get("env", "")),
        Optional.ofNullable(s.get("out", null)).map(Path::of),
        Optional.ofNullable(System.getProperty("bench.command"))
            .orElse("java … dev.conveyor.bench.SubmitBenchmark " + String.join(" ", args))
            .strip());
  }

  private static final List<String> FLAGS = List.of("no-baseline", "with-workers");
  private static final List<String> KNOWN =
      List.of(
          "rates",
          "stage-seconds",
          "warmup-seconds",
          "max-in-flight",
          "clients",
          "timeout-seconds",
          "stop-below",
          "source",
          "rendition-width",
          "tenants",
          "env",
          "out");

  private static Map<String, String> env(String text) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--env takes NAME=VALUE pairs: " + pair);
      }
      env.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
    }
    return env;
  }

  private record Settings(Map<String, String> given) {
    String get(String name, String defaultValue) {
      String v = given.get(name);
      if (v == null) {
        v = System.getProperty("bench." + name);
      }
      return v == null ? defaultValue : v;
    }
  }
}
