package io.rocks.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/** This JVM's heap after a full GC, its platform threads, and its CPU time so far. */
record Snapshot(long heapUsed, int platformThreads, long cpuNanos) {
  private static final Pattern HISTOGRAM_LINE =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

  /** Collects garbage (several full collections), then measures. */
  static Snapshot take() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return new Snapshot(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
        ManagementFactory.getThreadMXBean().getThreadCount(),
        Harness.processCpuNanos());
  }

  static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /**
   * Returns this JVM's live platform threads by name, each run of digits in a name written {@code
   * #} so that numbered threads of one kind ({@code ForkJoinPool-1-worker-3}) count together: name
   * to count, sorted by name. Virtual threads are not among them, as in {@link #liveThreads}.
   */
  static Map<String, Integer> platformThreadNames() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Integer> names = new TreeMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
      if (info != null) { // ended since the ids were taken
        names.merge(info.getThreadName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
      }
    }
    return names;
  }

  /**
   * Returns, one line each, the kinds of platform thread whose count changed from {@code before}
   * to {@code after} (as {@link #platformThreadNames} gives them): {@code "+1 rocks-timer"}.
   */
  static List<String> threadChanges(Map<String, Integer> before, Map<String, Integer> after) {
    Map<String, Integer> change = new TreeMap<>();
    before.forEach((name, count) -> change.merge(name, -count, Integer::sum));
    after.forEach((name, count) -> change.merge(name, count, Integer::sum));
    List<String> lines = new ArrayList<>();
    change.forEach((name, delta) -> {
      if (delta != 0) {
        lines.add(String.format("%+d %s", delta, name));
      }
    });
    return lines;
  }

  /**
   * Returns the live objects on the heap by class (after a full collection, as {@code jcmd
   * GC.class_histogram} prints them): class name to {bytes, instances}.
   */
  static Map<String, long[]> histogram() throws Exception {
    String text =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    Map<String, long[]> classes = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = HISTOGRAM_LINE.matcher(line);
      if (m.matches()) {
        classes.put(m.group(3), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(1))});
      }
    }
    return classes;
  }
}
