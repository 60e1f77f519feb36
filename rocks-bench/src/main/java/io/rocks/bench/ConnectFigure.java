package io.rocks.bench;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.bench.Net.Kind;
import io.rocks.chaos.Toxi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Figure 2: from the start of connect to the first echoed byte. The client connects, writes one
 * byte and reads it back from an echo server (the same code for both kinds: an accept loop and a
 * virtual thread per connection). Plain and rock alternate; between two measurements the
 * connection is closed and both ends are waited for, so no close overlaps the next connect.
 */
final class ConnectFigure {
  private final Harness h;

  ConnectFigure(Harness harness) {
    this.h = harness;
  }

  void runLoopback() throws Exception {
    Harness.Settings s = h.settings;
    try (Net.Echo rockEcho = new Net.Echo(Net.listen(Kind.ROCK, h.options, 50));
        Net.Echo plainEcho = new Net.Echo(Net.listen(Kind.PLAIN, h.options, 50))) {
      // Early connects run code the JIT compiler has not optimized yet, and a rock runs more of
      // it than a plain socket: measured after a few hundred connects of each kind (as a freshly
      // started process sees them), then again in the steady state of a long-running one.
      h.log("figure 2: loopback, %d warm-up connects of each kind", s.connectWarmups());
      warm(rockEcho, plainEcho, s.connectWarmups());
      measure("connect.loopback.early", rockEcho, rockEcho.address(), plainEcho, plainEcho.address(), s.connectRuns());
      h.log("figure 2: loopback, warm-up connects up to %d of each kind", s.connectSteadyWarmups());
      warm(rockEcho, plainEcho, s.connectSteadyWarmups() - s.connectWarmups() - s.connectRuns());
      h.results.fact("connect.warmups.early", s.connectWarmups());
      h.results.fact("connect.warmups", s.connectSteadyWarmups());
      measure("connect.loopback", rockEcho, rockEcho.address(), plainEcho, plainEcho.address(), s.connectRuns());
      // Where the time goes: more connects of each kind under the CPU profiler.
      for (Kind kind : new Kind[] {Kind.ROCK, Kind.PLAIN}) {
        Net.Echo echo = kind == Kind.ROCK ? rockEcho : plainEcho;
        int count = s.connectWarmups();
        Profiler profiler = Profiler.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
          once(kind, echo, echo.address());
        }
        long elapsed = System.nanoTime() - t0;
        h.results.profile("connect." + kind.key(), profiler.stop(14));
        h.results.fact("connect.profiled." + kind.key(), count);
        h.results.fact(
            "connect.profiled." + kind.key() + ".ms", String.format("%.3f", elapsed / 1e6 / count));
      }
    }
  }

  private void warm(Net.Echo rockEcho, Net.Echo plainEcho, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      once(Kind.PLAIN, plainEcho, plainEcho.address());
      once(Kind.ROCK, rockEcho, rockEcho.address());
    }
  }

  void runToxiproxy(Toxi toxi) throws Exception {
    Harness.Settings s = h.settings;
    try (Net.Echo rockEcho = new Net.Echo(Net.listen(Kind.ROCK, h.options, 50));
        Net.Echo plainEcho = new Net.Echo(Net.listen(Kind.PLAIN, h.options, 50))) {
      Proxy rockProxy = toxi.createProxy("connect-rock", rockEcho.address());
      Proxy plainProxy = toxi.createProxy("connect-plain", plainEcho.address());
      toxi.latency(rockProxy, "latency", 5, 0);
      toxi.latency(plainProxy, "latency", 5, 0);
      h.results.fact("connect.toxiproxy.latency", "5 ms each way, no jitter");
      InetSocketAddress rockAt = Toxi.listenAddress(rockProxy);
      InetSocketAddress plainAt = Toxi.listenAddress(plainProxy);
      h.log("figure 2: through Toxiproxy with 10 ms round trip");
      for (int i = 0; i < 5; i++) {
        once(Kind.PLAIN, plainEcho, plainAt);
        once(Kind.ROCK, rockEcho, rockAt);
      }
      measure("connect.toxiproxy", rockEcho, rockAt, plainEcho, plainAt, s.toxiConnectRuns());
      toxi.delete(rockProxy);
      toxi.delete(plainProxy);
    }
  }

  private void measure(
      String key,
      Net.Echo rockEcho,
      InetSocketAddress rockAt,
      Net.Echo plainEcho,
      InetSocketAddress plainAt,
      int runs)
      throws Exception {
    for (int i = 0; i < runs; i++) {
      boolean plainFirst = i % 2 == 0;
      for (Kind kind : plainFirst ? new Kind[] {Kind.PLAIN, Kind.ROCK} : new Kind[] {Kind.ROCK, Kind.PLAIN}) {
        Net.Echo echo = kind == Kind.ROCK ? rockEcho : plainEcho;
        Times t = once(kind, echo, kind == Kind.ROCK ? rockAt : plainAt);
        h.results.sample(key, kind.key(), t.echoed());
        h.results.sample(key + ".connected", kind.key(), t.connected());
        h.results.sample(key + ".accepted", kind.key(), t.accepted());
        h.results.sample(key + ".serverRead", kind.key(), t.serverRead());
      }
    }
    Stats rock = Stats.of(h.results.samples(key, "rock"));
    Stats plain = Stats.of(h.results.samples(key, "plain"));
    h.log("figure 2: %s median rock %.3f ms, plain %.3f ms", key, rock.median(), plain.median());

  }

  /**
   * Milliseconds from the start of connect until: connect returned, the server's accept returned,
   * the server's echo read the byte, and the client read the echo.
   */
  record Times(double connected, double accepted, double serverRead, double echoed) {}

  /** One connect, one byte there and back. */
  Times once(Kind kind, Net.Echo echo, InetSocketAddress at) throws Exception {
    echo.finished.drainPermits(); // every earlier echo ended before its once() returned
    long t0 = System.nanoTime();
    Socket socket = Net.connect(kind, at, h.options);
    long connected = System.nanoTime();
    long t1;
    try {
      OutputStream out = socket.getOutputStream();
      out.write(42);
      out.flush();
      int got = socket.getInputStream().read();
      t1 = System.nanoTime();
      if (got != 42) {
        throw new IOException(kind.key() + ": echo answered " + got);
      }
    } finally {
      Net.closeAndAwait(socket, Duration.ofSeconds(10));
    }
    // The server's end is closed too before the next connect, so no close overlaps it.
    echo.finished.tryAcquire(10, TimeUnit.SECONDS);
    return new Times(
        (connected - t0) / 1e6, (echo.acceptedAt - t0) / 1e6, (echo.firstByteAt - t0) / 1e6, (t1 - t0) / 1e6);
  }
}
