package io.rocks.bench;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import io.rocks.RockOptions;
import io.rocks.bench.Net.Kind;
import io.rocks.chaos.RockEvents;
import io.rocks.chaos.Toxi;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Figures 3 and 4: silent cuts at the default policy, on one of two links.
 *
 * <ul>
 *   <li>{@code toxiproxy}: through Toxiproxy, cut with {@code timeout} toxics (timeout 0) on both
 *       directions: every byte vanishes and no connection is closed. Removing the toxics restores
 *       the link; note that Toxiproxy then closes every connection that crossed them ({@code
 *       TimeoutToxic.Cleanup} in toxics/timeout.go), which tells a stuck reconnection attempt at
 *       once.
 *   <li>{@code netns}: in a private network namespace, whose loopback drops every packet while the
 *       link is cut ({@code tc qdisc add dev lo root tbf rate 1kbit burst 1 limit 1}: no packet fits
 *       the bucket). Nothing is closed by the restoration either; TCP's own timers (SYN and segment
 *       retransmission) decide when packets flow again, as on a real link.
 * </ul>
 *
 * <p>A client rock talks to a rock echo server over the link, and an idle plain socket pair
 * (SO_KEEPALIVE on) crosses the same link. For each cut: the rock is idle (heartbeats only) for a
 * random 0.5 to 1 s, the link is cut, and the time until each side of the rock reports {@code
 * suspended} is figure 3. The client then writes one byte (it waits in the in-flight buffer), the
 * cut is held for a random 2.5 to 4 s in all, and the link is restored; the time from restoration
 * until that byte's echo arrives is figure 4. The reconnection attempts that failed, and when, say
 * where that time went.
 */
final class CutFigure {
  private final Harness h;
  private final Link link;
  private final String model;

  /** A link between the client and the servers that can be cut silently and restored. */
  interface Link extends AutoCloseable {
    /** Says in a few words how the link is cut. */
    String describe();

    /** Returns where a client connects to reach {@code server} over this link. */
    InetSocketAddress route(String name, InetSocketAddress server) throws Exception;

    void cut() throws Exception;

    void restore() throws Exception;

    @Override
    void close() throws Exception;
  }

  /** Through Toxiproxy: one proxy per server, cut with timeout toxics. */
  static final class ToxiproxyLink implements Link {
    private final Toxi toxi;
    private final List<Proxy> proxies = new ArrayList<>();
    private final List<Toxic> toxics = new ArrayList<>();

    ToxiproxyLink(Toxi toxi) {
      this.toxi = toxi;
    }

    @Override
    public String describe() {
      return "Toxiproxy, timeout toxic (timeout 0) on both directions, removed to restore";
    }

    @Override
    public InetSocketAddress route(String name, InetSocketAddress server) throws Exception {
      Proxy proxy = toxi.createProxy(name, server);
      proxies.add(proxy);
      return Toxi.listenAddress(proxy);
    }

    @Override
    public void cut() throws Exception {
      for (Proxy proxy : proxies) {
        toxics.addAll(toxi.silentCut(proxy, "cut"));
      }
    }

    @Override
    public void restore() throws Exception {
      toxi.remove(toxics);
      toxics.clear();
    }

    @Override
    public void close() throws Exception {
      for (Proxy proxy : proxies) {
        toxi.delete(proxy);
      }
    }
  }

  /** This JVM's own network namespace: its loopback drops every packet while cut. */
  static final class NetnsLink implements Link {
    static final List<String> CUT =
        List.of("qdisc", "add", "dev", "lo", "root", "tbf", "rate", "1kbit", "burst", "1", "limit", "1");
    static final List<String> RESTORE = List.of("qdisc", "del", "dev", "lo", "root");

    private final String tc;

    NetnsLink(String tc) {
      this.tc = tc;
    }

    @Override
    public String describe() {
      return "packet loss in a private network namespace: tc " + String.join(" ", CUT)
          + " (every packet dropped), deleted to restore";
    }

    @Override
    public InetSocketAddress route(String name, InetSocketAddress server) {
      return server;
    }

    @Override
    public void cut() throws Exception {
      tc(CUT);
    }

    @Override
    public void restore() throws Exception {
      tc(RESTORE);
    }

