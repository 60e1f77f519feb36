package io.rocks.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Counts this JVM's system calls, all threads, while something runs: {@code strace -f -c} attached
 * to the process. Optional: where strace is missing or may not attach, {@link #start} returns
 * empty and the page goes without the counts. Tracing slows the process down; only the counts are
 * used, never the times.
 */
final class Syscalls {
  private final Process strace;
  private final Path output;

  private Syscalls(Process strace, Path output) {
    this.strace = strace;
    this.output = output;
  }

  static Optional<Syscalls> start() throws Exception {
    Optional<Path> binary = find();
    if (binary.isEmpty()) {
      return Optional.empty();
    }
    Path output = Files.createTempFile("rocks-bench-strace-", ".txt");
    Path log = Files.createTempFile("rocks-bench-strace-", ".log");
    Process strace =
        new ProcessBuilder(
                binary.get().toString(), "-f", "-c", "-o", output.toString(),
                "-p", Long.toString(ProcessHandle.current().pid()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    // strace reports each thread it attaches to; wait for the first report or its exit.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && strace.isAlive() && Files.size(log) == 0) {
      Thread.sleep(20);
    }
    Thread.sleep(300);
    Files.deleteIfExists(log);
    if (!strace.isAlive()) {
      Files.deleteIfExists(output);
      return Optional.empty();
    }
    return Optional.of(new Syscalls(strace, output));
  }

  /** Detaches and returns calls per system call name, most frequent first. */
  Map<String, Long> stop() throws Exception {
    strace.destroy(); // SIGTERM: strace detaches and writes its summary
    if (!strace.waitFor(30, TimeUnit.SECONDS)) {
      strace.destroyForcibly().waitFor();
    }
    Map<String, Long> calls = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(output)) {
        String[] f = line.trim().split("\\s+");
        // % time, seconds, usecs/call, calls, [errors,] syscall
        if (f.length >= 5 && f[0].matches("[0-9.]+") && f[3].matches("\\d+")) {
          calls.put(f[f.length - 1], Long.parseLong(f[3]));
        }
      }
    } finally {
      Files.deleteIfExists(output);
    }
    return calls;
  }

  /** A table of the calls per GiB of payload, for the busiest system calls of either kind. */
  static List<String> table(Map<String, Long> rock, Map<String, Long> plain, double gib, int top) {
    List<String> names = new ArrayList<>();
    for (Map<String, Long> calls : List.of(rock, plain)) {
      calls.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(top)
          .forEach(e -> {
            if (!names.contains(e.getKey())) {
              names.add(e.getKey());
            }
          });
    }
    List<String> lines = new ArrayList<>();
    lines.add("System calls per GiB of payload, all threads (strace -f -c):");
    lines.add(String.format("  %-16s %12s %12s", "call", "rock", "plain"));
    for (String name : names) {
      lines.add(String.format("  %-16s %,12.0f %,12.0f", name, rock.getOrDefault(name, 0L) / gib, plain.getOrDefault(name, 0L) / gib));
    }
    return lines;
  }

  private static Optional<Path> find() {
    List<Path> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          dirs.add(Path.of(dir));
        }
      }
    }
    dirs.add(Path.of("/usr/bin"));
    return dirs.stream().map(d -> d.resolve("strace")).filter(Files::isExecutable).findFirst();
  }
}
