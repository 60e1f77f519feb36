package io.rocks.bench;

import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.bench.Net.Kind;
import io.rocks.impl.rock.IdleModeProbe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Figure 5: 10,000 concurrent idle connections. This JVM holds the 10,000 connecting ends and a
 * second JVM ({@link IdlePeer}) the 10,000 accepting ends: one JVM holding both would need 20,000
 * file descriptors, the whole limit here. Plain sockets first, then rocks, each held open by the
 * application with no thread of its own. For each side: heap per connection (used heap after full
 * collections, before and after, divided by the count), platform threads, and the CPU the
 * processes use while everything is idle (for rocks: heartbeats). Rocks are measured at 10%, 25%,
 * 50% and all of the count, each time soon after the last was connected, while their heartbeats
 * come at the usual interval; then, with all of them, once more in idle mode, after {@code
 * idleAfter} without application data ({@link #idleMode}).
 *
 * <p>Runs on the harness's thread; the connecting is done by virtual threads it joins.
 */
final class IdleFigure {
  private static final double KIB = 1024;

  private final Harness h;

  IdleFigure(Harness harness) {
    this.h = harness;
  }

  /** The JVM holding the accepting ends. */
  private static final class Peer implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final int rockPort;
    final int plainPort;

    Peer(Path log) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx1g");
      String logConfig = System.getProperty("log4j2.configurationFile");
      if (logConfig != null) {
        command.add("-Dlog4j2.configurationFile=" + logConfig);
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), IdlePeer.class.getName()));
      process = new ProcessBuilder(command).redirectError(log.toFile()).start();
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      String[] ready = line().split(" ");
      if (!ready[0].equals("ready")) {
        throw new IOException("idle peer said " + String.join(" ", ready));
      }
      rockPort = Integer.parseInt(ready[1]);
      plainPort = Integer.parseInt(ready[2]);
    }

    private String line() throws IOException {
      String line = out.readLine();
      if (line == null) {
        throw new IOException("the idle peer JVM ended; see its log");
      }
      return line;
    }

    String[] ask(String command) throws IOException {
      in.println(command);
      return line().split(" ");
    }

    Snapshot snapshot() throws IOException {
      String[] f = ask("snapshot");
      return new Snapshot(Long.parseLong(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]));
    }

    /** {rocks accepted, rocks connected, plain accepted, platform threads, CPU nanos, rocks that suspended}. */
    long[] count() throws IOException {
      String[] f = ask("count");
      long[] values = new long[6];
      for (int i = 0; i < values.length; i++) {
        values[i] = Long.parseLong(f[i + 1]);
      }
      return values;
    }

    Map<String, long[]> histogram() throws IOException {
      in.println("histogram");
      Map<String, long[]> classes = new HashMap<>();
      String line;
      while (!(line = line()).equals("end")) {
        String[] f = line.split(" ", 4);
        classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
      return classes;
    }

    /** How many of the peer's rocks are in idle mode now. */
    int inIdleMode() throws IOException {
      return Integer.parseInt(ask("idlemode")[1]);
    }

    /** The peer's platform threads by kind, as {@link Snapshot#platformThreadNames} gives them. */
    Map<String, Integer> threads() throws IOException {
      in.println("threads");
      Map<String, Integer> names = new TreeMap<>();
      String line;
      while (!(line = line()).equals("end")) {
        String[] f = line.split(" ", 3);
        names.put(f[2], Integer.parseInt(f[1]));
      }
      return names;
    }

    @Override
    public void close() {
      in.println("exit");
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  void run() throws Exception {
    int n = h.settings.idleRocks();
    // Each JVM holds n sockets; leave room for the JVM's own files.
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long limit = unix.getMaxFileDescriptorCount();
      if (limit < n + 1000L) {
        int fewer = (int) Math.max(100, limit - 1000);
        h.results.fact("idle.reduced", "the file descriptor limit is " + limit + ": " + fewer + " instead of " + n);
        n = fewer;
      }
    }
    h.results.fact("idle.count", n);
    h.results.fact("idle.window", h.settings.idleWindow().toSeconds());
    try (Peer peer = new Peer(h.workDir.resolve("idle-peer.log"))) {
      if (Boolean.parseBoolean(System.getProperty("bench.idle.plain", "true"))) {
        plain(peer, n);
      }
      rocks(peer, n);
    }
  }

  private void plain(Peer peer, int n) throws Exception {
    h.log("figure 5: %,d idle plain socket pairs", n);
    Snapshot local0 = Snapshot.take();
    Snapshot remote0 = peer.snapshot();
    List<Socket> sockets = connectMany(Kind.PLAIN, new InetSocketAddress(Net.LOOPBACK, peer.plainPort), n, 8);
    awaitCount(peer, 2, n, Duration.ofSeconds(60));
    measure(peer, "idle.plain", Kind.PLAIN, n, local0, remote0, 2, h.settings.idleWindow());
    h.results.fact("idle.plain.threads.client", Snapshot.liveThreads());
    h.results.fact("idle.plain.threads.server", peer.count()[3]);
    for (Socket socket : sockets) {
      Net.closeQuietly(socket);
    }
    peer.ask("closeplain");
  }

  /**
   * Connects rocks in small batches, one at a time, up to each checkpoint (for 10,000: 1,000,
   * 2,500, 5,000 and 10,000) and measures there; with all of them, measures once more in idle
   * mode. A rock that suspends although nothing was cut means the machine cannot keep up with the
   * heartbeats: the ramp stops there and the page says so, with the figures of the last checkpoint
   * that held.
   */
  private void rocks(Peer peer, int n) throws Exception {
    // Each checkpoint's profile leaves JFR's threads running for good: start them before the
    // baseline, so that platform threads counted later differ from it by what the rocks started.
    Profiler.startRecorderThreads();
    Snapshot local0 = Snapshot.take();
    Snapshot remote0 = peer.snapshot();
    Map<String, Integer> localThreads0 = Snapshot.platformThreadNames();
    Map<String, Integer> remoteThreads0 = peer.threads();
    Map<String, long[]> localBefore = Snapshot.histogram();
    Map<String, long[]> remoteBefore = peer.histogram();
    InetSocketAddress at = new InetSocketAddress(Net.LOOPBACK, peer.rockPort);
    h.results.fact("idle.threads.client.0", local0.platformThreads());
    h.results.fact("idle.threads.server.0", remote0.platformThreads());

    List<Integer> checkpoints = new ArrayList<>();
    for (double share : new double[] {0.1, 0.25, 0.5, 1.0}) {
      checkpoints.add((int) Math.round(n * share));
    }
    int batch = Math.max(50, n / 40);
    h.log("figure 5: idle rock pairs, up to %,d, measured at %s", n, checkpoints);
    List<Socket> rocks = new ArrayList<>();
    List<String> measured = new ArrayList<>();
    String collapse = null;
    long t0 = System.nanoTime();
    long settledNanos = t0;
    for (int checkpoint : checkpoints) {
      while (collapse == null && rocks.size() < checkpoint) {
        int count = Math.min(batch, checkpoint - rocks.size());
        rocks.addAll(connectMany(Kind.ROCK, at, count, 1));
        collapse = awaitSettled(peer, rocks);
        settledNanos = System.nanoTime();
      }
      if (collapse != null) {
        break;
      }
      if (checkpoint == n) {
        h.results.fact("idle.connectSeconds", String.format("%.1f", (System.nanoTime() - t0) / 1e9));
      }
      // What "idle" means here: no application byte for four heartbeat intervals, by which time
      // each rock has given back the buffers its setup grew (they are trimmed when a heartbeat is
      // due); the rocks connected since the last checkpoint still heartbeat at the usual interval
      // (those connected first may be in idle mode by now: the page counts them). The pause is
      // part of the figure's definition, not a wait for something to happen.
      Thread.sleep(h.options.heartbeatInterval().multipliedBy(4).toMillis());
      String prefix = "idle." + checkpoint;
      measure(peer, prefix, Kind.ROCK, checkpoint, local0, remote0, 2, h.settings.idleWindow());
      h.results.fact(prefix + ".threads.client", Snapshot.liveThreads());
      h.results.fact(prefix + ".threads.server", peer.count()[3]);
      List<String> localHistogram = perConnection(localBefore, Snapshot.histogram(), checkpoint, 12);
      List<String> remoteHistogram = perConnection(remoteBefore, peer.histogram(), checkpoint, 12);
      Profiler profiler = Profiler.start();
      Thread.sleep(h.settings.idleWindow().toMillis());
      List<String> profile = profiler.stop(14);
      collapse = suspensions(peer, rocks);
      if (collapse != null) {
        break;
      }
      measured.add(Integer.toString(checkpoint));
      h.results.fact("idle.checkpoints", String.join(",", measured));
      h.results.profile(prefix + ".cpuProfile", profile);
      h.results.profile(prefix + ".histogram.client", localHistogram);
      h.results.profile(prefix + ".histogram.server", remoteHistogram);
      // The rocks connected first may have gone into idle mode by now: the page says how many.
      h.results.fact(prefix + ".inIdleMode.client", inIdleMode(rocks));
      h.results.fact(prefix + ".inIdleMode.server", peer.inIdleMode());
      h.log("figure 5: %,d rock pairs idle and measured", checkpoint);
    }
    if (collapse != null) {
      h.results.fact("idle.collapse", collapse);
      h.log("figure 5: stopped: %s", collapse);
    } else {
      idleMode(peer, rocks, settledNanos, local0, remote0, localThreads0, remoteThreads0);
    }
    for (Socket socket : rocks) {
      Net.abort(socket);
    }
  }

  /**
   * Measures all the rocks again, in idle mode. A rock enters idle mode {@code idleAfter} after its
   * creation if no application byte passed meanwhile, and announces it to its peer with a PACE
   * frame; from {@code settledNanos}, when the last rock was connected, this waits {@code
   * idleAfter} and two heartbeat intervals, so that the last rock is in idle mode and its peer has
   * heard. That wait is part of the figure's definition; it overlaps the last checkpoint's
   * measurements, so it adds only what is left of it.
   *
   * <p>Then heap, CPU, platform threads and suspensions, as at the checkpoints, with one
   * difference: each CPU window lasts at least one idle heartbeat interval. In idle mode a rock
   * sends one heartbeat per such interval, at a moment set by when it was connected, and rocks
   * connected in one batch send theirs close together; a shorter window would catch some of those
   * bursts and miss others, so CPU would depend on where the window fell.
   */
  private void idleMode(
      Peer peer,
      List<Socket> rocks,
      long settledNanos,
      Snapshot local0,
      Snapshot remote0,
      Map<String, Integer> localThreads0,
      Map<String, Integer> remoteThreads0)
      throws Exception {
    int n = rocks.size();
    String prefix = "idle." + n + ".idlemode";
    Duration wait = h.options.idleAfter().plus(h.options.heartbeatInterval().multipliedBy(2));
    Duration window = h.settings.idleWindow();
    if (window.compareTo(h.options.idleHeartbeatInterval()) < 0) {
      window = h.options.idleHeartbeatInterval();
    }
    h.results.fact("idle.idlemode.waitMillis", wait.toMillis());
    h.results.fact("idle.idlemode.windowMillis", window.toMillis());
    h.log("figure 5: waiting for idle mode, until %.1f s after the last rock was connected", wait.toMillis() / 1e3);
    Harness.sleepUntil(settledNanos + wait.toNanos());
    h.results.fact(prefix + ".inIdleMode.client", inIdleMode(rocks));
    h.results.fact(prefix + ".inIdleMode.server", peer.inIdleMode());
    measure(peer, prefix, Kind.ROCK, n, local0, remote0, 2, window);
    h.results.fact(prefix + ".threads.client", Snapshot.liveThreads());
    h.results.fact(prefix + ".threads.server", peer.count()[3]);
    h.results.profile(
        prefix + ".threads.client.change", Snapshot.threadChanges(localThreads0, Snapshot.platformThreadNames()));
    h.results.profile(prefix + ".threads.server.change", Snapshot.threadChanges(remoteThreads0, peer.threads()));
    String trouble = suspensions(peer, rocks);
    h.results.fact(prefix + ".suspensions", trouble == null ? "none" : trouble);
    h.results.fact("idle.idlemode.count", n);
    h.log("figure 5: %,d rock pairs measured in idle mode%s", n, trouble == null ? "" : ": " + trouble);
  }

  /** Returns how many of {@code rocks} are in idle mode now. */
  private static int inIdleMode(List<Socket> rocks) {
    int idle = 0;
    for (Socket socket : rocks) {
      if (IdleModeProbe.idle(((RockSocket) socket).rock())) {
        idle++;
      }
    }
    return idle;
  }

  /**
   * Waits until every rock is connected on both sides; returns null then, or what went wrong: a
   * rock that suspended or failed although nothing was cut.
   */
  private String awaitSettled(Peer peer, List<Socket> rocks) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      String trouble = suspensions(peer, rocks);
      if (trouble != null) {
        return trouble;
      }
      int connected = 0;
      for (Socket socket : rocks) {
        if (((RockSocket) socket).rock().state() == RockState.CONNECTED) {
          connected++;
        }
      }
      long serverConnected = peer.count()[1];
      if (connected == rocks.size() && serverConnected >= rocks.size()) {
        return null;
      }
      if (System.nanoTime() > deadline) {
        return String.format(
            "at %,d rocks only %,d connecting and %,d accepting rocks were connected after 30 s",
            rocks.size(), connected, serverConnected);
      }
      Thread.sleep(50);
    }
  }

  /** Returns null if no rock on either side has suspended or failed, else what happened. */
  private static String suspensions(Peer peer, List<Socket> rocks) throws Exception {
    int suspended = 0;
    int failed = 0;
    for (Socket socket : rocks) {
      RockSocket rock = (RockSocket) socket;
      suspended += rock.rock().stats().suspensions() > 0 ? 1 : 0;
      failed += rock.rock().state() == RockState.FAILED ? 1 : 0;
    }
    long[] count = peer.count();
    if (suspended == 0 && failed == 0 && count[5] == 0) {
      return null;
    }
    return String.format(
        "at %,d idle rock pairs, %,d connecting rocks had suspended (%,d of them failed) and %,d"
            + " accepting rocks had suspended or failed, though no link was cut",
        rocks.size(), suspended, failed, count[5]);
  }

  /**
   * Heap per connection (3 snapshots a second apart) and idle CPU ({@code windows} windows of
   * {@code window} each), both sides.
   */
  private void measure(
      Peer peer,
      String prefix,
      Kind kind,
      int n,
      Snapshot local0,
      Snapshot remote0,
      int windows,
      Duration window)
      throws Exception {
    for (int i = 0; i < 3; i++) {
      Snapshot local = Snapshot.take();
      Snapshot remote = peer.snapshot();
      h.results.sample(prefix + ".heap.client", kind.key(), (local.heapUsed() - local0.heapUsed()) / KIB / n);
      h.results.sample(prefix + ".heap.server", kind.key(), (remote.heapUsed() - remote0.heapUsed()) / KIB / n);
      Thread.sleep(1000);
    }
    for (int i = 0; i < windows; i++) {
      long c0 = Harness.processCpuNanos();
      long p0 = peer.count()[4];
      long t0 = System.nanoTime();
      Thread.sleep(window.toMillis());
      long c1 = Harness.processCpuNanos();
      long p1 = peer.count()[4];
      long elapsed = System.nanoTime() - t0;
      h.results.sample(prefix + ".cpu.client", kind.key(), 100.0 * (c1 - c0) / elapsed);
      h.results.sample(prefix + ".cpu.server", kind.key(), 100.0 * (p1 - p0) / elapsed);
    }
    h.log(
        "figure 5: %,d %s: heap %.2f KiB (connecting) %.2f KiB (accepting) per connection; CPU %.1f%% / %.1f%% of a core",
        n,
        kind.key(),
        Stats.of(h.results.samples(prefix + ".heap.client", kind.key())).median(),
        Stats.of(h.results.samples(prefix + ".heap.server", kind.key())).median(),
        Stats.of(h.results.samples(prefix + ".cpu.client", kind.key())).median(),
        Stats.of(h.results.samples(prefix + ".cpu.server", kind.key())).median());
  }

  private List<Socket> connectMany(Kind kind, InetSocketAddress at, int count, int connectors)
      throws Exception {
    Socket[] sockets = new Socket[count];
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Exception> error = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < connectors; w++) {
      workers.add(
          Thread.ofVirtual()
              .name("bench-connect")
              .start(
                  () -> {
                    int i;
                    while ((i = next.getAndIncrement()) < count && error.get() == null) {
                      for (int attempt = 1; ; attempt++) {
                        try {
                          sockets[i] = Net.connect(kind, at, h.options);
                          break;
                        } catch (IOException e) {
                          if (attempt == 5) {
                            error.set(e);
                            return;
                          }
                          try {
                            Thread.sleep(50L * attempt);
                          } catch (InterruptedException interrupted) {
                            return;
                          }
                        }
                      }
                    }
                  }));
    }
    for (Thread worker : workers) {
      worker.join();
    }
    if (error.get() != null) {
      throw error.get();
    }
    return List.of(sockets);
  }

  /** Waits until the peer reports {@code count()[index] >= target}. */
  private static void awaitCount(Peer peer, int index, int target, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (peer.count()[index] < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the idle peer has only " + peer.count()[index] + " of " + target);
      }
      Thread.sleep(100);
    }
  }

  /** The classes that grew, in bytes and objects per connection, largest first. */
  static List<String> perConnection(Map<String, long[]> before, Map<String, long[]> after, int n, int top) {
    record Growth(String name, long bytes, long objects) {}
    List<Growth> growth = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] was = before.getOrDefault(e.getKey(), new long[2]);
      long bytes = e.getValue()[0] - was[0];
      long objects = e.getValue()[1] - was[1];
      total += bytes;
      if (bytes > 0) {
        growth.add(new Growth(e.getKey(), bytes, objects));
      }
    }
    growth.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
    List<String> lines = new ArrayList<>();
    lines.add(String.format("%,9.0f bytes per connection in all (live objects, class histogram after full GC)", (double) total / n));
    lines.add("    bytes  objects  class");
    for (Growth g : growth.subList(0, Math.min(top, growth.size()))) {
      lines.add(String.format("%,9.0f  %7.2f  %s", (double) g.bytes() / n, (double) g.objects() / n, g.name()));
    }
    return lines;
  }
}
