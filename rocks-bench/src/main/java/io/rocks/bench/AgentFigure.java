package io.rocks.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * One program ({@link SocketProgram}), three ways, in the same run: plain (its class alone on the
 * class path), under {@code rocks-agent} (the same, with {@code -javaagent}), and with the library
 * ({@code Rocks.connect}, {@code RocksServerSocketFactory}). Server and client are JVMs of their
 * own; the server runs the same way as the client. Per round and way: connect to the first echoed
 * byte ({@value #CONNECTS} after {@value #WARMUP} of warm-up, the next connect right after the
 * previous close) and {@value #BULK_MIB} MiB one way; {@value #ROUNDS} rounds, the order of the
 * ways rotating. Then start-up: {@value #STARTS} starts of a program that prints one line, plain,
 * with an agent that does nothing and with {@code rocks-agent}, interleaved. Writes its section
 * into {@code docs/benchmarks.md} between its markers ({@code scripts/bench --agent}).
 */
public final class AgentFigure {
  static final String BEGIN = "<!-- scripts/bench --agent: begin -->";
  static final String END = "<!-- scripts/bench --agent: end -->";
  static final int ROUNDS = 5;
  static final int CONNECTS = 1000;
  static final int WARMUP = 2000;
  static final int BULK_MIB = 1024;
  static final int STARTS = 15;

  /** An agent that does nothing: what {@code -javaagent} itself costs. */
  public static final class NoopAgent {
    private NoopAgent() {}

    public static void premain(String args, Instrumentation instrumentation) {}
  }

  private record Way(String name, String classPath, List<String> options, String mode) {}

  private record Round(long p50, long p99, double mibps) {}

  public static void main(String[] args) throws Exception {
    Path page = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
    Path agent = args.length > 1 ? Path.of(args[1]) : findAgent(Path.of("rocks-agent", "target"));
    Path work = Files.createTempDirectory("rocks-agent-figure");
    try {
      String section = measure(agent, work);
      System.out.println(section);
      if (Files.exists(page)) {
        Files.writeString(page,
            LongFatPipe.replaceSection(Files.readString(page, StandardCharsets.UTF_8), section, BEGIN, END),
            StandardCharsets.UTF_8);
      }
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static Path findAgent(Path dir) throws IOException {
    try (Stream<Path> jars = Files.list(dir)) {
      return jars.filter(p -> p.getFileName().toString().matches("rocks-agent-[^-]+(-SNAPSHOT)?\\.jar"))
          .findFirst()
          .orElseThrow(() -> new IOException("no rocks-agent jar in " + dir + ": mvn -f rocks-agent/pom.xml package"));
    }
  }

  private static String measure(Path agent, Path work) throws Exception {
    Path alone = work.resolve("program");
    copyClass(SocketProgram.class, alone);
    Path noop = work.resolve("noop-agent.jar");
    writeNoopAgent(noop);
    String library = System.getProperty("java.class.path");
    List<Way> ways = List.of(
        new Way("plain", alone.toString(), List.of(), "plain"),
        new Way("agent", alone.toString(), List.of("-javaagent:" + agent.toAbsolutePath()), "plain"),
        new Way("library", library, List.of(), "library"));
    String loadBefore = Harness.loadAverage();
    List<List<Round>> rounds = new ArrayList<>();
    for (int i = 0; i < ways.size(); i++) {
      rounds.add(new ArrayList<>());
    }
    for (int round = 0; round < ROUNDS; round++) {
      for (int k = 0; k < ways.size(); k++) {
        int w = (round + k) % ways.size();
        Round r = round(ways.get(w));
        rounds.get(w).add(r);
        System.out.printf(Locale.ROOT, "round %d %s: p50 %d us p99 %d us, %.1f MiB/s%n",
            round + 1, ways.get(w).name(), r.p50(), r.p99(), r.mibps());
      }
    }
    // Start-up, interleaved.
    List<List<Double>> starts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<List<String>> startOptions = List.of(List.of(), List.of("-javaagent:" + noop), List.of("-javaagent:" + agent.toAbsolutePath()));
    for (int i = 0; i < STARTS + 2; i++) {
      for (int k = 0; k < 3; k++) {
        int w = (i + k) % 3;
        double ms = startMillis(alone.toString(), startOptions.get(w));
        if (i >= 2) {
          starts.get(w).add(ms);
        }
      }
    }
    List<Double> premain = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      premain.add(premainMillis(alone.toString(), agent));
    }
    String loadAfter = Harness.loadAverage();

    StringBuilder s = new StringBuilder();
    s.append("## Unmodified programs under rocks-agent\n\n")
        .append(String.format(Locale.ROOT,
            "Measured %s on this machine (%d cores). One program (`io.rocks.bench.SocketProgram`: `new Socket`,"
                + " `new ServerSocket`, 16 platform threads serving) three ways, server and client each in a JVM of"
                + " its own and both run the same way: **plain** (its class alone on the class path), **agent** (the"
                + " same with `-javaagent:rocks-agent.jar`, default policy: detection finds the other side's rocks"
                + " server) and **library** (`Rocks.connect`, `RocksServerSocketFactory`). Per round and way: %,d"
                + " connects to the first echoed byte after %,d of warm-up, each right after the previous close, and"
                + " %d MiB one way (timed after the same again on another connection, to warm the JIT up); %d rounds, the order of the ways rotating. Ratios are per round (way / plain),"
                + " median with the range. `scripts/bench --agent` writes this section.%n%n",
            LocalDate.now(), Runtime.getRuntime().availableProcessors(), CONNECTS, WARMUP, BULK_MIB, ROUNDS))
        .append("| way | connect p50 µs | connect p99 µs | bulk MiB/s | p50 / plain | p99 / plain | bulk / plain |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (int w = 0; w < ways.size(); w++) {
      List<Round> mine = rounds.get(w);
      List<Round> plain = rounds.get(0);
      List<Double> p50s = new ArrayList<>();
      List<Double> p99s = new ArrayList<>();
      List<Double> bulks = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        p50s.add((double) mine.get(i).p50() / plain.get(i).p50());
        p99s.add((double) mine.get(i).p99() / plain.get(i).p99());
        bulks.add(mine.get(i).mibps() / plain.get(i).mibps());
      }
      s.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %s | %s | %s |%n", ways.get(w).name(),
          median(mine.stream().map(r -> (double) r.p50()).toList()),
          median(mine.stream().map(r -> (double) r.p99()).toList()),
          median(mine.stream().map(Round::mibps).toList()),
          w == 0 ? "1" : spread(p50s), w == 0 ? "1" : spread(p99s), w == 0 ? "1" : spread(bulks)));
    }
    s.append(String.format(Locale.ROOT, "%nStart-up (from starting `java` to its exit, a program that prints one line,"
            + " %d starts each, interleaved): plain %s ms, with an agent that does nothing %s ms, with rocks-agent %s ms"
            + " (median, range). The agent's `premain` itself took %s ms on the main thread (median of %d);"
            + " the policy, the logging and the key agreement start on a thread of their own, which the program's"
            + " first socket waits for.%n%n",
        STARTS, spread(starts.get(0)), spread(starts.get(1)), spread(starts.get(2)), spread(premain), premain.size()));
    s.append("Load average (1 / 5 / 15 min) ").append(loadBefore).append(" before, ").append(loadAfter).append(" after.\n");
    return s.toString();
  }

  private static Round round(Way way) throws Exception {
    Process server = start(way, "server", way.mode());
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String first = lines.readLine();
      if (first == null || !first.startsWith("listening ")) {
        throw new IOException(way.name() + " server said " + first);
      }
      String port = first.substring("listening ".length());
      String[] connects = run(way, "connects", way.mode(), "127.0.0.1", port, String.valueOf(CONNECTS), String.valueOf(WARMUP)).split(" ");
      String[] bulk = run(way, "bulk", way.mode(), "127.0.0.1", port, String.valueOf((long) BULK_MIB << 20)).split(" ");
      return new Round(Long.parseLong(connects[1]), Long.parseLong(connects[3]), Double.parseDouble(bulk[1]));
    } finally {
      server.destroyForcibly();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process start(Way way, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(way.options());
    command.add("-cp");
    command.add(way.classPath());
    command.add(SocketProgram.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static String run(Way way, String... args) throws Exception {
    Process process = start(way, args);
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(way.name() + " " + String.join(" ", args) + " failed: " + output);
    }
    return output;
  }

  private static double startMillis(String classPath, List<String> options) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.addAll(List.of("-cp", classPath, SocketProgram.class.getName(), "hello"));
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    process.waitFor(60, TimeUnit.SECONDS);
    double ms = (System.nanoTime() - start) / 1e6;
    if (!output.equals("hello")) {
      throw new IOException(String.join(" ", command) + " said " + output);
    }
    return ms;
  }

  /**
   * Starts the program under the agent at DEBUG and reads its output until the agent's start-up
   * line, which a thread of the agent's own logs once the policy is ready; then closes the
   * program's stdin, which ends it. A program that says nothing of the kind within 60 s is killed.
   */
  private static double premainMillis(String classPath, Path agent) throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-javaagent:" + agent.toAbsolutePath(), "-Dorg.apache.logging.log4j.simplelog.level=DEBUG",
        "-cp", classPath, SocketProgram.class.getName(), "linger");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread.ofVirtual().start(() -> {
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
      }
    });
    java.util.regex.Pattern premain = java.util.regex.Pattern.compile("premain took (\\d+) us");
    StringBuilder seen = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        seen.append(line).append('\n');
        java.util.regex.Matcher m = premain.matcher(line);
        if (m.find()) {
          process.getOutputStream().close();
          process.waitFor(60, TimeUnit.SECONDS);
          return Long.parseLong(m.group(1)) / 1000.0;
        }
      }
    }
    throw new IOException("no premain time in: " + seen);
  }

  private static void copyClass(Class<?> type, Path root) throws IOException {
    String resource = type.getName().replace('.', '/') + ".class";
    Path target = root.resolve(resource);
    Files.createDirectories(target.getParent());
    try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void writeNoopAgent(Path jar) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", NoopAgent.class.getName());
    String resource = NoopAgent.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
        InputStream in = NoopAgent.class.getClassLoader().getResourceAsStream(resource)) {
      out.putNextEntry(new JarEntry(resource));
      in.transferTo(out);
      out.closeEntry();
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String spread(List<Double> values) {
    double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    double median = median(values);
    String f = median >= 10 ? "%.0f" : "%.2f";
    return String.format(Locale.ROOT, f + " (" + f + "–" + f + ")", median, min, max);
  }
}
