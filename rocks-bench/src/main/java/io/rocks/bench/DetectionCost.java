package io.rocks.bench;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.RockDetection;
import io.rocks.RockOptions;
import io.rocks.Rocks;
import io.rocks.RocksServerSocketFactory;
import io.rocks.RocksSocketFactory;
import io.rocks.chaos.Toxi;
import io.rocks.chaos.ToxiproxyServer;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Objects;

/**
 * Measures what detection costs: the time from the start of {@code connect()} to the first byte the
 * server echoes, for every pairing of rock and plain client and server, both protocol styles, on
 * first contact with an endpoint and once its verdict is cached; on loopback and through Toxiproxy
 * with 5 ms of latency each way. Prints the table as Markdown (and writes it to
 * target/detection-cost.md) for docs/INTEROP.md; {@code scripts/bench --detection} runs it (about 40
 * seconds).
 *
 * <p>It checks, and fails on, only what detection guarantees: who ends up a rock, and that a silent
 * plain peer costs the detect timeout on first contact and nothing once cached (rocks-impl's
 * DetectionTest tests detection itself).
 */
public final class DetectionCost {
  private static final int RUNS = 20;
  private static final int WARMUP = 2;
  private static final long LATENCY_MILLIS = 5;

  /** 127.0.0.{@code last}. */
  private static InetAddress alias(int last) {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  // One loopback address per kind of server, so that a port reused by another kind of server
  // never meets a cached verdict (the cache is keyed by address and port).
  private static final InetAddress ROCK_HOST = alias(2);
  private static final InetAddress CLIENT_FIRST_HOST = alias(3);
  private static final InetAddress SERVER_FIRST_HOST = alias(4);
  private static final InetAddress PROXY_HOST = alias(5);

  private static final RockOptions ASSUME_ROCK =
      Rocks.defaultOptions().toBuilder().detection(RockDetection.ASSUME_ROCK).build();

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final Toxi toxi;

  private DetectionCost(Toxi toxi) {
    this.toxi = toxi;
  }

  /** Runs the measurement with a Toxiproxy server of its own; the report goes to {@code args[0]}. */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target/detection-cost.md");
    try (ToxiproxyServer server = ToxiproxyServer.start(
        ToxiproxyServer.locateBinary(Path.of("").toAbsolutePath()),
        out.toAbsolutePath().resolveSibling("toxiproxy-detection.log"), Duration.ofSeconds(20))) {
      DetectionCost cost = new DetectionCost(new Toxi(server));
      try {
        cost.measure(out);
      } finally {
        cost.closeEverything();
      }
    }
  }

  /** How the client connects. */
  private enum Client {
    PLAIN("plain"),
    FACTORY("rock (factory, detect)"),
    ASSUME_ROCK("rock (assume-rock)");

    final String label;

    Client(String label) {
      this.label = label;
    }

    Socket connect(InetSocketAddress address) throws IOException {
      return switch (this) {
        case PLAIN -> {
          Socket socket = new Socket();
          socket.connect(address, 5_000);
          yield socket;
        }
        case FACTORY -> {
          Socket socket = RocksSocketFactory.getDefault().createSocket();
          socket.connect(address, 5_000);
          yield socket;
        }
        case ASSUME_ROCK -> Rocks.connectRock(address, DetectionCost.ASSUME_ROCK);
      };
    }
  }

  /** What listens. */
  private enum Server {
    ROCKS_CLIENT_FIRST("rocks server socket", false, true),
    ROCKS_SERVER_FIRST("rocks server socket", true, true),
    PLAIN_CLIENT_FIRST("plain", false, false),
    PLAIN_SERVER_FIRST("plain", true, false);

    final String label;
    final boolean greets;
    final boolean rocks;

    Server(String label, boolean greets, boolean rocks) {
      this.label = label;
      this.greets = greets;
      this.rocks = rocks;
    }

    InetAddress host() {
      return rocks ? ROCK_HOST : greets ? SERVER_FIRST_HOST : CLIENT_FIRST_HOST;
    }
  }

  /** One row of the table: a pairing, and whether each run meets a new endpoint. */
  private record Case(Client client, Server server, boolean firstContact, boolean expectRock) {
    String contact() {
      if (client != Client.FACTORY) {
        return "n/a";
      }
      return firstContact ? "first contact" : "cached";
    }
  }

  private static final List<Case> CASES =
      List.of(
          new Case(Client.PLAIN, Server.PLAIN_CLIENT_FIRST, false, false),
          new Case(Client.PLAIN, Server.PLAIN_SERVER_FIRST, false, false),
          new Case(Client.ASSUME_ROCK, Server.ROCKS_CLIENT_FIRST, false, true),
          new Case(Client.FACTORY, Server.ROCKS_CLIENT_FIRST, true, true),
          new Case(Client.FACTORY, Server.ROCKS_CLIENT_FIRST, false, true),
          new Case(Client.FACTORY, Server.PLAIN_CLIENT_FIRST, true, false),
          new Case(Client.FACTORY, Server.PLAIN_CLIENT_FIRST, false, false),
          new Case(Client.FACTORY, Server.PLAIN_SERVER_FIRST, true, false),
          new Case(Client.FACTORY, Server.PLAIN_SERVER_FIRST, false, false),
          new Case(Client.PLAIN, Server.ROCKS_CLIENT_FIRST, false, false),
          new Case(Client.PLAIN, Server.ROCKS_SERVER_FIRST, false, false));

