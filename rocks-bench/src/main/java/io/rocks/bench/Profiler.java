package io.rocks.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A CPU profile of part of a run, taken with JDK Flight Recorder in this JVM and summarised as
 * text: where CPU time went by thread, by hottest method (self), and by the rocks methods whose
 * calls it was spent in (inclusive).
 *
 * <p>It samples with {@code jdk.CPUTimeSample} (CPU time, so native code such as socket system
 * calls counts too) where the JDK has it, and with {@code jdk.ExecutionSample} otherwise.
 */
final class Profiler {
  private final Recording recording;
  private final long startNanos = System.nanoTime();
  private final long startCpuNanos = Harness.processCpuNanos();

  private Profiler(Recording recording) {
    this.recording = recording;
  }

  /** Starts sampling every thread's stack, once per millisecond of CPU time it uses. */
  static Profiler start() {
    Recording recording = new Recording();
    recording.enable("jdk.CPUTimeSample").with("throttle", "1ms").withStackTrace();
    recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10)).withStackTrace();
    recording.setToDisk(true);
    recording.start();
    return new Profiler(recording);
  }

  /**
   * Starts a profile and drops it at once, so that the threads JDK Flight Recorder keeps for the
   * rest of the JVM's life run from now on: a count of platform threads taken after this call does
   * not change because a profile is taken later.
   */
  static void startRecorderThreads() {
    Profiler profiler = start();
    profiler.recording.stop();
    profiler.recording.close();
  }

  /** Starts recording every socket read and write (no threshold, no throttle), without stacks. */
  static Profiler sockets() {
    Recording recording = new Recording();
    for (String event : List.of("jdk.SocketRead", "jdk.SocketWrite")) {
      recording.enable(event).withThreshold(Duration.ZERO).with("throttle", "off").withoutStackTrace();
    }
    recording.setToDisk(true);
    recording.start();
    return new Profiler(recording);
  }

  /**
   * Stops a {@link #sockets()} recording and returns, per thread role, how many socket writes and
   * reads there were, the bytes they moved, and how many writes were small (at most 64 bytes: for a
   * rock, an ACK or a heartbeat on its own).
   */
  record SocketCounts(List<String> lines, double writesPerGib, double smallWritesPerGib, double readsPerGib) {}

  SocketCounts stopSockets(long payloadBytes) throws IOException {
    recording.stop();
    Path file = Files.createTempFile("rocks-bench-", ".jfr");
    try {
      recording.dump(file);
      recording.close();
      Map<String, long[]> byRole = new java.util.TreeMap<>();
      for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
        String type = event.getEventType().getName();
        boolean write = type.equals("jdk.SocketWrite");
        if (!write && !type.equals("jdk.SocketRead")) {
          continue;
        }
        long bytes = write ? event.getLong("bytesWritten") : event.getLong("bytesRead");
        if (bytes <= 0) {
          continue; // a read that timed out or hit end of stream
        }
        long[] c = byRole.computeIfAbsent(threadKind(event), k -> new long[5]);
        if (write) {
          c[0]++;
          c[1] += bytes;
          if (bytes <= 64) {
            c[2]++;
          }
        } else {
          c[3]++;
          c[4] += bytes;
        }
      }
      double gib = payloadBytes / (double) (1L << 30);
      List<String> lines = new ArrayList<>();
      lines.add(String.format("Socket calls per GiB of payload (every jdk.SocketWrite and jdk.SocketRead event):"));
      lines.add(String.format("  %-28s %9s %11s %12s %9s %11s", "thread", "writes", "avg bytes", "small writes", "reads", "avg bytes"));
      long writes = 0;
      long small = 0;
      long reads = 0;
      for (Map.Entry<String, long[]> e : byRole.entrySet()) {
        long[] c = e.getValue();
        writes += c[0];
        small += c[2];
        reads += c[3];
        lines.add(
            String.format(
                "  %-28s %,9.0f %,11.0f %,12.0f %,9.0f %,11.0f",
                e.getKey(),
                c[0] / gib,
                c[0] == 0 ? 0.0 : (double) c[1] / c[0],
                c[2] / gib,
                c[3] / gib,
                c[3] == 0 ? 0.0 : (double) c[4] / c[3]));
      }
      lines.add(
          String.format("  %-28s %,9.0f %11s %,12.0f %,9.0f", "all", writes / gib, "", small / gib, reads / gib));
      return new SocketCounts(lines, writes / gib, small / gib, reads / gib);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Stops sampling and returns the summary, {@code top} lines a table. */
  List<String> stop(int top) throws IOException {
    long wallNanos = System.nanoTime() - startNanos;
    long cpuNanos = Harness.processCpuNanos() - startCpuNanos;
    recording.stop();
    Path file = Files.createTempFile("rocks-bench-", ".jfr");
    try {
      recording.dump(file);
      recording.close();
      List<RecordedEvent> events = RecordingFile.readAllEvents(file);
      List<RecordedEvent> cpu = only(events, "jdk.CPUTimeSample");
      String kind = "CPU-time samples (jdk.CPUTimeSample)";
      if (cpu.size() < 50) {
        cpu = only(events, "jdk.ExecutionSample");
        kind = "execution samples (jdk.ExecutionSample, every 10 ms of running Java code)";
      }
      return summarise(cpu, kind, wallNanos, cpuNanos, top);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static List<RecordedEvent> only(List<RecordedEvent> events, String type) {
    List<RecordedEvent> kept = new ArrayList<>();
    for (RecordedEvent event : events) {
      if (event.getEventType().getName().equals(type) && stack(event) != null) {
        kept.add(event);
      }
    }
    return kept;
  }

  private static RecordedStackTrace stack(RecordedEvent event) {
    return event.getStackTrace();
  }

  static List<String> summarise(
      List<RecordedEvent> samples, String kind, long wallNanos, long cpuNanos, int top) {
    List<String> lines = new ArrayList<>();
    int total = samples.size();
    lines.add(
        String.format(
            "%,d %s over %.2f s of wall time, in which the process used %.2f s of CPU time.",
            total, kind, wallNanos / 1e9, cpuNanos / 1e9));
    if (total == 0) {
      return lines;
    }
    Map<String, Integer> byThread = new HashMap<>();
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    for (RecordedEvent sample : samples) {
      byThread.merge(threadKind(sample), 1, Integer::sum);
      List<RecordedFrame> frames = stack(sample).getFrames();
      if (!frames.isEmpty()) {
        self.merge(name(frames.get(0)), 1, Integer::sum);
      }
      Set<String> seen = new HashSet<>();
      for (RecordedFrame frame : frames) {
        if (isRocks(frame)) {
          String method = name(frame);
          if (seen.add(method)) {
            inclusive.merge(method, 1, Integer::sum);
          }
        }
      }
    }
    lines.add("");
    lines.add("By thread:");
    table(lines, byThread, total, top);
    lines.add("");
    lines.add("Hottest methods, self (the frame running when sampled):");
    table(lines, self, total, top);
    lines.add("");
    lines.add("Rocks methods, inclusive (samples with the method anywhere on the stack):");
    table(lines, inclusive, total, top);
    return lines;
  }

  /**
   * Returns the share of {@code samples} whose stack holds a frame matching each named predicate,
   * for attributing a profile to known steps (for example the X25519 scalar multiplications).
   */
  static Map<String, Integer> attribute(
      List<RecordedEvent> samples, Map<String, Predicate<String>> steps) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String step : steps.keySet()) {
      counts.put(step, 0);
    }
    for (RecordedEvent sample : samples) {
      for (Map.Entry<String, Predicate<String>> step : steps.entrySet()) {
        for (RecordedFrame frame : stack(sample).getFrames()) {
          if (step.getValue().test(fullName(frame))) {
            counts.merge(step.getKey(), 1, Integer::sum);
            break;
          }
        }
      }
    }
    return counts;
  }

  private static void table(List<String> lines, Map<String, Integer> counts, int total, int top) {
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .forEach(
            e ->
                lines.add(
                    String.format("  %5.1f%%  %7d  %s", 100.0 * e.getValue() / total, e.getValue(), e.getKey())));
  }

  /** A method of the rocks library itself (not of this harness, not a lambda's synthetic frame). */
  private static boolean isRocks(RecordedFrame frame) {
    if (!frame.isJavaFrame() || frame.getMethod() == null) {
      return false;
    }
    String type = frame.getMethod().getType().getName();
    String method = frame.getMethod().getName();
    return type.startsWith("io.rocks.")
        && !type.startsWith("io.rocks.bench.")
        && !type.contains("$$Lambda")
        && !type.contains("/")
        && !method.startsWith("lambda$");
  }

  static String fullName(RecordedFrame frame) {
    if (frame.getMethod() == null) {
      return "?";
    }
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  private static String name(RecordedFrame frame) {
    if (frame.getMethod() == null) {
      return "?";
    }
    String type = frame.getMethod().getType().getName();
    int slash = type.indexOf('/'); // hidden classes: Foo$$Lambda/0x...
    if (slash >= 0) {
      type = type.substring(0, slash);
    }
    String simple = type.substring(type.lastIndexOf('.') + 1);
    return simple + "." + frame.getMethod().getName();
  }

  /** Groups threads by role: the rock id or port a thread name ends with is dropped. */
  private static String threadKind(RecordedEvent sample) {
    RecordedThread thread =
        sample.hasField("sampledThread") ? sample.getThread("sampledThread") : sample.getThread();
    if (thread == null) {
      thread = sample.getThread();
    }
    String name = thread == null ? null : thread.getJavaName();
    if (name == null || name.isEmpty()) {
      name = thread == null ? "?" : String.valueOf(thread.getOSName());
    }
    if (name.startsWith("rock-") || name.startsWith("rocks-") || name.startsWith("bench-")) {
      int first = name.indexOf('-');
      int second = name.indexOf('-', first + 1);
      name = second < 0 ? name : name.substring(0, second);
    } else {
      name = name.replaceAll("[-#]?\\d+$", "");
    }
    return name + (thread != null && thread.isVirtual() ? " (virtual)" : "");
  }
}
