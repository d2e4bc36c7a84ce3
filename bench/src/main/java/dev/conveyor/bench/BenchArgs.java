package dev.conveyor.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --name=value} options of the single-purpose benchmarks and probes: each knows its
 * names, and anything else is refused with the list, so a typo never silently runs the defaults.
 */
public final class BenchArgs {
  private final Map<String, String> values;

  private BenchArgs(Map<String, String> values) {
    this.values = values;
  }

  /**
   * @param known the option names this program takes
   * @throws IllegalArgumentException for an argument that is not {@code --name=value} of a known
   *     name
   */
  public static BenchArgs parse(String[] args, String... known) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("options are --name=value: " + arg);
      }
      String name = arg.substring(2, eq);
      if (!List.of(known).contains(name)) {
        throw new IllegalArgumentException(
            "unknown option --" + name + "; known: --" + String.join(", --", known));
      }
      values.put(name, arg.substring(eq + 1));
    }
    return new BenchArgs(values);
  }

  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  public int intValue(String name, int fallback) {
    return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
  }

  public long longValue(String name, long fallback) {
    return values.containsKey(name) ? Long.parseLong(values.get(name)) : fallback;
  }
}
