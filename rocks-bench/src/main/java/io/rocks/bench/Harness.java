package io.rocks.bench;

import io.rocks.RockOptions;
import io.rocks.chaos.Toxi;
import io.rocks.chaos.ToxiproxyServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole-connection figures, each measured for rocks and for plain {@code java.net.Socket} in
 * the same run, written to a results file that {@link Report} turns into {@code
 * docs/benchmarks.md}.
 *
 * <pre>
 *   java -cp ... io.rocks.bench.Harness [--out FILE] [--only 1,2,...] [--idle N] [--storm N] [--quick]
 * </pre>
 *
 * <ol>
 *   <li>bulk throughput over loopback ({@link BulkFigure})
 *   <li>connect to first echoed byte, on loopback and through Toxiproxy ({@link ConnectFigure})
 *   <li>and 4: a silent cut: time to suspension, and from restoration to data ({@link CutFigure})
 *   <li value="5">10,000 idle rocks in one JVM ({@link IdleFigure})
 *   <li>throughput with the link cut every 2 s ({@link FlakyFigure})
 *   <li>a storm of 10,000 rocks connecting at once under load, then reset and black-holed at once
 *       ({@link StormFigure})
 *   <li>the deterministic simulator of rocks-impl's tests, run for 60 s from seed 1,000,001
 *       ({@link SimFigure})
 * </ol>
 *
 * {@code --idle N} holds N idle connections in figure 5 instead of 10,000; {@code --storm N} opens
 * N rocks in figure 7 instead of 10,000. {@code --quick} shrinks every figure (sizes, counts, durations) to check the harness itself;
 * its numbers are not the published ones.
 */
public final class Harness {
  final Results results;
  final Settings settings;
  final RockOptions options = RockOptions.defaults();
  final Path workDir;
  private final long startNanos = System.nanoTime();

  /** How much each figure measures: the published run, or a quick check of the harness. */
  record Settings(
      long bulkBytes,
      long bulkWarmupBytes,
      int bulkRuns,
      int connectWarmups,
      int connectSteadyWarmups,
      int connectRuns,
      int toxiConnectRuns,
      int cuts,
      int idleRocks,
      Duration idleWindow,
      int idleWindows,
      Duration flakySeconds,
      int flakyRuns,
      int stormRocks,
      Duration stormIdle,
      Duration simBudget,
      boolean quick) {
    static Settings full() {
      return new Settings(
          1L << 30, 256L << 20, 21, 300, 3_000, 300, 30, 20, 10_000, Duration.ofSeconds(5), 3,
          Duration.ofSeconds(12), 3, 10_000, Duration.ofSeconds(10), Duration.ofSeconds(60), false);
    }

    Settings withIdleRocks(int count) {
      return new Settings(
          bulkBytes, bulkWarmupBytes, bulkRuns, connectWarmups, connectSteadyWarmups, connectRuns,
          toxiConnectRuns, cuts,
          count, idleWindow, idleWindows, flakySeconds, flakyRuns, stormRocks, stormIdle, simBudget, quick);
    }

    Settings withStormRocks(int count) {
      return new Settings(
          bulkBytes, bulkWarmupBytes, bulkRuns, connectWarmups, connectSteadyWarmups, connectRuns,
          toxiConnectRuns, cuts,
          idleRocks, idleWindow, idleWindows, flakySeconds, flakyRuns, count, stormIdle, simBudget, quick);
    }

    static Settings quickCheck() {
      return new Settings(
          64L << 20, 32L << 20, 2, 50, 300, 20, 5, 3, 500, Duration.ofSeconds(2), 2,
          Duration.ofSeconds(5), 1, 500, Duration.ofSeconds(5), Duration.ofSeconds(5), true);
    }
  }

  Harness(Results results, Settings settings, Path workDir) {
    this.results = results;
    this.settings = settings;
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of("target/bench/harness.tsv");
    Set<String> only = new LinkedHashSet<>(List.of("1", "2", "3", "4", "5", "6", "7", "8"));
    boolean quick = false;
    Integer idle = null;
    Integer storm = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--idle" -> idle = Integer.parseInt(args[++i]);
        case "--storm" -> storm = Integer.parseInt(args[++i]);
        case "--only" -> only = new LinkedHashSet<>(List.of(args[++i].split(",")));
        case "--quick" -> quick = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Results results = Results.create(out);
    Settings settings = quick ? Settings.quickCheck() : Settings.full();
    if (idle != null) {
      settings = settings.withIdleRocks(idle);
    }
    if (storm != null) {
      settings = settings.withStormRocks(storm);
    }
    Harness harness = new Harness(results, settings, out.toAbsolutePath().getParent());
    harness.run(only);
    System.exit(0);
  }

