package io.rocks.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Counts the context switches of this JVM's threads over one transfer, by group (application
 * threads, virtual-thread carriers, pollers, the rest), from Linux's per-thread counters in
 * {@code /proc/self/task}: each switch is a thread that stopped running, most of them a thread
 * that went to sleep waiting for another to wake it. Threads that live through the measurement
 * are counted from snapshots; the application threads, which start and end with a transfer,
 * count their own switches ({@link #countThisThread}).
 *
 * <p>Thread-safe: {@link #countThisThread} is called from the transfer's threads.
 */
final class ThreadSwitches {
  static final String APPLICATION = "application threads";
  static final String CARRIERS = "virtual-thread carriers (ForkJoinPool)";
  static final String POLLERS = "I/O pollers";
  static final String OTHER = "other JVM threads";
  private static final Pattern VOLUNTARY = Pattern.compile("(?m)^voluntary_ctxt_switches:\\s+(\\d+)");
  private static final Pattern INVOLUNTARY = Pattern.compile("(?m)^nonvoluntary_ctxt_switches:\\s+(\\d+)");

  private final Map<String, long[]> before;
  private final Map<String, long[]> applications = new ConcurrentHashMap<>();

  private ThreadSwitches(Map<String, long[]> before) {
    this.before = before;
  }

  /** Starts counting, or returns empty where the counters cannot be read (not Linux). */
  static Optional<ThreadSwitches> start() {
    try {
      return Optional.of(new ThreadSwitches(snapshot()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Runs {@code body} on the calling thread, an application thread that ends with the transfer,
   * and adds the switches it made while doing so.
   */
  <T> T countThisThread(java.util.concurrent.Callable<T> body) throws Exception {
    long[] start = own();
    try {
      return body.call();
    } finally {
      long[] end = own();
      applications.merge(
          Thread.currentThread().getName(),
          new long[] {end[0] - start[0], end[1] - start[1]},
          (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
  }

  /**
   * Stops counting; returns voluntary and involuntary switches by group, in a fixed order. Threads
   * started during the measurement other than the application's are not counted.
   */
  Map<String, long[]> stop() throws IOException {
    Map<String, long[]> after = snapshot();
    Map<String, long[]> groups = new LinkedHashMap<>();
    for (String group : new String[] {APPLICATION, CARRIERS, POLLERS, OTHER}) {
      groups.put(group, new long[2]);
    }
    for (Map.Entry<String, long[]> thread : after.entrySet()) {
      long[] was = before.get(thread.getKey());
      if (was == null) {
        continue;
      }
      String name = thread.getKey().substring(thread.getKey().indexOf(' ') + 1);
      long[] sum = groups.get(group(name));
      sum[0] += thread.getValue()[0] - was[0];
      sum[1] += thread.getValue()[1] - was[1];
    }
    for (long[] own : applications.values()) {
      groups.get(APPLICATION)[0] += own[0];
      groups.get(APPLICATION)[1] += own[1];
    }
    return groups;
  }

  private static String group(String name) {
    if (name.startsWith("ForkJoinPool")) {
      return CARRIERS;
    }
    if (name.contains("Poller")) {
      return POLLERS;
    }
    if (name.startsWith("bench-")) {
      return APPLICATION;
    }
    return OTHER;
  }

  /** Thread id and name to its voluntary and involuntary switches. */
  private static Map<String, long[]> snapshot() throws IOException {
    Map<String, long[]> threads = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          threads.put(task.getFileName() + " " + name, counts(Files.readString(task.resolve("status"))));
        } catch (IOException gone) {
          // the thread ended while the list was read
        }
      }
    }
    return threads;
  }

  private static long[] own() throws IOException {
    return counts(Files.readString(Path.of("/proc/thread-self/status")));
  }

  private static long[] counts(String status) {
    Matcher voluntary = VOLUNTARY.matcher(status);
    Matcher involuntary = INVOLUNTARY.matcher(status);
    if (!voluntary.find() || !involuntary.find()) {
      throw new IllegalStateException("no context switch counters in /proc");
    }
    return new long[] {Long.parseLong(voluntary.group(1)), Long.parseLong(involuntary.group(1))};
  }
}
