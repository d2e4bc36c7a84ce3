package dev.conveyor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Where the machine's CPU went during a stage, from Linux's {@code /proc}: this JVM (load generator
 * and the whole local stack but PostgreSQL), its child processes (the embedded PostgreSQL server
 * and its backends), and everything else on the machine (e.g. builds running next to the
 * benchmark). Within the JVM, CPU per thread group (thread names with their numbers folded), from
 * {@link ThreadMXBean}. Elsewhere than Linux the process split is absent ({@link Usage#known}).
 */
final class CpuMeter {
  /** USER_HZ: the unit of /proc tick counters; 100 on every mainstream Linux. */
  private static final double TICKS_PER_SECOND = 100.0;

  private static final Pattern NUMBERS = Pattern.compile("\\d+");

  /** The JVM's own threads (JIT, GC, VM), which {@link ThreadMXBean} does not list. */
  static final String JVM_INTERNAL = "(JIT, GC, VM threads)";

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final long selfPid = ProcessHandle.current().pid();
  private final OptionalLong postgres;

  record Snapshot(
      long nanos,
      long machineBusyTicks,
      long selfTicks,
      Map<Long, Long> childTicks,
      Map<Long, ThreadSample> threads,
      boolean known) {}

  record ThreadSample(String group, long cpuNanos) {}

  /**
   * CPU in cores (1.0 = one core busy for the whole interval).
   *
   * @param topThreadGroups the JVM's busiest thread groups, busiest first
   */
  record Usage(
      double seconds,
      double machineCores,
      double jvmCores,
      double childCores,
      List<Map.Entry<String, Double>> topThreadGroups,
      boolean known) {
    double otherCores() {
      return Math.max(0, machineCores - jvmCores - childCores);
    }
  }

  /**
   * @param postgres the embedded PostgreSQL server's main process: it runs detached from this JVM
   *     (pg_ctl daemonizes it), so it is not among this JVM's descendants
   */
  CpuMeter(OptionalLong postgres) {
    this.postgres = postgres;
    if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
      threads.setThreadCpuTimeEnabled(true);
    }
  }

  Snapshot snapshot() {
    Map<Long, ThreadSample> perThread = new HashMap<>();
    if (threads.isThreadCpuTimeSupported()) {
      for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
        if (info == null) {
          continue;
        }
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        if (cpu >= 0) {
          perThread.put(
              info.getThreadId(),
              new ThreadSample(NUMBERS.matcher(info.getThreadName()).replaceAll("#"), cpu));
        }
      }
    }
    try {
      long busy = machineBusyTicks();
      long self = processTicks(selfPid);
      Map<Long, Long> children = new HashMap<>();
      List<ProcessHandle> others = new ArrayList<>(ProcessHandle.current().descendants().toList());
      postgres.stream()
          .mapToObj(ProcessHandle::of)
          .flatMap(Optional::stream)
          .forEach(server -> {
            others.add(server);
            others.addAll(server.descendants().toList());
          });
      for (ProcessHandle p : others) {
        long t = processTicks(p.pid());
        if (t >= 0) {
          children.put(p.pid(), t);
        }
      }
      return new Snapshot(System.nanoTime(), busy, self, children, perThread, true);
    } catch (IOException | RuntimeException e) {
      return new Snapshot(System.nanoTime(), 0, 0, Map.of(), perThread, false);
    }
  }

  Usage between(Snapshot a, Snapshot b) {
    double seconds = (b.nanos() - a.nanos()) / 1e9;
    Map<String, Long> groups = new HashMap<>();
    b.threads()
        .forEach((id, s) -> {
          ThreadSample before = a.threads().get(id);
          long used = s.cpuNanos() - (before == null ? 0 : before.cpuNanos());
          groups.merge(s.group(), used, Long::sum);
        });
    List<Map.Entry<String, Double>> top = new ArrayList<>();
    groups.forEach((g, nanos) -> top.add(Map.entry(g, nanos / 1e9 / seconds)));
    top.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
    boolean known = a.known() && b.known();
    if (!known) {
      return new Usage(seconds, 0, 0, 0, top, false);
    }
    long children = 0;
    for (Map.Entry<Long, Long> e : b.childTicks().entrySet()) {
      // A child that started during the interval used all its ticks in it.
      children += e.getValue() - a.childTicks().getOrDefault(e.getKey(), 0L);
    }
    double jvm = cores(b.selfTicks() - a.selfTicks(), seconds);
    // What no Java thread accounts for: JIT compilers, GC workers, the VM thread.
    double javaThreads = top.stream().mapToDouble(Map.Entry::getValue).sum();
    top.add(Map.entry(JVM_INTERNAL, Math.max(0, jvm - javaThreads)));
    top.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
    return new Usage(
        seconds,
        cores(b.machineBusyTicks() - a.machineBusyTicks(), seconds),
        jvm,
        cores(Math.max(0, children), seconds),
        top,
        true);
  }

  private static double cores(long ticks, double seconds) {
    return ticks / TICKS_PER_SECOND / seconds;
  }

  /**
   * The PostgreSQL server (postmaster) listening on {@code port}, found by its command line ({@code
   * postgres … -p port …}) among all processes.
   */
  static OptionalLong postgresServer(int port) {
    try (var procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> {
            try {
              List<String> args = List.of(Files.readString(p.resolve("cmdline")).split("\u0000"));
              int i = args.indexOf("-p");
              return !args.isEmpty()
                  && args.getFirst().endsWith("/postgres")
                  && i >= 0
                  && i + 1 < args.size()
                  && args.get(i + 1).equals(Integer.toString(port));
            } catch (IOException | RuntimeException e) {
              return false;
            }
          })
          .mapToLong(p -> Long.parseLong(p.getFileName().toString()))
          .min();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** user + nice + system + irq + softirq + steal, over every CPU, from /proc/stat. */
  private static long machineBusyTicks() throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst();
    String[] f = cpu.trim().split("\\s+");
    if (!f[0].equals("cpu")) {
      throw new IOException("unexpected /proc/stat");
    }
    long busy = 0;
    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
      if (i < f.length) {
        busy += Long.parseLong(f[i]);
      }
    }
    return busy;
  }

  /** utime + stime of a process, or -1 if it is gone. */
  private static long processTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) is in parentheses and may contain spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
