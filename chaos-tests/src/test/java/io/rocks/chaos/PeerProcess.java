package io.rocks.chaos;

import io.rocks.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The test's handle on a peer process ({@link NetnsPeer}, {@link FleetPeer}): starts it, follows
 * its reports, sends it commands, and can stop and continue it ({@code SIGSTOP}, {@code SIGCONT}).
 * Every line the process prints is echoed with its name, for the test log. Reports are read on
 * the virtual thread {@code follow-NAME}; every other method is called by the test's threads and
 * synchronizes on this object.
 */
final class PeerProcess implements AutoCloseable {
  /** One {@code EVENT} report. */
  record Event(String kind, long atNanos, String detail) {}

  /** One {@code DONE} report: the command that finished and what it said. */
  record Done(String command, Map<String, String> said) {}

  private static final Duration SIGNAL_LIMIT = Duration.ofSeconds(10);

  final String name;
  private final Process process;
  private final OutputStream commands;
  private final Thread follower;

  private final List<Event> events = new ArrayList<>();
  private final List<Done> done = new ArrayList<>();
  private final List<Map<String, String>> rockLines = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private Map<String, String> status = Map.of();
  /** When the latest status came ({@link System#nanoTime()}); 0 before any. */
  private long statusAtNanos;
  private Map<String, String> result;
  private Integer listeningPort;
  /** Whether the test stopped the process and has not continued it; guarded by this. */
  private boolean stopped;
  /** Continues and kills the process if the test JVM exits while it is stopped; guarded by this. */
  private Thread stoppedHook;

