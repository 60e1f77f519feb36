package io.rocks.chaos;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host's own tools ({@code ip}, {@code tc}) for the tests and benchmarks that change
 * the network: finding them, checking for root, and running them with a time limit, so a stuck
 * command fails instead of hanging the build. Thread-safe; every method blocks at most as long as
 * its command is allowed.
 */
public final class HostCommands {
  private HostCommands() {}

  /** Finds an executable on PATH, or in /usr/sbin and /sbin, which root's tools live in. */
  public static Optional<Path> find(String name) {
    List<Path> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          dirs.add(Path.of(dir));
        }
      }
    }
    dirs.add(Path.of("/usr/sbin"));
    dirs.add(Path.of("/sbin"));
    return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
  }

  /** Returns why this process is not root (network namespaces need it), or empty if it is. */
  public static Optional<String> notRootReason() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid)
          ? Optional.empty()
          : Optional.of("network namespaces need root, and this runs as uid " + uid);
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.of("cannot tell whether this runs as root: " + e);
    }
  }

  /**
   * Runs {@code command} with no input and returns its output (standard output and error
   * together). Throws, with the command and what it said, if it exits with a status other than 0
   * or is still running after {@code limit} (then it is killed).
   */
  public static String run(List<String> command, Duration limit) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    // Read while it runs: a command that fills the pipe would otherwise never exit.
    InputStream stdout = process.getInputStream();
    FutureTask<byte[]> output = new FutureTask<>(stdout::readAllBytes);
    Thread.ofVirtual().name("host-command-output").start(output);
    String what = String.join(" ", command);
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IOException(what + ": no exit within " + limit.toMillis() + " ms");
    }
    String said;
    try {
      said = new String(output.get(limit.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException(what + ": could not read its output", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(what + " exited with " + process.exitValue() + ": " + said.strip());
    }
    return said;
  }
}
