package io.rocks.chaos;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One process of a connection storm ({@link Storm}), in a JVM of its own:
 *
 * <pre>
 *   StormPeer accept  SEGMENT_BYTES BACKLOG   the accepting side ({@link StormAcceptor})
 *   StormPeer connect SEGMENT_BYTES           the connecting side ({@link StormConnector})
 *   StormPeer relay   TARGET_PORT             a fault relay in front of TARGET_PORT ({@link StormRelay})
 *   StormPeer load    THREADS                 THREADS spinning threads ({@link CpuLoad})
 * </pre>
 *
 * <p>It talks to its parent ({@link ChildJvm}) in lines: commands on stdin, answers on stdout. It
 * first prints {@code @@ ready WHAT}; each command's answer is zero or more lines {@code @@ TEXT}
 * ending with {@code @@ ok} or {@code @@ error TEXT}. Besides its role's commands every process
 * answers {@code dump PATH} (a thread dump, virtual threads included, to PATH) and {@code exit};
 * a {@code status} answer gets the process's {@code cpuNanos} and {@code heapUsed} added. Stdout
 * carries nothing else: everything else the JVM prints, logs included, goes to stderr. End of stdin
 * (the parent is gone) halts the process, so none outlives its parent.
 *
 * <p>Commands run one at a time on the main thread.
 */
public final class StormPeer {
  static final String PREFIX = "@@ ";

  private StormPeer() {}

  public static void main(String[] args) throws Exception {
    // Before anything logs: the loggers' console then writes to stderr, and stdout is only ours.
    PrintStream out =
        new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    StormRole role =
        switch (args[0]) {
          case "accept" -> new StormAcceptor(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
          case "connect" -> new StormConnector(Integer.parseInt(args[1]));
          case "relay" -> new StormRelay(Integer.parseInt(args[1]));
          case "load" -> new CpuLoad(Integer.parseInt(args[1]));
          default -> throw new IllegalArgumentException("unknown role " + args[0]);
        };
    out.println(PREFIX + "ready " + role.ready());
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.strip().split("\\s+");
      if (words[0].equals("exit")) {
        out.println(PREFIX + "ok");
        out.flush();
        System.exit(0);
      }
      List<String> reply = new ArrayList<>();
      String end = "ok";
      try {
        if (words[0].equals("dump")) {
          dumpThreads(Path.of(words[1]));
        } else {
          role.answer(words, reply);
          if (words[0].equals("status") && !reply.isEmpty()) {
            reply.set(0, reply.get(0) + processFacts());
          }
        }
      } catch (Exception | Error e) {
        end = "error " + String.valueOf(e).replace('\n', ' ');
        e.printStackTrace();
      }
      for (String text : reply) {
        out.println(PREFIX + text);
      }
      out.println(PREFIX + end);
      out.flush();
    }
    // The parent is gone: do not outlive it.
    Runtime.getRuntime().halt(2);
  }

  private static String processFacts() {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Runtime runtime = Runtime.getRuntime();
    return " cpuNanos=" + os.getProcessCpuTime() + " heapUsed=" + (runtime.totalMemory() - runtime.freeMemory());
  }

  /** Writes every thread's stack, virtual threads included, to {@code file} (which must not exist). */
  private static void dumpThreads(Path file) throws Exception {
    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
  }
}
