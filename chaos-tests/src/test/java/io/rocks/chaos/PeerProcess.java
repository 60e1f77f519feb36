package io.rocks.chaos;

import io.rocks.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The test's handle on a {@link NetnsPeer} process: starts it, follows its reports, and sends it
 * commands. Every line the process prints is echoed with its name, for the test log.
 */
final class PeerProcess implements AutoCloseable {
  /** One {@code EVENT} report. */
  record Event(String kind, long atNanos, String detail) {}

  final String name;
  private final Process process;
  private final OutputStream commands;
  private final Thread follower;

  private final List<Event> events = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private Map<String, String> status = Map.of();
  private Map<String, String> result;
  private Integer listeningPort;

  private PeerProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.commands = process.getOutputStream();
    this.follower = Thread.ofVirtual().name("follow-" + name).start(this::follow);
  }

  /** Starts {@code NetnsPeer args...} in a new JVM with this JVM's class path, after {@code prefix}. */
  static PeerProcess start(String name, List<String> prefix, String... args) throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(testClassPath());
    command.add(NetnsPeer.class.getName());
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
      case "STATUS" -> status = parse(rest);
      case "RESULT" -> result = parse(rest);
      case "ERROR" -> errors.add(rest);
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

  synchronized Map<String, String> status() {
    return status;
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
        name + ": " + what,
        () -> {
          List<String> reported = errors();
          if (!reported.isEmpty()) {
            throw new AssertionError(name + " reported " + reported);
          }
          if (condition.getAsBoolean()) {
            return true;
          }
          if (!process.isAlive() && result() == null) {
            throw new AssertionError(name + " exited with " + process.exitValue() + " before " + what);
          }
          return false;
        });
  }

  /** Ends the process if it still runs. */
  @Override
  public void close() {
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