  void run(Set<String> figures) throws Exception {
    machineFacts();
    if (figures.contains("1")) {
      new BulkFigure(this).run();
    }
    if (figures.contains("2")) {
      new ConnectFigure(this).runLoopback();
    }
    boolean toxiproxy = figures.contains("2") || figures.contains("3") || figures.contains("4") || figures.contains("6");
    if (toxiproxy) {
      try (ToxiproxyServer server =
          ToxiproxyServer.start(
              ToxiproxyServer.locateBinary(Path.of("").toAbsolutePath()),
              workDir.resolve("toxiproxy.log"),
              Duration.ofSeconds(20))) {
        results.fact("toxiproxy.version", server.version());
        Toxi toxi = new Toxi(server);
        if (figures.contains("2")) {
          new ConnectFigure(this).runToxiproxy(toxi);
        }
        if (figures.contains("3") || figures.contains("4")) {
          new CutFigure(this, "toxiproxy", new CutFigure.ToxiproxyLink(toxi)).run();
        }
        if (figures.contains("6")) {
          new FlakyFigure(this, toxi).run();
        }
      }
    }
    if (figures.contains("3") || figures.contains("4")) {
      new NetnsCuts(this).run();
    }
    if (figures.contains("5")) {
      new IdleFigure(this).run();
    }
    if (figures.contains("7")) {
      new StormFigure(this).run();
    }
    if (figures.contains("8")) {
      new SimFigure(this).run();
    }
    results.fact("harness.seconds", String.format("%.0f", (System.nanoTime() - startNanos) / 1e9));
    results.fact("machine.load.end", loadAverage());
    log("harness done in %.0f s", (System.nanoTime() - startNanos) / 1e9);
  }

  private void machineFacts() throws IOException {
    results.fact("run.date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    results.fact("run.quick", settings.quick());
    results.fact("machine.cpus", Runtime.getRuntime().availableProcessors());
    results.fact("machine.cpu", procField("/proc/cpuinfo", "model name", "unknown CPU"));
    results.fact("machine.memory", procField("/proc/meminfo", "MemTotal", "unknown"));
    results.fact("machine.kernel", readOr("/proc/sys/kernel/osrelease", "unknown").strip());
    results.fact("machine.load.start", loadAverage());
    results.fact(
        "jdk",
        System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
            + System.getProperty("java.runtime.version"));
    results.fact("jvm.args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    results.fact("rocks.heartbeat", options.heartbeatInterval().toMillis() + " ms");
    results.fact("rocks.sensitivity", options.failureSensitivity());
    results.fact("rocks.detection", options.failureDetectionTime().toMillis() + " ms");
    results.fact("rocks.handshakeTimeout", options.handshakeTimeout().toMillis() + " ms");
    results.fact(
        "rocks.backoff",
        options.backoffInitial().toMillis() + " ms to " + options.backoffCap().toMillis()
            + " ms, jitter " + options.backoffJitter());
    results.fact("rocks.inFlight", options.inFlightCapacity());
    results.fact("rocks.idleAfter", options.idleAfter().toMillis() + " ms");
    results.fact("rocks.idleHeartbeat", options.idleHeartbeatInterval().toMillis() + " ms");
    results.fact("tcp.keepalive_time", readOr("/proc/sys/net/ipv4/tcp_keepalive_time", "?").strip());
    results.fact("tcp.keepalive_intvl", readOr("/proc/sys/net/ipv4/tcp_keepalive_intvl", "?").strip());
    results.fact("tcp.keepalive_probes", readOr("/proc/sys/net/ipv4/tcp_keepalive_probes", "?").strip());
  }

  /** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
  static String loadAverage() throws IOException {
    String[] f = readOr("/proc/loadavg", "? ? ?").trim().split("\\s+");
    return f.length >= 3 ? f[0] + " / " + f[1] + " / " + f[2] : "?";
  }

  private static String procField(String file, String field, String absent) throws IOException {
    for (String line : readOr(file, "").split("\n")) {
      if (line.startsWith(field)) {
        int colon = line.indexOf(':');
        return line.substring(colon + 1).strip().replaceAll("\\s+", " ");
      }
    }
    return absent;
  }

  private static String readOr(String file, String absent) throws IOException {
    Path path = Path.of(file);
    // Line by line: files under /proc report a size of 0, which whole-file reads can take at its word.
    return Files.isReadable(path) ? String.join("\n", Files.readAllLines(path)) : absent;
  }

  void log(String format, Object... args) {
    System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - startNanos) / 1e9, String.format(format, args));
    System.out.flush();
  }

  /**
   * Paces a fault schedule (cut every 2 s, hold an outage for its drawn length), or ends a pause
   * that a figure's definition sets (figure 5's wait for idle mode): returns at {@code
   * deadlineNanos}. Not a wait for a condition; those use {@code RockEvents.await} or latches.
   */
  static void sleepUntil(long deadlineNanos) throws InterruptedException {
    long left = deadlineNanos - System.nanoTime();
    if (left > 0) {
      Thread.sleep(Duration.ofNanos(left));
    }
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