    private void tc(List<String> arguments) throws Exception {
      List<String> command = new ArrayList<>();
      command.add(tc);
      command.addAll(arguments);
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output.strip());
      }
    }

    @Override
    public void close() throws Exception {
      // The namespace goes away with everything in it.
    }
  }

  CutFigure(Harness harness, String model, Link link) {
    this.h = harness;
    this.model = model;
    this.link = link;
  }

  /**
   * Runs the cuts in a network namespace made for this JVM by the harness: {@code java ...
   * CutFigure --out FILE --tc PATH [--quick]}, started with {@code ip netns exec}.
   */
  public static void main(String[] args) throws Exception {
    Path out = null;
    String tc = "tc";
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--tc" -> tc = args[++i];
        case "--quick" -> quick = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Harness harness =
        new Harness(
            Results.create(out),
            quick ? Harness.Settings.quickCheck() : Harness.Settings.full(),
            out.toAbsolutePath().getParent());
    try (NetnsLink link = new NetnsLink(tc)) {
      new CutFigure(harness, "netns", link).run();
    }
    System.exit(0);
  }

  private String key(String name) {
    return model + "." + name;
  }

  void run() throws Exception {
    int cuts = h.settings.cuts();
    h.results.fact(key("cut.count"), cuts);
    h.results.fact(key("cut.tool"), link.describe());
    RockEvents clientEvents = new RockEvents("client");
    RockEvents serverEvents = new RockEvents("server");
    RockOptions clientOptions = h.options.toBuilder().listeners(List.of(clientEvents)).build();
    RockOptions serverOptions = h.options.toBuilder().listeners(List.of(serverEvents)).build();
    try (Net.Echo rockEcho = new Net.Echo(Net.listen(Kind.ROCK, serverOptions, 50));
        Net.Echo plainEcho = new Net.Echo(Net.listen(Kind.PLAIN, h.options, 50));
        link) {
      Socket client = Net.connect(Kind.ROCK, link.route("cut-rock", rockEcho.address()), clientOptions);
      Socket plain = Net.connect(Kind.PLAIN, link.route("cut-plain", plainEcho.address()), h.options);
      plain.setKeepAlive(true);
      BlockingQueue<long[]> echoes = new LinkedBlockingQueue<>();
      Thread.ofVirtual().name("bench-echo-reader").start(() -> readEchoes(client, echoes));
      AtomicReference<String> plainEnded = new AtomicReference<>();
      AtomicLong plainEndedAt = new AtomicLong();
      Thread.ofVirtual().name("bench-plain-watch").start(() -> watch(plain, plainEnded, plainEndedAt));
      int plainDetected = 0;
      int plainCuts = 0;
      String plainFate = null;
      OutputStream out = client.getOutputStream();
      SplittableRandom random = new SplittableRandom(20_261_127L);
      int value = 0;
      long cutNanos = 0;
      Map<String, Integer> failureKinds = new TreeMap<>();
      Map<String, Integer> serverCauses = new TreeMap<>();
      for (int i = 1; i <= cuts; i++) {
        value = value % 250 + 1;
        roundTrip(out, echoes, value, Duration.ofSeconds(30));
        // The fault schedule: the link stays up and idle a random 0.5 to 1 s before each cut, so
        // cuts fall at every phase of the heartbeat cycle.
        Thread.sleep(500 + random.nextInt(501));

        long tCut = System.nanoTime();
        link.cut();
        RockEvents.Event clientSuspended = clientEvents.await("suspended", tCut, Duration.ofSeconds(30));
        RockEvents.Event serverSuspended = serverEvents.await("suspended", tCut, Duration.ofSeconds(30));
        double clientDetect = (clientSuspended.atNanos() - tCut) / 1e9;
        double serverDetect = (serverSuspended.atNanos() - tCut) / 1e9;
        h.results.sample(key("detect.client"), "rock", clientDetect);
        h.results.sample(key("detect.server"), "rock", serverDetect);
        serverCauses.merge(causeClass(serverSuspended.detail()), 1, Integer::sum);

        value = value % 250 + 1;
        out.write(value);
        out.flush();
        long holdNanos = TimeUnit.MILLISECONDS.toNanos(2500 + random.nextInt(1501));
        Harness.sleepUntil(
            Math.max(tCut + holdNanos, Math.max(clientSuspended.atNanos(), serverSuspended.atNanos()) + 100_000_000L));

        long tRestore = System.nanoTime();
        if (plainFate == null) {
          plainCuts++;
          if (plainEnded.get() != null) {
            plainDetected++;
            plainFate = "noticed cut " + i + " after " + (plainEndedAt.get() - tCut) / 1_000_000 + " ms: " + plainEnded.get();
          }
        }
        link.restore();
        cutNanos += tRestore - tCut;
        long tData = awaitEcho(echoes, value, Duration.ofSeconds(60));
        RockEvents.Event resumed = clientEvents.await("resumed", tCut, Duration.ofSeconds(60));
        double dataMs = (tData - tRestore) / 1e6;
        double resumedMs = (resumed.atNanos() - tRestore) / 1e6;
        h.results.sample(key("restore.data"), "rock", dataMs);
        h.results.sample(key("restore.resumed"), "rock", resumedMs);

        List<RockEvents.Event> failed = clientEvents.between("attempt-failed", tCut, resumed.atNanos());
        RockEvents.Event inFlight = null;
        for (RockEvents.Event event : failed) {
          failureKinds.merge(event.detail(), 1, Integer::sum);
          if (inFlight == null && event.atNanos() - tRestore >= 0) {
            inFlight = event;
          }
        }
        double waitedMs = inFlight == null ? 0 : (inFlight.atNanos() - tRestore) / 1e6;
        h.results.sample(key("restore.waited"), "rock", waitedMs);
        String line =
            String.format(
                "cut %2d: held %,5d ms; suspended after %,5d ms (client), %,5d ms (server); %d reconnect"
                    + " attempts failed; restored; %s; resumed after %,5d ms; echo after %,5d ms",
                i,
                (tRestore - tCut) / 1_000_000,
                Math.round(clientDetect * 1000),
                Math.round(serverDetect * 1000),
                failed.size(),
                inFlight == null
                    ? "no attempt failed after restoration"
                    : String.format(
                        "the attempt in flight failed %,5d ms later (%s)",
                        Math.round(waitedMs),
                        inFlight.detail().replaceFirst("^java\\.[a-z.]*\\.", "")),
                Math.round(resumedMs),
                Math.round(dataMs));
        h.results.profile(key("restore.timeline"), line);
        if (plainFate == null && plainEnded.get() != null) {
          plainFate = "ended " + (plainEndedAt.get() - tRestore) / 1_000_000 + " ms after the restoration of cut "
              + i + " (" + plainEnded.get() + "): the connection is lost, with whatever it carried";
        }
        h.log("figures 3/4 (%s): %s", model, line);
      }
      for (Map.Entry<String, Integer> kind : failureKinds.entrySet()) {
        h.results.profile(key("restore.failures"), String.format("%3d x %s", kind.getValue(), kind.getKey()));
      }
      List<String> causes = new ArrayList<>();
      for (Map.Entry<String, Integer> cause : serverCauses.entrySet()) {
        causes.add(cause.getValue() + " x " + cause.getKey());
      }
      h.results.fact(key("detect.server.causes"), String.join(", ", causes));
      h.results.fact(key("detect.plain.cuts"), plainCuts);
      h.results.fact(key("detect.plain.detected"), plainDetected);
      h.results.fact(key("detect.plain.observed"), String.format("%.0f", cutNanos / 1e9));
      h.results.fact(
          key("detect.plain.outcome"),
          plainFate == null ? "still blocked in read after every cut" : plainFate);
      Net.abort(client);
      Net.abort(plain);
    }
  }

  /** The simple class name of the exception a suspension event reports, e.g. EOFException. */
  private static String causeClass(String detail) {
    int colon = detail.indexOf(':');
    String name = colon < 0 ? detail : detail.substring(0, colon);
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static void roundTrip(OutputStream out, BlockingQueue<long[]> echoes, int value, Duration limit)
      throws Exception {
    out.write(value);
    out.flush();
    awaitEcho(echoes, value, limit);
  }

  /** Returns when the echo of {@code value} arrived, dropping echoes of earlier values. */
  private static long awaitEcho(BlockingQueue<long[]> echoes, int value, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      long[] echo = echoes.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (echo == null) {
        throw new TimeoutException("no echo of " + value + " within " + limit.toMillis() + " ms");
      }
      if (echo[0] == value) {
        return echo[1];
      }
    }
  }

  private static void readEchoes(Socket socket, BlockingQueue<long[]> echoes) {
    try {
      InputStream in = socket.getInputStream();
      int b;
      while ((b = in.read()) >= 0) {
        echoes.add(new long[] {b, System.nanoTime()});
      }
    } catch (Exception ignored) {
      // The run is over.
    }
  }

  /** Records when and how the plain connection ended: {@code endedAt} first, then {@code ended}. */
  private static void watch(Socket plain, AtomicReference<String> ended, AtomicLong endedAt) {
    try {
      int b = plain.getInputStream().read();
      endedAt.set(System.nanoTime());
      ended.set(b < 0 ? "read returned end of stream" : "read returned a byte");
    } catch (Exception e) {
      endedAt.set(System.nanoTime());
      ended.set("read failed: " + e);
    }
  }
}
