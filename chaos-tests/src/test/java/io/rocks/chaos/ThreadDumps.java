package io.rocks.chaos;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Thread dumps for a test that waited in vain: every thread of this JVM or of a child JVM, virtual
 * threads included ({@code Thread.dump_to_file}, plain text), written under {@code
 * target/chaos-diagnostics}, with a summary short enough for an error message: the threads grouped
 * by their top frames, largest groups first. Called by the test thread after a wait failed, never on
 * the way to a pass.
 */
final class ThreadDumps {
  static final Path DIR = Path.of("target", "chaos-diagnostics");
  private static final int FRAMES = 3;
  private static final int GROUPS = 8;
  private static final long JCMD_LIMIT_SECONDS = 30;

  private ThreadDumps() {}

  /** Dumps this JVM's threads; returns a summary naming the file. */
  static String ofThisJvm(String name) {
    try {
      Path file = file(name);
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .dumpThreads(file.toAbsolutePath().toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
      return summary(name, file);
    } catch (IOException | RuntimeException e) {
      return name + ": no thread dump (" + e + ")";
    }
  }

  /** Dumps the threads of the JVM with process id {@code pid}; returns a summary naming the file. */
  static String ofChild(String name, long pid) {
    try {
      Path file = file(name);
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      Process dump =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.dump_to_file", "-format=text", file.toAbsolutePath().toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!dump.waitFor(JCMD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
        dump.destroyForcibly();
        return name + ": jcmd Thread.dump_to_file did not finish within " + JCMD_LIMIT_SECONDS + " s";
      }
      return summary(name, file);
    } catch (IOException e) {
      return name + ": no thread dump (" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return name + ": no thread dump (interrupted)";
    }
  }

  private static Path file(String name) throws IOException {
    Files.createDirectories(DIR);
    return DIR.resolve(name.replaceAll("[^A-Za-z0-9_-]", "_") + "-threads-" + System.currentTimeMillis() + ".txt");
  }

  private static String summary(String name, Path file) throws IOException {
    if (!Files.exists(file)) {
      return name + ": the thread dump " + file + " was not written";
    }
    List<List<String>> threads = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    Map<String, Integer> groups = new LinkedHashMap<>();
    for (List<String> frames : threads) {
      groups.merge(key(frames), 1, Integer::sum);
    }
    String largest =
        groups.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .limit(GROUPS)
            .map(e -> "    " + e.getValue() + " x " + e.getKey())
            .collect(Collectors.joining("\n"));
    return name + ": " + threads.size() + " threads, dump in " + file.toAbsolutePath() + "; largest groups by top frames:\n" + largest;
  }

  /**
   * What a thread is doing, for grouping: its first frames outside the JDK (where it waits or runs
   * in the project's code, or the test's), after the JDK frame it is in; its top frames if it has
   * none outside the JDK.
   */
  static String key(List<String> frames) {
    List<String> calls = frames.stream().filter(f -> f.startsWith("at ")).map(f -> f.substring(3)).toList();
    if (calls.isEmpty()) {
      return "(no frames)";
    }
    List<String> own = calls.stream().filter(f -> !f.startsWith("java.base/") && !f.startsWith("jdk.")).limit(FRAMES).toList();
    if (own.isEmpty()) {
      return String.join(" < ", calls.subList(0, Math.min(FRAMES, calls.size())));
    }
    String jdkTop = calls.get(0).startsWith(own.get(0)) ? "" : shortFrame(calls.get(0)) + " in ";
    return jdkTop + String.join(" < ", own);
  }

  private static String shortFrame(String frame) {
    int paren = frame.indexOf('(');
    String method = paren > 0 ? frame.substring(0, paren) : frame;
    int slash = method.indexOf('/');
    return slash >= 0 ? method.substring(slash + 1) : method;
  }

  /** The frames of each thread in a plain-text dump: a thread starts with {@code #id "name"}. */
  static List<List<String>> parse(List<String> lines) {
    List<List<String>> threads = new ArrayList<>();
    List<String> current = null;
    for (String line : lines) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") && trimmed.contains("\"")) {
        current = new ArrayList<>();
        threads.add(current);
      } else if (current != null && !trimmed.isEmpty()) {
        current.add(trimmed);
      }
    }
    return threads;
  }
}