  private void closeEverything() {
    for (AutoCloseable resource : resources.reversed()) {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("closing " + resource + ": " + e);
      }
    }
  }

  private void measure(Path out) throws Exception {
    long detectMillis = Rocks.defaultOptions().detectTimeout().toMillis();
    for (Case c : CASES) {
      measure(c, false, silentPeer(c) ? 3 : 30); // warms up every path before anything is recorded
    }
    List<long[]> loopback = new ArrayList<>();
    List<long[]> proxied = new ArrayList<>();
    for (Case c : CASES) {
      loopback.add(measure(c, false, RUNS));
      proxied.add(measure(c, true, RUNS));
    }

    StringBuilder table = new StringBuilder();
    table.append(String.format(
        "| client | server | protocol | contact | loopback median | loopback p90 | %d ms RTT median | %d ms RTT p90 |%n",
        2 * LATENCY_MILLIS, 2 * LATENCY_MILLIS));
    table.append("|---|---|---|---|---:|---:|---:|---:|\n");
    for (int i = 0; i < CASES.size(); i++) {
      Case c = CASES.get(i);
      table.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
          c.client().label, c.server().label, c.server().greets ? "server-first" : "client-first", c.contact(),
          millis(percentile(loopback.get(i), 50)), millis(percentile(loopback.get(i), 90)),
          millis(percentile(proxied.get(i), 50)), millis(percentile(proxied.get(i), 90))));
    }
    String report = String.format(
        "Time from connect() to the first echoed byte, in ms: median and 90th percentile of %d runs"
            + " (after a warm-up pass over every case); detect-timeout = %d ms. Measured %s, JDK %s,"
            + " %d cores.%n%n%s",
        RUNS, detectMillis, LocalDate.now(), Runtime.version(),
        Runtime.getRuntime().availableProcessors(), table);
    System.out.println(report);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report);

    // What detection guarantees, whatever the machine's speed: only a silent peer costs the detect
    // timeout. That is a plain client-first server meeting a rock client for the first time (it
    // waits for a request and never answers the probe), and a plain server-first client on a rocks
    // server socket (it waits for a greeting). A plain server-first server answers the probe with
    // its greeting at once.
    for (int i = 0; i < CASES.size(); i++) {
      Case c = CASES.get(i);
      for (List<long[]> times : List.of(loopback, proxied)) {
        long median = percentile(times.get(i), 50) / 1_000_000;
        if (silentPeer(c)) {
          check(median >= detectMillis, c + ": a silent peer costs the detect timeout, took " + median);
        } else {
          check(median < detectMillis, c + ": no detect timeout expected, took " + median);
        }
      }
    }
  }

  private static boolean silentPeer(Case c) {
    return (c.client() == Client.FACTORY && c.firstContact() && !c.server().rocks && !c.server().greets)
        || (c.client() == Client.PLAIN && c.server().rocks && c.server().greets);
  }

  /** Runs {@code c} WARMUP + {@code runs} times; returns the last {@code runs} times in nanoseconds. */
  private long[] measure(Case c, boolean throughProxy, int runs) throws Exception {
    InetSocketAddress shared = c.firstContact() ? null : endpoint(c.server(), throughProxy);
    long[] times = new long[runs];
    for (int run = -WARMUP; run < runs; run++) {
      InetSocketAddress target = shared != null ? shared : endpoint(c.server(), throughProxy);
      long start = System.nanoTime();
      Socket socket = c.client().connect(target);
      try {
        InputStream in = socket.getInputStream();
        if (c.server().greets) {
          checkEquals(LineServer.GREETING, LineServer.readLine(in), c + ": greeting");
        }
        socket.getOutputStream().write("x\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        int first = in.read();
        long elapsed = System.nanoTime() - start;
        checkEquals((int) '+', first, c + ": first echoed byte");
        checkEquals("x", LineServer.readLine(in), c + ": the rest of the echo");
        checkEquals(c.expectRock(), Rocks.rockOf(socket).isPresent(), c + ": a rock?");
        if (run >= 0) {
          times[run] = elapsed;
        }
      } finally {
        socket.close();
      }
    }
    return times;
  }

  /**
   * Returns where the client connects for {@code server}: a new server, or through a new Toxiproxy
   * proxy (5 ms each way) in front of one, so the client has never seen the endpoint.
   */
  private InetSocketAddress endpoint(Server server, boolean throughProxy) throws Exception {
    InetSocketAddress direct = newServer(server);
    if (!throughProxy) {
      return direct;
    }
    Proxy proxy = toxi.createProxy("p" + resources.size(), PROXY_HOST, direct);
    toxi.latency(proxy, "latency", LATENCY_MILLIS, 0);
    return io.rocks.chaos.Toxi.listenAddress(proxy);
  }

  private InetSocketAddress newServer(Server server) throws IOException {
    ServerSocket listening =
        server.rocks
            ? RocksServerSocketFactory.getDefault().createServerSocket(0, 50, server.host())
            : new ServerSocket(0, 50, server.host());
    LineServer line = new LineServer(listening, server.greets);
    resources.add(line);
    return new InetSocketAddress(server.host(), listening.getLocalPort());
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException(what);
    }
  }

  private static void checkEquals(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) {
      throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
    }
  }

  private static long percentile(long[] nanos, int percent) {
    long[] sorted = nanos.clone();
    java.util.Arrays.sort(sorted);
    int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, index)];
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
  }
}
