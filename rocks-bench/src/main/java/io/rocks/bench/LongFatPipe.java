package io.rocks.bench;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.RockSocket;
import io.rocks.Rocks;
import io.rocks.chaos.Toxi;
import io.rocks.chaos.ToxiproxyServer;
import io.rocks.impl.rock.RealRock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bulk transfer over long fat pipes: rock against plain TCP through Toxiproxy with 10, 50 and 200
 * ms round trips at {@value #KILOBYTES_PER_SECOND} KB/s each way, {@link #BYTES} one way per
 * transfer, rock and plain alternating in pairs (the order swapped every pair), with the default
 * policy: the windows start at 1 MiB and grow with the path. Each transfer's time runs from the
 * start of {@code connect()} to the server's one-byte answer after it read everything (the
 * client sends the length first: Toxiproxy does not pass a half-close on). Also
 * records the receive window the rock's server reached. The rocks of the longest round trip are
 * left open after their transfers until they go idle, to show what they hold then ({@link
 * #afterwards}). Writes a Markdown section to {@code docs/benchmarks.md} between its markers
 * ({@code scripts/bench --long-fat-pipe}; about 6 minutes), which {@link Report} carries over.
 */
public final class LongFatPipe {
  static final String BEGIN = "<!-- scripts/bench --long-fat-pipe: begin -->";
  static final String END = "<!-- scripts/bench --long-fat-pipe: end -->";
  static final long KILOBYTES_PER_SECOND = 50_000;
  static final long BYTES = 256L << 20;
  static final int[] ROUND_TRIPS_MILLIS = {10, 50, 200};
  static final int PAIRS = 3;
  private static final int CHUNK = 64 * 1024;

  /** Rock or plain. */
  private record Run(boolean rock, double seconds, int serverWindow, int clientBound) {
    double mibPerSecond() {
      return BYTES / (1024.0 * 1024.0) / seconds;
    }
  }

  private final AtomicInteger lastServerWindow = new AtomicInteger();
  /** Rocks the sink serves now: their server sides close when the client closes. */
  private final AtomicInteger openServerRocks = new AtomicInteger();

  public static void main(String[] args) throws Exception {
    Path page = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
    Path work = Path.of("rocks-bench", "target");
    Files.createDirectories(work);
    try (ToxiproxyServer server =
        ToxiproxyServer.start(
            ToxiproxyServer.locateBinary(Path.of("").toAbsolutePath()),
            work.toAbsolutePath().resolve("toxiproxy-long-fat-pipe.log"),
            Duration.ofSeconds(20))) {
      String section = new LongFatPipe().measure(new Toxi(server));
      System.out.println(section);
      if (Files.exists(page)) {
        Files.writeString(page, replaceSection(Files.readString(page, StandardCharsets.UTF_8), section), StandardCharsets.UTF_8);
      }
    }
  }

  /** Returns {@code page} with its long-fat-pipe section replaced by {@code section}, or added before "Reproducing". */
  static String replaceSection(String page, String section) {
    return replaceSection(page, section, BEGIN, END);
  }

  /** As above, for the section between {@code beginMarker} and {@code endMarker}. */
  static String replaceSection(String page, String section, String beginMarker, String endMarker) {
    int begin = page.indexOf(beginMarker);
    int end = page.indexOf(endMarker, Math.max(begin, 0));
    String marked = beginMarker + "\n" + section + endMarker;
    if (begin >= 0 && end >= 0) {
      return page.substring(0, begin) + marked + page.substring(end + endMarker.length());
    }
    int at = page.indexOf(StartupSection.BEFORE);
    return at < 0 ? page + "\n" + marked + "\n" : page.substring(0, at) + marked + "\n\n" + page.substring(at);
  }

  private String measure(Toxi toxi) throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket plainServer = new ServerSocket(0, 50, loopback);
        ServerSocket rockServer = Rocks.rockServerSocket(new InetSocketAddress(loopback, 0), 50, Rocks.defaultOptions())) {
      Thread.ofVirtual().start(() -> sink(plainServer));
      Thread.ofVirtual().start(() -> sink(rockServer));
      List<Socket> kept = new ArrayList<>(); // the last round trip's rocks, left open to go idle
      StringBuilder table = new StringBuilder();
      table.append("## Long fat pipes (bulk through Toxiproxy)\n\n")
          .append(String.format(Locale.ROOT,
              "Measured %s on this machine (%d cores): %d MiB one way, or each way at once, per transfer through"
                  + " Toxiproxy at %,d KB/s each way, rock and plain alternating, %d pairs per round trip (order swapped every pair), default"
                  + " policy (windows start at 1 MiB, grow up to 32 MiB). Time from the start of `connect()` to the"
                  + " server's answer after the last byte (both ways: and the client's last byte from the server);"
                  + " MiB/s per direction. `scripts/bench --long-fat-pipe` writes this section.%n%n",
              LocalDate.now(), Runtime.getRuntime().availableProcessors(), BYTES >> 20, KILOBYTES_PER_SECOND, PAIRS))
          .append("| round trip | direction | plain MiB/s (median, min–max) | rock MiB/s (median, min–max) | rock/plain per pair | median | receive window the rock's server reached |\n")
          .append("|---|---|---|---|---|---|---|\n");
      for (int rtt : ROUND_TRIPS_MILLIS) {
        toxi.deleteAllProxies();
        // Fresh proxies for each round trip, so no toxic and no connection of the last one stays.
        Proxy plainProxy = toxi.createProxy("lfp-plain", new InetSocketAddress(loopback, plainServer.getLocalPort()));
        Proxy rockProxy = toxi.createProxy("lfp-rock", new InetSocketAddress(loopback, rockServer.getLocalPort()));
        for (Proxy proxy : List.of(plainProxy, rockProxy)) {
          toxi.latency(proxy, "latency", rtt / 2, 0);
          toxi.bandwidth(proxy, "bandwidth", KILOBYTES_PER_SECOND);
        }
        InetSocketAddress plainAt = Toxi.listenAddress(plainProxy);
        InetSocketAddress rockAt = Toxi.listenAddress(rockProxy);
        boolean last = rtt == ROUND_TRIPS_MILLIS[ROUND_TRIPS_MILLIS.length - 1];
        for (boolean both : new boolean[] {false, true}) {
        List<Run> plain = new ArrayList<>();
        List<Run> rock = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int pair = 0; pair < PAIRS; pair++) {
          Run r;
          Run p;
          if (pair % 2 == 0) {
            r = transfer(true, rockAt, both, last ? kept : null);
            p = transfer(false, plainAt, both, null);
          } else {
            p = transfer(false, plainAt, both, null);
            r = transfer(true, rockAt, both, last ? kept : null);
          }
          rock.add(r);
          plain.add(p);
          ratios.add(r.mibPerSecond() / p.mibPerSecond());
          System.out.printf(Locale.ROOT, "rtt %d ms %s pair %d: plain %.1f MiB/s, rock %.1f MiB/s (server window %d KiB, client bound %d KiB)%n",
              rtt, both ? "both ways" : "one way", pair + 1, p.mibPerSecond(), r.mibPerSecond(), r.serverWindow() >> 10, r.clientBound() >> 10);
        }
        table.append(String.format(Locale.ROOT, "| %d ms | %s | %s | %s | %s | %.2f | %s |%n",
            rtt, both ? "both ways" : "one way", spread(plain), spread(rock),
            String.join(", ", ratios.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList()),
            median(ratios),
            String.join(", ", rock.stream().map(x -> (x.serverWindow() >> 20) + " MiB").toList())));
        }
      }
      table.append(afterwards(kept));
      table.append("\nThe rock's windows start at 1 MiB and reach the path's size within a few round trips (PROTOCOL.md"
          + " §5.5); through Toxiproxy on loopback plain TCP has no slow start to make (the delay is in the proxy,"
          + " not in TCP's own round trip), so at 200 ms the rock's ramp is what it loses. Both ways, each side's ACKs travel behind the data it sends,"
          + " so the round trip each direction sees holds the other direction's queue too; the rock keeps both"
          + " directions' windows equal (PROTOCOL.md §5.5, rule 3), without which the direction with the smaller window"
          + " starved (45 and 27 MiB/s at 10 ms). At 200 ms both ways the windows reach the 32 MiB maximum and"
          + " the acknowledgements come in bursts, one window per 0.7 s; a 64 MiB maximum did not do better (0.86–0.88 in"
          + " a trial run). An idle rock's memory does not depend on how large its windows grew: what the rocks above"
          + " hold once idle is what figure 5's 10,000 idle rocks hold each.\n");
      return table.toString();
    }
  }

  /**
   * One transfer; a rock's socket is left open (and added to {@code keep}) if {@code keep} is not
   * null, its server side waiting for the close.
   */
  private Run transfer(boolean rock, InetSocketAddress at, boolean both, List<Socket> keep) throws IOException {
    byte[] chunk = new byte[CHUNK];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) (i * 31 + 7);
    }
    long start = System.nanoTime();
    Socket socket = rock ? Rocks.connectRock(at, Rocks.defaultOptions()) : new Socket(at.getAddress(), at.getPort());
    boolean keepOpen = rock && keep != null;
    try {
      OutputStream out = socket.getOutputStream();
      // The length first: Toxiproxy does not pass a half-close on, so the end is not a shutdown.
      out.write(java.nio.ByteBuffer.allocate(9).putLong(BYTES).put((byte) (both ? 1 : 0)).array());
      java.util.concurrent.FutureTask<Long> back = null;
      if (both) {
        InputStream fromServer = socket.getInputStream();
        back = new java.util.concurrent.FutureTask<>(() -> readFully(fromServer, BYTES));
        Thread.ofVirtual().start(back);
      }
      for (long sent = 0; sent < BYTES; sent += CHUNK) {
        out.write(chunk);
      }
      out.flush();
      int clientBound = rock ? ((RealRock) ((RockSocket) socket).rock()).windowsNow()[1] : 0;
      if (back != null) {
        try {
          back.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
          throw new IOException("reading the server's bytes failed", e);
        }
      }
      int answer = socket.getInputStream().read();
      if (answer != 1) {
        throw new IOException("the server answered " + answer + " after " + BYTES + " bytes, not 1 (" + socket + ")");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (keepOpen) {
        keep.add(socket);
      }
      return new Run(rock, seconds, rock ? lastServerWindow.get() : 0, clientBound);
    } finally {
      if (!keepOpen) {
        socket.close();
      }
    }
  }

  /**
   * The rocks of the last round trip, left open after their transfers, once they have gone idle:
   * their windows, the memory their buffers hold, the process's window budget in use, and the heap
   * they hold per rock end (used heap after full collections with them open, less after they and
   * their server sides closed, over twice their number).
   */
  private String afterwards(List<Socket> kept) throws Exception {
    List<RealRock> rocks = kept.stream().map(s -> (RealRock) ((RockSocket) s).rock()).toList();
    long grownBuffers = rocks.stream().mapToLong(RealRock::bufferBytesNow).sum();
    long grownBudget = io.rocks.impl.rock.ProcessWindowBudget.INSTANCE.used();
    io.rocks.testkit.Await.until(Rocks.defaultOptions().idleAfter().plusSeconds(30),
        () -> "the kept rocks all idle: " + rocks.stream().map(r -> r.state() + "/" + io.rocks.impl.rock.IdleModeProbe.idle(r)).toList(),
        () -> rocks.stream().allMatch(io.rocks.impl.rock.IdleModeProbe::idle));
    long idleBuffers = rocks.stream().mapToLong(RealRock::bufferBytesNow).sum();
    List<String> windows = rocks.stream().map(r -> (r.windowsNow()[0] >> 10) + "/" + (r.windowsNow()[1] >> 10)).distinct().toList();
    long idleBudget = io.rocks.impl.rock.ProcessWindowBudget.INSTANCE.used();
    long withThem = Snapshot.take().heapUsed();
    int ends = 2 * kept.size();
    int serverRocks = openServerRocks.get();
    for (Socket socket : kept) {
      socket.close();
    }
    io.rocks.testkit.Await.until(Duration.ofSeconds(30), "the kept rocks and their server sides closed",
        () -> openServerRocks.get() <= serverRocks - kept.size() && rocks.stream().allMatch(r -> r.state().isTerminal()));
    long without = Snapshot.take().heapUsed();
    return String.format(Locale.ROOT,
        "%nAfter the transfers: the %d rocks of the %d ms rows were left open. Just after their transfers their"
            + " buffers held %,d bytes and the process's window budget had %,d bytes in use; once they had gone idle"
            + " (%d s without application data) their buffers held %,d bytes, every window (receive / in-flight, KiB) was"
            + " %s, and the budget had %,d bytes in use: what an idle rock that never moved a byte holds. Heap per rock end"
            + " then, used heap after full collections with them open less after closing them, over %d ends: %.1f KiB"
            + " (figure 5 measures 10,000 idle rocks at 7.9 and 8.8 KiB per end; %d ends make this figure coarse).%n",
        kept.size(), ROUND_TRIPS_MILLIS[ROUND_TRIPS_MILLIS.length - 1], grownBuffers, grownBudget,
        Rocks.defaultOptions().idleAfter().toSeconds(), idleBuffers, String.join(", ", windows), idleBudget,
        ends, (withThem - without) / 1024.0 / ends, ends);
  }

  /** Reads each connection to its end, then answers one byte; records a rock's receive window. */
  private void sink(ServerSocket server) {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return;
      }
      boolean isRock = socket instanceof RockSocket;
      if (isRock) {
        openServerRocks.incrementAndGet();
      }
      Thread.ofVirtual().start(() -> {
        try (socket) {
          java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
          long expected = in.readLong();
          boolean both = in.readByte() == 1;
          Thread writer = both ? Thread.ofVirtual().start(() -> writeBack(socket, expected)) : null;
          byte[] buf = new byte[CHUNK];
          long total = 0;
          while (total < expected) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, expected - total));
            if (n < 0) {
              System.err.println("sink: " + total + " bytes, not " + expected + ", from " + socket);
              return;
            }
            total += n;
          }
          if (socket instanceof RockSocket rs && rs.rock() instanceof RealRock real) {
            lastServerWindow.set(real.windowsNow()[0]);
          }
          if (writer != null) {
            writer.join();
          }
          socket.getOutputStream().write(1);
          socket.getOutputStream().flush();
          in.read(); // the client closes first
        } catch (IOException | InterruptedException e) {
          System.err.println("sink: " + e);
        } finally {
          if (isRock) {
            openServerRocks.decrementAndGet();
          }
        }
      });
    }
  }

  /** Writes {@code count} bytes to {@code socket}; a failure is the client's to see. */
  private static void writeBack(Socket socket, long count) {
    byte[] chunk = new byte[CHUNK];
    try {
      OutputStream out = socket.getOutputStream();
      for (long sent = 0; sent < count; sent += CHUNK) {
        out.write(chunk, 0, (int) Math.min(CHUNK, count - sent));
      }
      out.flush();
    } catch (IOException e) {
      System.err.println("sink: writing back: " + e);
    }
  }

  private static long readFully(InputStream in, long count) throws IOException {
    byte[] buf = new byte[CHUNK];
    long total = 0;
    while (total < count) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, count - total));
      if (n < 0) {
        throw new IOException("the server's stream ended after " + total + " of " + count + " bytes");
      }
      total += n;
    }
    return total;
  }

  private static String spread(List<Run> runs) {
    List<Double> rates = runs.stream().map(Run::mibPerSecond).sorted().toList();
    return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", median(rates), rates.get(0), rates.get(rates.size() - 1));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