  private PeerProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.commands = process.getOutputStream();
    this.follower = Thread.ofVirtual().name("follow-" + name).start(this::follow);
  }

  /** Starts {@code NetnsPeer args...} in a new JVM with this JVM's class path, after {@code prefix}. */
  static PeerProcess start(String name, List<String> prefix, String... args) throws IOException {
    return start(name, prefix, List.of("-Xmx256m", "-XX:+UseSerialGC"), NetnsPeer.class, args);
  }

  /**
   * Starts {@code main args...} in a new JVM with this JVM's class path and {@code jvmOptions},
   * after {@code prefix}.
   */
  static PeerProcess start(String name, List<String> prefix, List<String> jvmOptions, Class<?> main, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(testClassPath());
    command.add(main.getName());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new PeerProcess(name, process);
  }

  /** The test class path: surefire's own property if set, else this JVM's class path. */
  private static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  private void follow() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        System.out.println("[" + name + "] " + line);
        int at = line.indexOf(NetnsPeer.PREFIX);
        if (at >= 0) {
          handle(line.substring(at + NetnsPeer.PREFIX.length()));
        }
      }
    } catch (IOException e) {
      synchronized (this) {
        errors.add("reading output: " + e);
      }
    }
  }

  private synchronized void handle(String report) {
    String[] words = report.split(" ", 2);
    String rest = words.length > 1 ? words[1] : "";
    switch (words[0]) {
      case "LISTENING" -> listeningPort = Integer.parseInt(rest.trim());
      case "STATUS" -> {
        status = parse(rest);
        statusAtNanos = System.nanoTime();
      }
      case "RESULT" -> result = parse(rest);
      case "ERROR" -> errors.add(rest);
      case "ROCK" -> rockLines.add(parse(rest));
      case "DONE" -> {
        String[] parts = rest.split(" ", 2);
        done.add(new Done(parts[0], parse(parts.length > 1 ? parts[1] : "")));
      }
      case "EVENT" -> {
        String[] parts = rest.split(" ", 3);
        events.add(new Event(parts[0], Long.parseLong(parts[1]), parts.length > 2 ? parts[2] : ""));
      }
      default -> errors.add("unknown report: " + report);
    }
  }

  private static Map<String, String> parse(String keyValues) {
    Map<String, String> map = new HashMap<>();
    for (String pair : keyValues.trim().split("\\s+")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        map.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return map;
  }

  /** Sends one command line. */
  void command(String line) throws IOException {
    commands.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    commands.flush();
  }

  /** The {@code DONE} reports of {@code command} so far, oldest first. */
  synchronized List<Done> done(String command) {
    return done.stream().filter(d -> d.command().equals(command)).toList();
  }

  /** Waits for {@code DONE command} number {@code count + 1} and returns what it said. */
  Map<String, String> awaitDone(Duration timeout, String command, int count) throws Exception {
    await(timeout, "DONE " + command + " #" + (count + 1), () -> done(command).size() > count);
    return done(command).get(count).said();
  }

  /**
   * Sends {@code REPORT} and returns the {@code ROCK} lines that answer it, as key=value maps.
   * Only one thread may ask at a time.
   */
  List<Map<String, String>> report(Duration timeout) throws Exception {
    int asked = done("REPORT").size();
    synchronized (this) {
      rockLines.clear();
    }
    command("REPORT");
    awaitDone(timeout, "REPORT", asked);
    synchronized (this) {
      return List.copyOf(rockLines);
    }
  }

  synchronized Map<String, String> status() {
    return status;
  }

  /** How long ago the latest status came, in milliseconds; -1 before any. */
  synchronized long statusAgeMillis() {
    return statusAtNanos == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - statusAtNanos);
  }

  synchronized List<Event> events(String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).toList();
  }

  synchronized Map<String, String> result() {
    return result;
  }

  synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  long statusLong(String key) {
    String value = status().get(key);
    return value == null ? -1 : Long.parseLong(value);
  }

  /** Waits for the port a server process listens on. */
  int awaitListening(Duration timeout) throws Exception {
    await(timeout, "listening", () -> listeningPortOrNull() != null);
    return listeningPortOrNull();
  }

  private synchronized Integer listeningPortOrNull() {
    return listeningPort;
  }

  /** Waits until the latest status satisfies {@code condition}. */
  void awaitStatus(Duration timeout, String what, Predicate<Map<String, String>> condition) throws Exception {
    await(timeout, what, () -> condition.test(status()));
  }

  /** Waits until there are more than {@code count} events of {@code kind}; returns the next one. */
  Event awaitEvent(Duration timeout, String kind, int count) throws Exception {
    await(timeout, "event " + kind + " #" + (count + 1), () -> events(kind).size() > count);
    return events(kind).get(count);
  }

  Map<String, String> awaitResult(Duration timeout) throws Exception {
    await(timeout, "the final result", () -> result() != null);
    return result();
  }

  /** Waits for {@code condition}, failing at once if the process reported an error or died. */
  private void await(Duration timeout, String what, java.util.function.BooleanSupplier condition) throws Exception {
    Await.until(
        timeout,
        () -> name + ": " + what + " (latest status: " + status() + ")",
        () -> {
          checkReportedNoError();
          if (condition.getAsBoolean()) {
            return true;
          }
          checkAlive(" before " + what);
          return false;
        });
  }

  /** Throws if the process reported an error, or exited without a result. */
  void checkAlive() {
    checkReportedNoError();
    checkAlive("");
  }

  private void checkReportedNoError() {
    List<String> reported = errors();
    if (!reported.isEmpty()) {
      throw new AssertionError(name + " reported " + reported);
    }
  }

  private void checkAlive(String when) {
    if (!process.isAlive() && result() == null) {
      throw new AssertionError(name + " exited with " + process.exitValue() + when);
    }
  }

  long pid() {
    return process.pid();
  }

  /**
   * Stops the process ({@code kill -STOP}) and returns once the kernel shows it stopped: every
   * thread of its JVM halts where it is, as in a pause far longer than any collection. Until
   * {@link #continueProcess}, a shutdown hook continues and kills it should this JVM exit first.
   */
  void stopProcess() throws Exception {
    synchronized (this) {
      if (stoppedHook == null) {
        stoppedHook = new Thread(process::destroyForcibly, "kill-stopped-" + name);
        Runtime.getRuntime().addShutdownHook(stoppedHook);
      }
      stopped = true;
    }
    signal("STOP");
    Await.until(SIGNAL_LIMIT, () -> name + " stopped; its state is " + schedulerState(), () -> schedulerState() == 'T');
  }

  /** Continues a stopped process ({@code kill -CONT}); returns once the kernel shows it running. */
  void continueProcess() throws Exception {
    signal("CONT");
    Await.until(SIGNAL_LIMIT, () -> name + " continued; its state is " + schedulerState(), () -> schedulerState() != 'T');
    synchronized (this) {
      stopped = false;
    }
  }

  private void signal(String signal) throws IOException, InterruptedException {
    HostCommands.run(List.of("kill", "-" + signal, Long.toString(process.pid())), SIGNAL_LIMIT);
  }

  /**
   * The process's state letter from {@code /proc/PID/stat} ({@code R} running, {@code S} sleeping,
   * {@code T} stopped, ...), or {@code ?} if it has gone.
   */
  char schedulerState() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // The name in parentheses may hold spaces; the state is the first field after it.
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return '?';
    }
  }

  /** Continues the process if the test stopped it, then ends it if it still runs. */
  @Override
  public void close() {
    boolean wasStopped;
    Thread hook;
    synchronized (this) {
      wasStopped = stopped;
      hook = stoppedHook;
    }
    if (wasStopped && process.isAlive()) {
      try {
        signal("CONT");
      } catch (IOException | InterruptedException e) {
        System.out.println("[" + name + "] could not continue the stopped process before killing it: " + e);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs anyway and kills what is already gone.
      }
    }
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      follower.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
