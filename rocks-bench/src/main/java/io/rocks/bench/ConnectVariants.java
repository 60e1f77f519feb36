package io.rocks.bench;

import io.rocks.RockOptions;
import io.rocks.bench.Net.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Connect to the first echoed byte on loopback, four ways: echo servers on a virtual thread per
 * connection or on a pool of platform threads, and the next connect either after both ends
 * finished closing the previous connection or right after the client's close. {@value #RUNS}
 * connects of each kind per variant after {@value #WARMUP} of warm-up, in blocks of {@value
 * #BLOCK} alternating rock and plain (which goes first swaps every block). Writes its Markdown
 * section into {@code docs/benchmarks.md} between its markers ({@code scripts/bench
 * --connect-variants}; about a minute), which {@link Report} carries over.
 */
public final class ConnectVariants {
  static final String BEGIN = "<!-- scripts/bench --connect-variants: begin -->";
  static final String END = "<!-- scripts/bench --connect-variants: end -->";
  static final int RUNS = 2_000;
  static final int WARMUP = 2_000;
  static final int BLOCK = 100;
  static final int PLATFORM_HANDLERS = 16;

  private static final RockOptions OPTIONS = RockOptions.defaults();

  /** An echo server: accept loop on a platform thread, each connection on {@code handlers}. */
  private static final class Echo implements AutoCloseable {
    final ServerSocket server;
    final ExecutorService handlers;
    final Semaphore finished = new Semaphore(0);

    Echo(Kind kind, boolean platformHandlers) throws IOException {
      this.server = Net.listen(kind, OPTIONS, 200);
      this.handlers =
          platformHandlers ? Executors.newFixedThreadPool(PLATFORM_HANDLERS) : Executors.newVirtualThreadPerTaskExecutor();
      Thread.ofPlatform().daemon().name("variants-accept-" + kind.key()).start(this::acceptLoop);
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        Socket socket;
        try {
          socket = Net.accept(server);
        } catch (IOException e) {
          return;
        }
        handlers.execute(() -> serve(socket));
      }
    }

    private void serve(Socket socket) {
      byte[] buf = new byte[1024];
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // The client went away.
      } finally {
        finished.release();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      handlers.shutdownNow();
    }
  }

  public static void main(String[] args) throws Exception {
    Path page = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
    String section = measure();
    System.out.println(section);
    if (Files.exists(page)) {
      Files.writeString(
          page, LongFatPipe.replaceSection(Files.readString(page, StandardCharsets.UTF_8), section, BEGIN, END), StandardCharsets.UTF_8);
    }
  }

  private static String measure() throws Exception {
    String loadBefore = Harness.loadAverage();
    StringBuilder table = new StringBuilder();
    table.append("## Connect, four ways\n\n")
        .append(String.format(Locale.ROOT,
            "Measured %s on this machine (%d cores): from the start of `connect()` to the first echoed byte on"
                + " loopback, %,d connects of each kind per variant after %,d of warm-up, in blocks of %d"
                + " alternating rock and plain. Servers: an accept loop on a platform thread handing each"
                + " connection to a virtual thread, or to a pool of %d platform threads. Next connect: after both"
                + " ends finished closing the previous connection, or right after the client's `close()`."
                + " `scripts/bench --connect-variants` writes this section.%n%n",
            LocalDate.now(), Runtime.getRuntime().availableProcessors(), RUNS, WARMUP, BLOCK, PLATFORM_HANDLERS))
        .append("| server threads | next connect | plain p50 / p99 ms | rock p50 / p99 ms | rock/plain p50 | rock/plain p99 |\n")
        .append("|---|---|---|---|---|---|\n");
    for (boolean platform : new boolean[] {false, true}) {
      for (boolean awaitClose : new boolean[] {true, false}) {
        try (Echo rock = new Echo(Kind.ROCK, platform);
            Echo plain = new Echo(Kind.PLAIN, platform)) {
          run(rock, plain, WARMUP, awaitClose, null, null);
          List<Double> rockTimes = new ArrayList<>();
          List<Double> plainTimes = new ArrayList<>();
          run(rock, plain, RUNS, awaitClose, rockTimes, plainTimes);
          double r50 = percentile(rockTimes, 50);
          double r99 = percentile(rockTimes, 99);
          double p50 = percentile(plainTimes, 50);
          double p99 = percentile(plainTimes, 99);
          String row = String.format(Locale.ROOT, "| %s | %s | %.3f / %.3f | %.3f / %.3f | %.2f | %.2f |%n",
              platform ? PLATFORM_HANDLERS + " platform threads" : "virtual thread per connection",
              awaitClose ? "after both ends closed" : "right after close()",
              p50, p99, r50, r99, r50 / p50, r99 / p99);
          System.out.print(row);
          table.append(row);
        }
      }
    }
    table.append("\nLoad average (1 / 5 / 15 min) " + loadBefore + " before, " + Harness.loadAverage() + " after.\n");
    return table.toString();
  }

  private static void run(Echo rock, Echo plain, int runs, boolean awaitClose, List<Double> rockTimes, List<Double> plainTimes)
      throws Exception {
    for (int done = 0; done < runs; done += BLOCK) {
      boolean rockFirst = (done / BLOCK) % 2 == 1;
      for (Kind kind : rockFirst ? new Kind[] {Kind.ROCK, Kind.PLAIN} : new Kind[] {Kind.PLAIN, Kind.ROCK}) {
        Echo echo = kind == Kind.ROCK ? rock : plain;
        List<Double> times = kind == Kind.ROCK ? rockTimes : plainTimes;
        for (int i = 0; i < BLOCK; i++) {
          double ms = once(kind, echo, awaitClose);
          if (times != null) {
            times.add(ms);
          }
        }
      }
    }
  }

  private static double once(Kind kind, Echo echo, boolean awaitClose) throws Exception {
    if (awaitClose) {
      echo.finished.drainPermits();
    }
    long t0 = System.nanoTime();
    Socket socket = Net.connect(kind, Net.address(echo.server), OPTIONS);
    long t1;
    try {
      socket.getOutputStream().write(42);
      socket.getOutputStream().flush();
      if (socket.getInputStream().read() != 42) {
        throw new IOException(kind.key() + ": the echo did not answer 42");
      }
      t1 = System.nanoTime();
    } finally {
      if (awaitClose) {
        Net.closeAndAwait(socket, Duration.ofSeconds(10));
      } else {
        socket.close();
      }
    }
    if (awaitClose && !echo.finished.tryAcquire(10, TimeUnit.SECONDS)) {
      throw new IOException(kind.key() + ": the echo did not finish within 10 s");
    }
    return (t1 - t0) / 1e6;
  }

  private static double percentile(List<Double> samples, int p) {
    List<Double> sorted = samples.stream().sorted().toList();
    int at = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, at)));
  }
}
