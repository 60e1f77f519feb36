package io.rocks.agenttests;

import io.rocks.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One of the example programs ({@code example.*}, compiled without the library) in a JVM of its own,
 * with or without the agent. Its stdout is kept whole (and digested); its stderr is kept as lines
 * and copied to {@code target/programs/NAME.log}. Closing kills it if it still runs.
 *
 * <p>Two virtual threads read the two streams; the lists they fill are guarded by this object's
 * monitor.
 */
final class Program implements AutoCloseable {
  /** The agent jar the build made (rocks-agent's package phase). */
  static final Path AGENT = Path.of(System.getProperty("agenttests.agent.jar", "../rocks-agent/target/rocks-agent.jar"));
  /** The programs' classes, and nothing else. */
  static final String CLASSES = System.getProperty("agenttests.programs", "target/classes");

  private final String name;
  private final Process process;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final List<String> stderr = new ArrayList<>();
  private final Thread outReader;
  private final Thread errReader;

  private Program(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.outReader = Thread.ofVirtual().name(name + "-stdout").start(() -> readStdout(process.getInputStream()));
    this.errReader = Thread.ofVirtual().name(name + "-stderr").start(() -> readStderr(process.getErrorStream(), log));
  }

  /** The JVM options that run a program under the agent with {@code policy} (null: application.conf). */
  static List<String> agent(Path policy) {
    List<String> options = new ArrayList<>();
    options.add("-javaagent:" + AGENT.toAbsolutePath() + (policy == null ? "" : "=" + policy.toAbsolutePath()));
    // Every rock event reaches stderr, where the tests count suspensions and resumptions.
    options.add("-Dorg.apache.logging.log4j.simplelog.level=DEBUG");
    return options;
  }

  /** The runtime of the tests' own JVM. */
  static final Path THIS_JAVA = Path.of(System.getProperty("java.home"));

  /** Starts {@code example.MAIN args} with {@code jvmOptions}, on the programs' classes alone. */
  static Program start(String name, List<String> jvmOptions, String main, String... args) throws IOException {
    return startJava(name, THIS_JAVA, jvmOptions, CLASSES, "example." + main, args);
  }

  /** As {@link #start(String, List, String, String...)}, on the runtime at {@code javaHome}. */
  static Program start(String name, Path javaHome, List<String> jvmOptions, String main, String... args)
      throws IOException {
    return startJava(name, javaHome, jvmOptions, CLASSES, "example." + main, args);
  }

  /** Starts {@code mainClass args} with {@code jvmOptions} and {@code classPath}. */
  static Program startJava(String name, List<String> jvmOptions, String classPath, String mainClass, String... args)
      throws IOException {
    return startJava(name, THIS_JAVA, jvmOptions, classPath, mainClass, args);
  }

  /** Starts {@code mainClass args} on the runtime at {@code javaHome}. */
  static Program startJava(String name, Path javaHome, List<String> jvmOptions, String classPath, String mainClass,
      String... args) throws IOException {
    return startJava(name, List.of(), javaHome, jvmOptions, classPath, mainClass, args);
  }

  /** Starts {@code example.MAIN args} behind {@code prefix} (such as {@code ip netns exec NS}). */
  static Program startIn(String name, List<String> prefix, List<String> jvmOptions, String main, String... args)
      throws IOException {
    return startJava(name, prefix, THIS_JAVA, jvmOptions, CLASSES, "example." + main, args);
  }

  private static Program startJava(String name, List<String> prefix, Path javaHome, List<String> jvmOptions,
      String classPath, String mainClass, String... args) throws IOException {
    if (!Files.isRegularFile(AGENT)) {
      throw new IOException("the agent jar " + AGENT + " is missing: build rocks-agent (mvn package) first");
    }
    List<String> command = new ArrayList<>(prefix);
    command.add(javaHome.resolve("bin").resolve("java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(List.of(args));
    Path log = Path.of("target", "programs", name + ".log");
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(command).start();
    return new Program(name, process, log);
  }

  private void readStdout(InputStream in) {
    byte[] buffer = new byte[65536];
    try (in) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        synchronized (this) {
          stdout.write(buffer, 0, n);
        }
      }
    } catch (IOException ended) {
      // the process was killed
    }
  }

  private void readStderr(InputStream in, Path log) {
    try (in; var reader = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        var copy = Files.newBufferedWriter(log)) {
      for (String line; (line = reader.readLine()) != null; ) {
        copy.write(line);
        copy.newLine();
        copy.flush();
        synchronized (this) {
          stderr.add(line);
        }
      }
    } catch (IOException ended) {
      // the process was killed
    }
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The program's stdin. */
  OutputStream stdin() {
    return process.getOutputStream();
  }

  /** Returns the number of stderr lines so far that contain {@code fragment}. */
  synchronized int count(String fragment) {
    return (int) stderr.stream().filter(line -> line.contains(fragment)).count();
  }

  synchronized List<String> stderrLines() {
    return List.copyOf(stderr);
  }

  /** Returns what the program wrote to stdout so far, as text. */
  synchronized String stdoutText() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  synchronized byte[] stdoutBytes() {
    return stdout.toByteArray();
  }

  /** Waits until stderr holds {@code count} lines containing {@code fragment}. */
  void awaitCount(String fragment, int count, Duration limit) throws TimeoutException, InterruptedException {
    Await.until(limit, () -> name + ": " + count + " lines with '" + fragment + "' (have " + count(fragment)
        + "; alive " + process.isAlive() + ")" + tail(), () -> count(fragment) >= count);
  }

  /** Waits for the first stdout line, such as {@code listening PORT}, and returns it. */
  String awaitFirstLine(Duration limit) throws TimeoutException, InterruptedException {
    Await.until(limit, () -> name + " prints its first line" + tail(),
        () -> stdoutText().contains("\n") || !process.isAlive());
    String text = stdoutText();
    if (!text.contains("\n")) {
      throw new IllegalStateException(name + " ended with exit code " + process.exitValue() + tail());
    }
    return text.substring(0, text.indexOf('\n'));
  }

  /** Waits for the program to end and for its output to be read; returns the exit code. */
  int awaitExit(Duration limit) throws TimeoutException, InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(name + " still runs after " + limit + tail());
    }
    outReader.join(Duration.ofSeconds(10));
    errReader.join(Duration.ofSeconds(10));
    return process.exitValue();
  }

  /** The last lines of stderr, for failure messages. */
  String tail() {
    List<String> lines = stderrLines();
    return "\n  last stderr lines of " + name + ":\n    "
        + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
