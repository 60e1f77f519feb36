package io.rocks.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The parent's handle on a {@link StormPeer} process: starts it in a new JVM, sends it commands and
 * waits for each answer with a deadline. The child's stderr (its logs) goes to a file; its stdout
 * carries only answers.
 *
 * <p>{@link #ask} may be called from any thread and runs one command at a time (it holds this
 * object's monitor while it waits). A follower thread ({@code storm-follow-NAME}, virtual) reads the
 * child's stdout into a queue. {@link #close} ends the process, forcibly if it does not exit at once,
 * and is safe to call more than once.
 */
public final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  private final OutputStream commands;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final Thread follower;
  private String ready;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.commands = process.getOutputStream();
    this.follower = Thread.ofVirtual().name("storm-follow-" + name).start(this::follow);
  }

  /**
   * Starts {@code StormPeer args...} in a new JVM with {@code jvmOptions} and {@code classPath},
   * logging to {@code log}, and waits until it says it is ready.
   */
  public static ChildJvm start(
      String name, List<String> jvmOptions, String classPath, Path log, Duration readyLimit, String... args)
      throws IOException, TimeoutException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    String logConfig = System.getProperty("log4j2.configurationFile");
    if (logConfig != null) {
      command.add("-Dlog4j2.configurationFile=" + logConfig);
    }
    command.add("-cp");
    command.add(classPath);
    command.add(StormPeer.class.getName());
    command.addAll(List.of(args));
    Files.createDirectories(log.toAbsolutePath().getParent());
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    ChildJvm child = new ChildJvm(name, process, log);
    try {
      String first = child.next(System.nanoTime() + readyLimit.toNanos(), "ready");
      if (!first.startsWith("ready")) {
        throw new IOException(name + " said " + first + " instead of ready" + child.logTail());
      }
      child.ready = first.substring("ready".length()).strip();
      return child;
    } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
      child.close();
      throw e;
    }
  }

  /** Returns the class path this JVM's children should get: the test class path under surefire. */
  public static String classPathOfThisJvm() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  public String name() {
    return name;
  }

  /** Returns what the child announced when ready (its port, for a listening role). */
  public String ready() {
    return ready;
  }

  public Path log() {
    return log;
  }

  /**
   * Sends {@code command} and returns the lines of its answer. Throws {@link IOException} if the
   * child answers with an error or ends, and {@link TimeoutException} if it does not answer within
   * {@code limit}.
   */
  public synchronized List<String> ask(String command, Duration limit)
      throws IOException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    try {
      commands.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      commands.flush();
    } catch (IOException e) {
      throw new IOException(name + ": cannot send '" + command + "': " + e.getMessage() + logTail(), e);
    }
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = next(deadline, command);
      if (line.equals("ok")) {
        return lines;
      }
      if (line.startsWith("error")) {
        throw new IOException(name + ": '" + command + "' failed: " + line.substring(5).strip() + logTail());
      }
      lines.add(line);
    }
  }

  /** Returns the single line a command answers with (such as {@code status ...}). */
  public String askLine(String command, Duration limit) throws IOException, TimeoutException, InterruptedException {
    List<String> lines = ask(command, limit);
    if (lines.size() != 1) {
      throw new IOException(name + ": '" + command + "' answered " + lines);
    }
    return lines.get(0);
  }

  private String next(long deadlineNanos, String what) throws IOException, TimeoutException, InterruptedException {
    while (true) {
      String line = answers.poll(100, TimeUnit.MILLISECONDS);
      if (line != null) {
        return line;
      }
      if (!process.isAlive() && answers.isEmpty() && !follower.isAlive()) {
        throw new IOException(name + " ended with status " + process.exitValue() + " before answering '" + what + "'" + logTail());
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new TimeoutException(name + " did not answer '" + what + "' in time" + platformThreadDump() + logTail());
      }
    }
  }

  private void follow() {
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(StormPeer.PREFIX)) {
          answers.add(line.substring(StormPeer.PREFIX.length()));
        } else {
          System.out.println("[" + name + "] " + line);
        }
      }
    } catch (IOException e) {
      // The process ended; next() reports it.
    }
  }

  /**
   * Where a command went unanswered: the child's platform threads (its main thread answers
   * commands) with the locks they hold and wait for, written by {@code jcmd PID Thread.print -l}
   * beside its log. Platform threads only: a dump with virtual threads has crashed a busy JVM (see
   * {@link Storm.Plan}). Returns a phrase for the error message.
   */
  private String platformThreadDump() {
    Path file = log.resolveSibling(name + "-threads-" + System.currentTimeMillis() + ".txt");
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process dump =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print", "-l")
              .redirectErrorStream(true)
              .redirectOutput(file.toFile())
              .start();
      if (!dump.waitFor(30, TimeUnit.SECONDS)) {
        dump.destroyForcibly();
        return " (jcmd Thread.print did not finish within 30 s)";
      }
      return " (its platform threads: " + file + ")";
    } catch (IOException e) {
      return " (no thread dump: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return " (no thread dump: interrupted)";
    }
  }

  /** The last lines of the child's log, for error messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 15), lines.size());
      return tail.isEmpty() ? " (its log " + log + " is empty)" : "; last lines of " + log + ":\n  " + String.join("\n  ", tail);
    } catch (IOException | RuntimeException e) {
      return " (its log " + log + " cannot be read: " + e + ")";
    }
  }

  /** Ends the process: {@code exit}, then forcibly if it has not ended within 5 s. */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        commands.write("exit\n".getBytes(StandardCharsets.UTF_8));
        commands.flush();
      } catch (IOException e) {
        // It is ending already.
      }
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      follower.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
