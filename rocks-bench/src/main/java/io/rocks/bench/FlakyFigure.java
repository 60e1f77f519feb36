package io.rocks.bench;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import io.rocks.RockSocket;
import io.rocks.RockStats;
import io.rocks.bench.Net.Kind;
import io.rocks.chaos.RockEvents;
import io.rocks.chaos.Toxi;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Figure 6: throughput through Toxiproxy while the link is cut every 2 s, against the same link
 * without cuts. A client writes 64 KiB chunks as fast as it can for a fixed time; the server's
 * application counts what it reads. A cut is a TCP reset of the connection on both ends: the
 * {@code reset_peer} toxics (added beforehand at toxicity 0, so Toxiproxy arms every connection
 * for a reset) are raised to toxicity 1 until the rock has noticed, then lowered again.
 */
final class FlakyFigure {
  private static final double MIB = 1024 * 1024;
  private static final Duration CUT_EVERY = Duration.ofSeconds(2);

  private final Harness h;
  private final Toxi toxi;
  private final byte[] chunk = new byte[BulkFigure.WRITE_BYTES];

  FlakyFigure(Harness harness, Toxi toxi) {
    this.h = harness;
    this.toxi = toxi;
    new SplittableRandom(6).nextBytes(chunk);
  }

  /** Counts what the application reads on each accepted connection. */
  private static final class Sink implements AutoCloseable {
    final ServerSocket server;
    final BlockingQueue<AtomicLong> connections = new LinkedBlockingQueue<>();

    Sink(ServerSocket server) {
      this.server = server;
      Thread.ofPlatform().daemon().name("bench-sink-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = Net.accept(server);
          AtomicLong counter = new AtomicLong();
          connections.add(counter);
          Thread.ofVirtual().name("bench-sink").start(() -> drain(socket, counter));
        } catch (Exception e) {
          return;
        }
      }
    }

