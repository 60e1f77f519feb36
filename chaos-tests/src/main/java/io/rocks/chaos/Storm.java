package io.rocks.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * A connection storm between two JVMs: N rocks connecting in one burst while a competing CPU load
 * runs, then every link reset at once, then every link black-holed for a while, the rocks carrying
 * data both ways throughout, and at the end every rock's SHA-256 compared across the two sides.
 *
 * <p>Processes ({@link StormPeer}, each a JVM of its own): the accepting side; one or more relays
 * ({@code rocks / linksPerRelay}, rounded up; the connecting side spreads its rocks over them) in
 * front of it; the connecting side; and the load. Phases, each ending when its goal holds on both
 * sides or at its deadline (the storm goes on either way with the rocks that are left; a thread
 * dump of both sides can be asked for where a phase runs slow or a deadline passes):
 *
 * <ol>
 *   <li>{@code connect}: the burst. Goal: every connect returned, and every rock is either
 *       connected on both sides with the peer's first segment received, or ended (with {@link
 *       Plan#idleFromLastConnect}, only that every connect returned).
 *   <li>{@code idle}: nothing is sent or cut for {@link Plan#idleWindow}; every suspension counted
 *       here is a false one.
 *   <li>{@code reset}: every link reset at once. Goal: every connected rock resumed since the cut,
 *       none suspended, as many on both sides.
 *   <li>{@code data2}: each side sends the second segment. Goal: every live rock has it.
 *   <li>{@code blackhole}: nothing read from any link for {@link Plan#blackHole}, then {@code
 *       restore}: the relays forward again. Goal as for the reset, timed from the restore.
 *   <li>{@code data3}: the third segment.
 *   <li>{@code finish}: each side ends its output. Goal: every reader at end of stream and every
 *       rock ended.
 * </ol>
 *
 * <p>Runs on the calling thread; {@link #close} (also on failure) ends every process.
 */
public final class Storm implements AutoCloseable {
  private static final Duration ANSWER_LIMIT = Duration.ofSeconds(60);
  private static final Duration READY_LIMIT = Duration.ofSeconds(60);
  /** How often the phases' goals are checked: a pace for the status polls, not a guess at timing. */
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
  /** A phase still unsettled this long after it began gets a thread dump of both sides, once. */
  private static final Duration DUMP_WHEN_SLOW = Duration.ofSeconds(15);

  /**
   * What a storm does and how long each phase may take.
   *
   * @param rocks rocks opened in the burst
   * @param connectThreads threads the connecting side opens them from
   * @param segmentBytes bytes of each of the three segments each way
   * @param loadThreads spinning threads of the competing load
   * @param linksPerRelay rocks per relay process
   * @param idleWindow how long the rocks stay idle after the burst
   * @param idleFromLastConnect whether the idle window, and so the reset after it, counts from the
   *     last connect call's return instead of from the burst settled: a reset that can strike rocks
   *     still in their handshake
   * @param blackHole how long every link is black-holed
   * @param connectLimit deadline of the connect phase
   * @param resumeLimit deadline of the resumption after the reset and after the restore
   * @param dataLimit deadline of each data phase and of the finish
   * @param threadDumps whether to dump both sides' threads (virtual ones included) where a phase
   *     runs slow or misses its deadline. Off unless asked for: on JDK 25.0.3 a dump taken while
   *     thousands of virtual threads do socket I/O crashed the process once (SIGSEGV in
   *     GetThreadSnapshotClosure), which ends the storm
   * @param workDir where the processes' logs and thread dumps go
   * @param classPath the class path of the processes
   * @param log where progress lines go
   */
  public record Plan(
      int rocks,
      int connectThreads,
      int segmentBytes,
      int loadThreads,
      int linksPerRelay,
      Duration idleWindow,
      boolean idleFromLastConnect,
      Duration blackHole,
      Duration connectLimit,
      Duration resumeLimit,
      Duration dataLimit,
      boolean threadDumps,
      Path workDir,
      String classPath,
      Consumer<String> log) {
    /** Opens rocks from 4 threads, 3 segments of 2 KiB each way, 2 load threads, 2,500 rocks per relay, 5 s idle and 5 s black hole. */
    public static Plan of(
        int rocks, Duration connectLimit, Duration resumeLimit, Duration dataLimit, Path workDir, Consumer<String> log) {
      return new Plan(
          rocks, 4, 2048, 2, 2_500, Duration.ofSeconds(5), false, Duration.ofSeconds(5), connectLimit, resumeLimit,
          dataLimit, false, workDir, ChildJvm.classPathOfThisJvm(), log);
    }

    /** The same plan with another idle window. */
    public Plan withIdleWindow(Duration window) {
      return new Plan(
          rocks, connectThreads, segmentBytes, loadThreads, linksPerRelay, window, idleFromLastConnect, blackHole,
          connectLimit, resumeLimit, dataLimit, threadDumps, workDir, classPath, log);
    }

    /** The same plan with the idle window counted from the last connect call's return, or not. */
    public Plan withIdleFromLastConnect(boolean fromLastConnect) {
      return new Plan(
          rocks, connectThreads, segmentBytes, loadThreads, linksPerRelay, idleWindow, fromLastConnect, blackHole,
          connectLimit, resumeLimit, dataLimit, threadDumps, workDir, classPath, log);
    }

    /** The same plan with thread dumps of slow phases, or without. */
    public Plan withThreadDumps(boolean dumps) {
      return new Plan(
          rocks, connectThreads, segmentBytes, loadThreads, linksPerRelay, idleWindow, idleFromLastConnect, blackHole,
          connectLimit, resumeLimit, dataLimit, dumps, workDir, classPath, log);
    }

    /** The same plan with segments of another size. */
    public Plan withSegmentBytes(int byteCount) {
      return new Plan(
          rocks, connectThreads, byteCount, loadThreads, linksPerRelay, idleWindow, idleFromLastConnect, blackHole,
          connectLimit, resumeLimit, dataLimit, threadDumps, workDir, classPath, log);
    }
  }

  private final Plan plan;
  private final long startNanos = System.nanoTime();
  private final List<ChildJvm> children = new ArrayList<>();
  private final List<ChildJvm> relays = new ArrayList<>();
  private ChildJvm acceptor;
  private ChildJvm connector;
  private ChildJvm load;
  private final List<StormOutcome.Phase> phases = new ArrayList<>();
  private final List<Path> dumps = new ArrayList<>();

  private Storm(Plan plan) {
    this.plan = plan;
  }

  /** Runs a whole storm and returns what it measured; every process has ended when it returns or throws. */
  public static StormOutcome run(Plan plan) throws Exception {
    try (Storm storm = new Storm(plan)) {
      return storm.run();
    }
  }

  private StormOutcome run() throws Exception {
    String loadAtStart = loadAverage();
    startProcesses();
    connect();
    idle();
    reset();
    data(2);
    blackHole();
    data(3);
    finish();
    StormOutcome.Verification verification = verify();
    List<String> clientGroups = groups(connector);
    List<String> serverGroups = groups(acceptor);
    Map<String, Duration> cpu = new LinkedHashMap<>();
    for (ChildJvm child : children) {
      long nanos = PeerStatus.parse(child.name(), child.askLine("status", ANSWER_LIMIT)).get("cpuNanos");
      cpu.put(child.name(), Duration.ofNanos(nanos));
    }
    return new StormOutcome(
        plan.rocks(), List.copyOf(phases), verification, clientGroups, serverGroups, List.copyOf(dumps), cpu,
        loadAtStart + " at the start, " + loadAverage() + " at the end");
  }

  private void startProcesses() throws Exception {
    Files.createDirectories(plan.workDir());
    int rocks = plan.rocks();
    // 512 KiB a rock: a connection that receives one DATA frame larger than its frame reader's
    // first 1 KiB grows that buffer to 256 KiB until it is trimmed, so every rock can hold that
    // much at once, and twice that while the buffers of connections just replaced await collection.
    // With 384 KiB a rock, full collections of a second suspended every rock by themselves.
    String peerHeap = "-Xmx" + (768 + rocks / 2) + "m";
    acceptor = start("acceptor", List.of(peerHeap), "accept", Integer.toString(plan.segmentBytes()), "4096");
    int relayCount = (rocks + plan.linksPerRelay() - 1) / plan.linksPerRelay();
    // A young generation large enough that the relay rarely collects: each collection copies every
    // live link's buffers and stacks, and stalls every link while it does.
    List<String> relayHeap = List.of("-Xmx1g", "-Xmn768m", "-XX:+UseSerialGC");
    for (int r = 0; r < relayCount; r++) {
      relays.add(start("relay" + r, relayHeap, "relay", acceptor.ready()));
    }
    connector = start("connector", List.of(peerHeap), "connect", Integer.toString(plan.segmentBytes()));
    load = start("load", List.of("-Xmx32m", "-XX:+UseSerialGC"), "load", Integer.toString(plan.loadThreads()));
    log("processes ready: acceptor on port %s, %d relay(s), connector, load of %s",
        acceptor.ready(), relays.size(), load.ready());
  }

  /**
   * Starts one process. Each logs its garbage collections (a pause longer than the failure
   * detection time suspends rocks by itself) and writes any crash report beside its log, and an
   * out-of-memory error ends it with a heap dump.
   */
  private ChildJvm start(String name, List<String> heapAndCollector, String... args) throws Exception {
    Path dir = plan.workDir().toAbsolutePath();
    List<String> options = new ArrayList<>(heapAndCollector);
    options.addAll(List.of(
        "-Xlog:gc:file=" + dir.resolve(name + "-gc.log"), "-XX:ErrorFile=" + dir.resolve(name + "-hs_err_%p.log"),
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath=" + dir));
    ChildJvm child = ChildJvm.start(name, options, plan.classPath(), dir.resolve(name + ".log"), READY_LIMIT, args);
    children.add(child);
    return child;
  }

  private void connect() throws Exception {
    List<String> ports = new ArrayList<>();
    for (ChildJvm relay : relays) {
      ports.add(relay.ready());
    }
    long from = System.nanoTime();
    connector.ask("burst " + plan.rocks() + " " + plan.connectThreads() + " " + String.join(",", ports), ANSWER_LIMIT);
    await("connect", from, plan.connectLimit(), (c, s) ->
        c.get("rocks") + c.get("threw") == plan.rocks()
            && (plan.idleFromLastConnect()
                || settledConnected(c) && settledConnected(s)
                    && c.get("CONNECTED") == s.get("CONNECTED")
                    && c.get("behind1") == 0 && s.get("behind1") == 0));
  }

  private static boolean settledConnected(PeerStatus side) {
    return side.get("CONNECTING") == 0 && side.get("SUSPENDED") == 0;
  }

  private void idle() throws Exception {
    mark("idle");
    long from = plan.idleFromLastConnect() ? phases.getLast().client().get("lastConnectReturnedNanos") : System.nanoTime();
    // The idle window is part of what is measured (how many rocks suspend with nothing cut), not
    // a wait for something to happen.
    Thread.sleep(Duration.ofNanos(Math.max(0, from + plan.idleWindow().toNanos() - System.nanoTime())));
    record("idle", from, true);
  }

  private void reset() throws Exception {
    mark("reset");
    long from = System.nanoTime();
    relays("reset");
    awaitResumed("reset", from);
  }

  private void blackHole() throws Exception {
    mark("blackhole");
    long from = System.nanoTime();
    relays("blackhole");
    // The length of the outage is the fault being modelled, not a wait for something to happen.
    Thread.sleep(plan.blackHole());
    record("blackhole", from, true);
    long restoredAt = System.nanoTime();
    relays("restore");
    awaitResumed("restore", restoredAt);
  }

  private void awaitResumed(String name, long from) throws Exception {
    await(name, from, plan.resumeLimit(), (c, s) ->
        settledConnected(c) && settledConnected(s)
            && c.get("resumedSinceMark") == c.get("CONNECTED")
            && s.get("resumedSinceMark") == s.get("CONNECTED")
            && c.get("CONNECTED") == s.get("CONNECTED"));
  }

  private void data(int segment) throws Exception {
    mark("data" + segment);
    long from = System.nanoTime();
    both("send " + segment);
    await("data" + segment, from, plan.dataLimit(), (c, s) ->
        c.get("behind" + segment) == 0 && s.get("behind" + segment) == 0
            && settledConnected(c) && settledConnected(s) && c.get("CONNECTED") == s.get("CONNECTED"));
  }

  private void finish() throws Exception {
    mark("finish");
    long from = System.nanoTime();
    both("finish");
    await("finish", from, plan.dataLimit(), (c, s) ->
        c.get("readersDone") == c.get("rocks") && s.get("readersDone") == s.get("rocks")
            && c.get("live") == 0 && s.get("live") == 0);
  }

  /** One line of {@code results}, parsed. */
  private record RockResult(int index, String state, long sent, String sentSha, long received, String receivedSha) {
    static RockResult parse(String line) {
      String[] f = line.split(" ");
      return new RockResult(
          Integer.parseInt(f[1]), f[2], Long.parseLong(f[4]), f[5], Long.parseLong(f[6]), f[7]);
    }
  }

  private StormOutcome.Verification verify() throws Exception {
    Map<Integer, RockResult> client = new HashMap<>();
    for (String line : connector.ask("results", ANSWER_LIMIT)) {
      RockResult r = RockResult.parse(line);
      client.put(r.index(), r);
    }
    Map<Integer, RockResult> server = new HashMap<>();
    List<String> mismatches = new ArrayList<>();
    int unnamed = 0;
    for (String line : acceptor.ask("results", ANSWER_LIMIT)) {
      RockResult r = RockResult.parse(line);
      if (r.index() < 0) {
        unnamed++;
      } else if (server.put(r.index(), r) != null) {
        mismatches.add("two accepted rocks say they are rock " + r.index());
      }
    }
    if (unnamed > 0) {
      mismatches.add(unnamed + " accepted rocks never received their index");
    }
    long total = 3L * plan.segmentBytes();
    int up = 0;
    int down = 0;
    int kept = 0;
    for (int i = 0; i < plan.rocks(); i++) {
      RockResult c = client.get(i);
      RockResult s = server.get(i);
      boolean upEqual = c != null && s != null && c.sent() == total && s.received() == total
          && !c.sentSha().equals("-") && c.sentSha().equals(s.receivedSha());
      boolean downEqual = c != null && s != null && s.sent() == total && c.received() == total
          && !s.sentSha().equals("-") && s.sentSha().equals(c.receivedSha());
      up += upEqual ? 1 : 0;
      down += downEqual ? 1 : 0;
      boolean failed = (c != null && c.state().equals("FAILED")) || (s != null && s.state().equals("FAILED"));
      if (upEqual && downEqual && !failed) {
        kept++;
      } else if (mismatches.size() < 10) {
        mismatches.add("rock " + i + ": client " + c + ", server " + s);
      }
    }
    return new StormOutcome.Verification(up, down, kept, List.copyOf(mismatches));
  }

  private List<String> groups(ChildJvm side) throws Exception {
    List<String> groups = new ArrayList<>();
    for (String line : side.ask("groups", ANSWER_LIMIT)) {
      groups.add(line.substring("group ".length()));
    }
    return List.copyOf(groups);
  }

  /**
   * Polls both sides until {@code goal} holds or {@code limit} passes, then records the phase. If
   * the plan asks for thread dumps, writes one of both sides where the phase is still unsettled
   * {@link #DUMP_WHEN_SLOW} after it began (while the trouble is going on), and again where the
   * deadline passed.
   */
  private void await(String name, long from, Duration limit, BiPredicate<PeerStatus, PeerStatus> goal)
      throws Exception {
    long deadline = from + limit.toNanos();
    long nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
    boolean dumpedWhileSlow = false;
    while (true) {
      PeerStatus c = status(connector);
      PeerStatus s = status(acceptor);
      boolean met = goal.test(c, s);
      long now = System.nanoTime();
      if (met || now - deadline > 0) {
        if (!met) {
          dump(name + "-deadline");
        }
        add(new StormOutcome.Phase(name, from, met, Duration.ofNanos(now - from), c, s));
        return;
      }
      if (!dumpedWhileSlow && now - from > DUMP_WHEN_SLOW.toNanos()) {
        dump(name + "-slow");
        dumpedWhileSlow = true;
      }
      if (now - nextProgress > 0) {
        log("%s: %.0f s: client %s; server %s; relays %s", name, (now - from) / 1e9, c.states(), s.states(), relayLinks());
        nextProgress = now + PROGRESS_EVERY.toNanos();
      }
      Thread.sleep(POLL); // a poll interval between looks at both processes' counts; the goal and the deadline decide
    }
  }

  private void record(String name, long from, boolean settled) throws Exception {
    add(new StormOutcome.Phase(name, from, settled, Duration.ofNanos(System.nanoTime() - from), status(connector), status(acceptor)));
  }

  private void add(StormOutcome.Phase phase) {
    phases.add(phase);
    log("%s", phase.summary());
  }

  private void dump(String phase) {
    if (!plan.threadDumps()) {
      return;
    }
    for (ChildJvm side : List.of(connector, acceptor)) {
      Path file = plan.workDir().resolve("threads-" + phase + "-" + side.name() + ".txt").toAbsolutePath();
      try {
        Files.deleteIfExists(file);
        side.ask("dump " + file, ANSWER_LIMIT);
        dumps.add(file);
      } catch (IOException | TimeoutException | InterruptedException e) {
        log("no thread dump of %s: %s", side.name(), e);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The relays' connections accepted, links open and bytes forwarded, summed: whether the relays keep up. */
  private String relayLinks() throws Exception {
    long accepted = 0;
    long links = 0;
    long forwarded = 0;
    for (ChildJvm relay : relays) {
      PeerStatus status = status(relay);
      accepted += status.get("accepted");
      links += status.get("links");
      forwarded += status.get("forwarded");
    }
    return "accepted=" + accepted + " links=" + links + " forwarded=" + forwarded + "B";
  }

  private PeerStatus status(ChildJvm side) throws Exception {
    return PeerStatus.parse(side.name(), side.askLine("status", ANSWER_LIMIT));
  }

  private void mark(String phase) throws Exception {
    both("mark " + phase);
  }

  private void both(String command) throws Exception {
    connector.ask(command, ANSWER_LIMIT);
    acceptor.ask(command, ANSWER_LIMIT);
  }

  private void relays(String command) throws Exception {
    for (ChildJvm relay : relays) {
      relay.ask(command, ANSWER_LIMIT);
    }
  }

  /** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them; "?" where there is none. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private void log(String format, Object... args) {
    plan.log().accept(String.format("[storm %6.1f s] ", (System.nanoTime() - startNanos) / 1e9) + String.format(format, args));
  }

  /** Ends every process: the load first, so the others end on a machine that is not spinning. */
  @Override
  public void close() {
    if (load != null) {
      load.close();
    }
    for (ChildJvm child : children) {
      child.close();
    }
  }
}
