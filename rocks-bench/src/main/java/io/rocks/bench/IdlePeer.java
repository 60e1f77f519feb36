package io.rocks.bench;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.rock.IdleModeProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The accepting side of figure 5, in a JVM of its own (so each JVM holds 10,000 connections and
 * stays within the file descriptor limit). It accepts rocks and plain sockets and holds them open,
 * idle, with no application thread, and answers the harness on stdin/stdout:
 *
 * <pre>
 *   count       -> count ROCKS CONNECTED PLAIN THREADS CPU_NANOS SUSPENDED_OR_FAILED
 *   idlemode    -> idlemode ROCKS_IN_IDLE_MODE
 *   snapshot    -> snapshot HEAP_USED THREADS CPU_NANOS      (after full collections)
 *   histogram   -> hist BYTES INSTANCES CLASS ... end
 *   threads     -> thread COUNT NAME ... end                 (platform threads by kind)
 *   closeplain  -> ok
 *   exit
 * </pre>
 */
public final class IdlePeer {
  private IdlePeer() {}

  public static void main(String[] args) throws Exception {
    // The harness's options (Harness#options): figure 5 times its wait for idle mode by them.
    RockOptions options = RockOptions.defaults();
    RockServerSocket rockServer =
        Rocks.rockServerSocket(new InetSocketAddress(Net.LOOPBACK, 0), 4096, options);
    ServerSocket plainServer = new ServerSocket(0, 4096, Net.LOOPBACK);
    List<RockSocket> rocks = new ArrayList<>();
    List<Socket> plains = new ArrayList<>();
    Thread.ofPlatform().daemon().name("bench-accept-rocks").start(() -> acceptAll(rockServer, rocks));
    Thread.ofPlatform().daemon().name("bench-accept-plain").start(() -> acceptAll(plainServer, plains));
    PrintStream out = System.out;
    out.println("ready " + rockServer.getLocalPort() + " " + plainServer.getLocalPort());
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String command;
    while ((command = in.readLine()) != null) {
      switch (command.strip()) {
        case "count" -> {
          int rockCount;
          int connected = 0;
          int suspended = 0;
          synchronized (rocks) {
            rockCount = rocks.size();
            for (RockSocket rock : rocks) {
              if (rock.rock().state() == RockState.CONNECTED) {
                connected++;
              }
              if (rock.rock().stats().suspensions() > 0 || rock.rock().state() == RockState.FAILED) {
                suspended++;
              }
            }
          }
          int plainCount;
          synchronized (plains) {
            plainCount = plains.size();
          }
          out.println(
              "count " + rockCount + " " + connected + " " + plainCount + " " + Snapshot.liveThreads()
                  + " " + Harness.processCpuNanos() + " " + suspended);
        }
        case "snapshot" -> {
          Snapshot s = Snapshot.take();
          out.println("snapshot " + s.heapUsed() + " " + s.platformThreads() + " " + s.cpuNanos());
        }
        case "histogram" -> {
          for (Map.Entry<String, long[]> e : Snapshot.histogram().entrySet()) {
            out.println("hist " + e.getValue()[0] + " " + e.getValue()[1] + " " + e.getKey());
          }
          out.println("end");
        }
        case "idlemode" -> {
          int idle = 0;
          synchronized (rocks) {
            for (RockSocket rock : rocks) {
              if (IdleModeProbe.idle(rock.rock())) {
                idle++;
              }
            }
          }
          out.println("idlemode " + idle);
        }
        case "threads" -> {
          for (Map.Entry<String, Integer> e : Snapshot.platformThreadNames().entrySet()) {
            out.println("thread " + e.getValue() + " " + e.getKey());
          }
          out.println("end");
        }
        case "closeplain" -> {
          synchronized (plains) {
            for (Socket socket : plains) {
              Net.closeQuietly(socket);
            }
            plains.clear();
          }
          out.println("ok");
        }
        case "exit" -> System.exit(0);
        default -> out.println("error unknown command " + command);
      }
      out.flush();
    }
    System.exit(0);
  }

  @SuppressWarnings("unchecked")
  private static <S extends Socket> void acceptAll(ServerSocket server, List<S> into) {
    while (true) {
      try {
        Socket socket = server.accept();
        synchronized (into) {
          into.add((S) socket);
        }
      } catch (Exception e) {
        return;
      }
    }
  }
}
