package io.rocks.bench;

import io.rocks.bench.Net.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Figure 1: bulk throughput over loopback. 1 GiB each way in 64 KiB writes, one direction and both
 * at once, plain and rock interleaved, each configuration several times. Each transfer uses a fresh
 * connection; one byte goes back and forth first, so a rock's handshake is done before the clock
 * starts. The clock runs from the first write until the last receiver has read end of stream.
 * Application threads are platform threads, the same code for both kinds; then all of it again with
 * virtual threads as the application's threads.
 */
final class BulkFigure {
  static final int WRITE_BYTES = 64 * 1024;
  private static final double MIB = 1024 * 1024;

  private final Harness h;
  private final byte[] chunk = new byte[WRITE_BYTES];

  BulkFigure(Harness harness) {
    this.h = harness;
    new SplittableRandom(7).nextBytes(chunk);
  }

  void run() throws Exception {
    Harness.Settings s = h.settings;
    h.results.fact("bulk.bytes", s.bulkBytes());
    h.results.fact("bulk.runs", s.bulkRuns());
    try (ServerSocket rockServer = Net.listen(Kind.ROCK, h.options, 50);
        ServerSocket plainServer = Net.listen(Kind.PLAIN, h.options, 50)) {
      h.log("figure 1: warming up");
      for (boolean both : new boolean[] {false, true}) {
        for (Kind kind : Kind.values()) {
          transfer(kind == Kind.ROCK ? rockServer : plainServer, kind, both, s.bulkWarmupBytes());
        }
      }
      for (boolean virtual : new boolean[] {false, true}) {
        for (int run = 0; run < s.bulkRuns(); run++) {
          for (boolean both : new boolean[] {false, true}) {
            // Alternate which kind goes first, so neither always runs on a warmer machine.
            Kind[] order = run % 2 == 0 ? new Kind[] {Kind.PLAIN, Kind.ROCK} : new Kind[] {Kind.ROCK, Kind.PLAIN};
            for (Kind kind : order) {
              Result r =
                  transfer(kind == Kind.ROCK ? rockServer : plainServer, kind, both, s.bulkBytes(), null, virtual);
              String key = (both ? "bulk.both" : "bulk.one") + (virtual ? ".virtual" : "");
              h.results.sample(key, kind.key(), r.mibPerSecond());
              h.results.sample(key + ".cpu", kind.key(), r.cpuSecondsPerGib());
              h.log(
                  "figure 1: %s %-5s %s %8.1f MiB/s, %.2f CPU s per GiB",
                  both ? "both ways " : "one way   ", kind.key(), virtual ? "virtual " : "platform",
                  r.mibPerSecond(), r.cpuSecondsPerGib());
            }
          }
        }
      }
      // Where the time goes: one more transfer of each kind, one way, under the CPU profiler.
      for (Kind kind : new Kind[] {Kind.ROCK, Kind.PLAIN}) {
        Profiler profiler = Profiler.start();
        Result r = transfer(kind == Kind.ROCK ? rockServer : plainServer, kind, false, s.bulkBytes());
        List<String> profile = profiler.stop(14);
        h.results.fact("bulk.profiled." + kind.key(), String.format("%.1f", r.mibPerSecond()));
        h.results.profile("bulk." + kind.key(), profile);
        Profiler sockets = Profiler.sockets();
        transfer(kind == Kind.ROCK ? rockServer : plainServer, kind, false, s.bulkBytes());
        Profiler.SocketCounts counts = sockets.stopSockets(s.bulkBytes());
        h.results.profile("bulk.sockets." + kind.key(), counts.lines());
        h.results.fact("bulk.sockets." + kind.key() + ".writes", String.format("%.0f", counts.writesPerGib()));
        h.results.fact("bulk.sockets." + kind.key() + ".small", String.format("%.0f", counts.smallWritesPerGib()));
        h.results.fact("bulk.sockets." + kind.key() + ".reads", String.format("%.0f", counts.readsPerGib()));
      }
      // And the system calls of one transfer of each kind, where strace can attach.
      Map<String, Map<String, Long>> syscalls = new java.util.HashMap<>();
      for (Kind kind : new Kind[] {Kind.ROCK, Kind.PLAIN}) {
        Optional<Syscalls> tracer = Syscalls.start();
        if (tracer.isEmpty()) {
          h.results.fact("bulk.syscalls.skipped", "strace is not installed or may not attach");
          break;
        }
        transfer(kind == Kind.ROCK ? rockServer : plainServer, kind, false, s.bulkBytes());
        Map<String, Long> calls = tracer.get().stop();
        syscalls.put(kind.key(), calls);
        double gib = s.bulkBytes() / (double) (1L << 30);
        for (String call : List.of("futex", "write", "read", "epoll_wait", "epoll_ctl")) {
          h.results.fact(
              "bulk.syscalls." + kind.key() + "." + call,
              String.format("%.0f", calls.getOrDefault(call, 0L) / gib));
        }
      }
      // And the context switches of one transfer of each kind, by thread group.
      Map<String, Map<String, long[]>> switches = new java.util.HashMap<>();
      for (Kind kind : new Kind[] {Kind.ROCK, Kind.PLAIN}) {
        Optional<ThreadSwitches> counter = ThreadSwitches.start();
        if (counter.isEmpty()) {
          h.results.fact("bulk.switches.skipped", "/proc/self/task cannot be read here");
          break;
        }
        transfer(kind == Kind.ROCK ? rockServer : plainServer, kind, false, s.bulkBytes(), counter.get(), false);
        switches.put(kind.key(), counter.get().stop());
      }
      if (switches.size() == 2) {
        double gib = s.bulkBytes() / (double) (1L << 30);
        List<String> table = new ArrayList<>();
        table.add(String.format("%-42s %22s %22s", "per GiB (voluntary + involuntary)", "rock", "plain"));
        long[] totals = new long[2];
        for (String group : switches.get("rock").keySet()) {
          long[] rock = switches.get("rock").get(group);
          long[] plain = switches.get("plain").get(group);
          table.add(String.format("%-42s %,10.0f + %,9.0f %,10.0f + %,9.0f",
              group, rock[0] / gib, rock[1] / gib, plain[0] / gib, plain[1] / gib));
          totals[0] += rock[0] + rock[1];
          totals[1] += plain[0] + plain[1];
        }
        h.results.profile("bulk.switches", table);
        h.results.fact("bulk.switches.rock", String.format("%.0f", totals[0] / gib));
        h.results.fact("bulk.switches.plain", String.format("%.0f", totals[1] / gib));
        long[] carriers = switches.get("rock").get(ThreadSwitches.CARRIERS);
        long[] pollers = switches.get("rock").get(ThreadSwitches.POLLERS);
        h.results.fact("bulk.switches.rock.scheduler",
            String.format("%.0f", (carriers[0] + carriers[1] + pollers[0] + pollers[1]) / gib));
      }
      if (syscalls.size() == 2) {
        h.results.profile(
            "bulk.syscalls",
            Syscalls.table(syscalls.get("rock"), syscalls.get("plain"), s.bulkBytes() / (double) (1L << 30), 6));
      }
    }
  }