    private static void drain(Socket socket, AtomicLong counter) {
      byte[] buf = new byte[64 * 1024];
      try (socket) {
        InputStream in = socket.getInputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          counter.addAndGet(n);
        }
      } catch (Exception ignored) {
        // Aborted at the end of a run, or reset by a cut (plain).
      }
    }

    @Override
    public void close() {
      Net.closeQuietly(server);
    }
  }

  void run() throws Exception {
    Duration length = h.settings.flakySeconds();
    h.results.fact("flaky.seconds", length.toSeconds());
    h.results.fact("flaky.tool", "Toxiproxy reset_peer toxic, both directions");
    try (Sink rockSink = new Sink(Net.listen(Kind.ROCK, h.options, 50));
        Sink plainSink = new Sink(Net.listen(Kind.PLAIN, h.options, 50))) {
      Proxy rockProxy = toxi.createProxy("flaky-rock", Net.address(rockSink.server));
      Proxy plainProxy = toxi.createProxy("flaky-plain", Net.address(plainSink.server));
      List<Toxic> rockReset = toxi.armedReset(rockProxy, "reset");
      List<Toxic> plainReset = toxi.armedReset(plainProxy, "reset");
      h.log("figure 6: warming up");
      transfer(Kind.ROCK, rockSink, rockProxy, rockReset, false, Duration.ofSeconds(2));
      transfer(Kind.PLAIN, plainSink, plainProxy, plainReset, false, Duration.ofSeconds(2));
      for (int run = 0; run < h.settings.flakyRuns(); run++) {
        Outcome none = transfer(Kind.ROCK, rockSink, rockProxy, rockReset, false, length);
        h.results.sample("flaky.none", "rock", none.mibPerSecond());
        Outcome cut = transfer(Kind.ROCK, rockSink, rockProxy, rockReset, true, length);
        h.results.sample("flaky.cut", "rock", cut.mibPerSecond());
        h.results.sample("flaky.cut.retransmitted", "rock", cut.retransmitted() / MIB);
        h.results.sample("flaky.cut.suspensions", "rock", cut.suspensions());
        Outcome plain = transfer(Kind.PLAIN, plainSink, plainProxy, plainReset, false, length);
        h.results.sample("flaky.none", "plain", plain.mibPerSecond());
        h.log(
            "figure 6: rock %.1f MiB/s without cuts, %.1f MiB/s with %d cuts (%.1f MiB retransmitted);"
                + " plain %.1f MiB/s without cuts",
            none.mibPerSecond(), cut.mibPerSecond(), cut.suspensions(), cut.retransmitted() / MIB,
            plain.mibPerSecond());
      }
      Outcome plainCut = transfer(Kind.PLAIN, plainSink, plainProxy, plainReset, true, length);
      h.results.fact("flaky.plain.cut", plainCut.failure() == null ? "survived" : plainCut.failure());
      toxi.delete(rockProxy);
      toxi.delete(plainProxy);
    }
  }

  record Outcome(double mibPerSecond, long retransmitted, int suspensions, String failure) {}

  private Outcome transfer(
      Kind kind, Sink sink, Proxy proxy, List<Toxic> reset, boolean cuts, Duration length) throws Exception {
    sink.connections.clear();
    Socket client = Net.connect(kind, Toxi.listenAddress(proxy), h.options);
    AtomicLong received = sink.connections.poll(10, TimeUnit.SECONDS);
    if (received == null) {
      throw new IllegalStateException(kind.key() + ": the sink accepted nothing");
    }
    RockEvents rockEvents = null;
    if (client instanceof RockSocket rock) {
      rockEvents = new RockEvents("flaky client");
      rock.rock().addListener(rockEvents);
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<String> failure = new AtomicReference<>();
    long t0 = System.nanoTime();
    Thread sender =
        Thread.ofPlatform()
            .daemon()
            .name("bench-sender")
            .start(
                () -> {
                  try {
                    OutputStream out = client.getOutputStream();
                    while (!stop.get()) {
                      out.write(chunk);
                    }
                  } catch (Exception e) {
                    if (!stop.get()) {
                      failure.set(
                          String.format("failed after %.1f s: %s", (System.nanoTime() - t0) / 1e9, e));
                    }
                  }
                });
    long end = t0 + length.toNanos();
    for (long next = t0 + CUT_EVERY.toNanos(); cuts && next < end; next += CUT_EVERY.toNanos()) {
      Harness.sleepUntil(next);
      if (failure.get() != null) {
        break;
      }
      cut(rockEvents, sender, reset);
    }
    if (failure.get() == null) {
      Harness.sleepUntil(end);
    }
    long bytes = received.get();
    long elapsed = System.nanoTime() - t0;
    stop.set(true);
    long retransmitted = 0;
    int suspensions = 0;
    if (client instanceof RockSocket rock) {
      RockStats stats = rock.rock().stats();
      retransmitted = stats.bytesRetransmitted();
      suspensions = stats.suspensions();
    }
    Net.abort(client);
    sender.join(10_000);
    return new Outcome(bytes / MIB / (elapsed / 1e9), retransmitted, suspensions, failure.get());
  }

  /**
   * Resets the link: toxicity 1 until the rock has suspended (at most 1 s), or for a plain socket
   * ({@code rockEvents} null) until its sender has failed (at most 200 ms), then 0.
   */
  private void cut(RockEvents rockEvents, Thread sender, List<Toxic> reset) throws Exception {
    long start = System.nanoTime();
    toxi.setToxicity(reset, 1f);
    try {
      if (rockEvents != null) {
        rockEvents.await("suspended", start, Duration.ofSeconds(1));
      } else {
        sender.join(Duration.ofMillis(200)); // the sender ends when its write fails
      }
    } catch (TimeoutException notYet) {
      // The reset goes back to 0 all the same; the next cut tries again.
    } finally {
      toxi.setToxicity(reset, 0f);
    }
  }
}