  record Result(double mibPerSecond, double cpuSecondsPerGib) {}

  /** Moves {@code bytes} one way (or each way at once) over a fresh connection. */
  Result transfer(ServerSocket server, Kind kind, boolean both, long bytes) throws Exception {
    return transfer(server, kind, both, bytes, null, false);
  }

  /**
   * As above; if {@code switches} is given, the application threads count their switches in it.
   * The application's threads are virtual threads if {@code virtual} says so, else platform ones.
   */
  Result transfer(
      ServerSocket server, Kind kind, boolean both, long bytes, ThreadSwitches switches, boolean virtual)
      throws Exception {
    Socket client = Net.connect(kind, Net.address(server), h.options);
    Socket accepted = Net.accept(server);
    try {
      client.getOutputStream().write(1);
      client.getOutputStream().flush();
      expect(accepted.getInputStream().read(), 1);
      accepted.getOutputStream().write(2);
      accepted.getOutputStream().flush();
      expect(client.getInputStream().read(), 2);

      CountDownLatch go = new CountDownLatch(1);
      List<FutureTask<Long>> senders = new ArrayList<>();
      List<FutureTask<Long>> receivers = new ArrayList<>();
      senders.add(start("bench-sender", counted(switches, () -> send(client, bytes, go)), virtual));
      receivers.add(start("bench-receiver", counted(switches, () -> receive(accepted, go)), virtual));
      if (both) {
        senders.add(start("bench-sender", counted(switches, () -> send(accepted, bytes, go)), virtual));
        receivers.add(start("bench-receiver", counted(switches, () -> receive(client, go)), virtual));
      }
      long cpu0 = Harness.processCpuNanos();
      long t0 = System.nanoTime();
      go.countDown();
      for (FutureTask<Long> receiver : receivers) {
        long got = receiver.get(10, TimeUnit.MINUTES);
        if (got != bytes) {
          throw new IOException(kind.key() + ": received " + got + " bytes of " + bytes);
        }
      }
      long elapsed = System.nanoTime() - t0;
      long cpu = Harness.processCpuNanos() - cpu0;
      for (FutureTask<Long> sender : senders) {
        sender.get(1, TimeUnit.MINUTES);
      }
      double moved = (double) bytes * receivers.size();
      return new Result(moved / MIB / (elapsed / 1e9), cpu / 1e9 / (moved / (1L << 30)));
    } finally {
      Net.closeQuietly(client);
      Net.closeQuietly(accepted);
      Net.closeAndAwait(client, Duration.ofSeconds(10));
      Net.closeAndAwait(accepted, Duration.ofSeconds(10));
    }
  }

  private long send(Socket socket, long bytes, CountDownLatch go) throws Exception {
    OutputStream out = socket.getOutputStream();
    go.await();
    long left = bytes;
    while (left > 0) {
      int n = (int) Math.min(WRITE_BYTES, left);
      out.write(chunk, 0, n);
      left -= n;
    }
    out.flush();
    socket.shutdownOutput();
    return bytes;
  }

  private static long receive(Socket socket, CountDownLatch go) throws Exception {
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[WRITE_BYTES];
    go.await();
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      total += n;
    }
    return total;
  }

  private static <T> Callable<T> counted(ThreadSwitches switches, Callable<T> body) {
    return switches == null ? body : () -> switches.countThisThread(body);
  }

  static <T> FutureTask<T> start(String name, Callable<T> body, boolean virtual) {
    FutureTask<T> task = new FutureTask<>(body);
    if (virtual) {
      Thread.ofVirtual().name(name).start(task);
    } else {
      Thread.ofPlatform().daemon().name(name).start(task);
    }
    return task;
  }

  static void expect(int got, int wanted) throws IOException {
    if (got != wanted) {
      throw new IOException("expected byte " + wanted + ", got " + got);
    }
  }
}
