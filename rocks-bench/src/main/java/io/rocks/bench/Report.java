package io.rocks.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code docs/benchmarks.md} and {@code docs/benchmarks.png} from one run's results (the
 * harness's and the micro-benchmarks' files). Every number on the page comes from those files.
 *
 * <pre>
 *   java -cp ... io.rocks.bench.Report [--harness FILE] [--micro FILE] [--md FILE] [--png FILE]
 *       [--revision TEXT] [--elapsed SECONDS] [--command TEXT]
 * </pre>
 */
public final class Report {
  /** The most heap an idle rock may hold, on either side, in KiB. */
  static final double IDLE_HEAP_TARGET_KIB = 8;

  private final Results r;
  private final Map<String, String[]> micro;
  private final String microSettings;
  private final String revision;
  private final long elapsedSeconds;
  private final String command;
  private final String pngName;
  private final List<Row> rows = new ArrayList<>();
  private final List<Chart.Bar> bars = new ArrayList<>();
  private final StringBuilder body = new StringBuilder();

  /** One line of the summary table. {@code met} is null where there is no target. */
  record Row(String figure, String rock, String plain, String ratio, String target, Boolean met) {}

  private Report(
      Results results, Map<String, String[]> micro, String microSettings, String revision,
      long elapsedSeconds, String command, String pngName) {
    this.r = results;
    this.micro = micro;
    this.microSettings = microSettings;
    this.revision = revision;
    this.elapsedSeconds = elapsedSeconds;
    this.command = command;
    this.pngName = pngName;
  }

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    Path harness = Path.of("target/bench/harness.tsv");
    Path microFile = Path.of("target/bench/micro.tsv");
    Path md = Path.of("docs/benchmarks.md");
    Path png = Path.of("docs/benchmarks.png");
    String revision = "unknown";
    String command = "scripts/bench";
    long elapsed = -1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--harness" -> harness = Path.of(args[++i]);
        case "--micro" -> microFile = Path.of(args[++i]);
        case "--md" -> md = Path.of(args[++i]);
        case "--png" -> png = Path.of(args[++i]);
        case "--revision" -> revision = args[++i];
        case "--elapsed" -> elapsed = Long.parseLong(args[++i]);
        case "--command" -> command = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Map<String, String[]> micro = new LinkedHashMap<>();
    String microSettings = null;
    if (Files.exists(microFile)) {
      for (String line : Files.readAllLines(microFile, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        if (line.startsWith("# settings")) {
          microSettings = f[1];
        } else if (!line.startsWith("#") && f.length >= 8) {
          micro.put(f[0], f);
        }
      }
    }
    Report report =
        new Report(
            Results.read(harness), micro, microSettings, revision, elapsed, command,
            png.getFileName().toString());
    String text = report.render();
    if (Files.exists(md)) {
      String old = Files.readString(md, StandardCharsets.UTF_8);
      text = StartupSection.carryOver(old, text);
      text = StartupSection.carryOver(old, text, LongFatPipe.BEGIN, LongFatPipe.END);
      text = StartupSection.carryOver(old, text, ConnectVariants.BEGIN, ConnectVariants.END);
      text = StartupSection.carryOver(old, text, AgentFigure.BEGIN, AgentFigure.END);
    }
    Files.createDirectories(md.toAbsolutePath().getParent());
    Files.writeString(md, text, StandardCharsets.UTF_8);
    Chart.write(
        png,
        "Rocks against plain java.net.Socket: each result against its target",
        report.chartSubtitle(),
        report.bars);
    System.out.println("wrote " + md + " and " + png);
  }

  // ---------------------------------------------------------------- page

  String render() {
    bulk();
    connect();
    cuts();
    idle();
    flaky();
    new StormSection(r, body, rows, bars).render();
    new SimSection(r, body, rows, bars).render();
    StringBuilder page = new StringBuilder();
    page.append("# Benchmarks\n\n");
    page.append(
        "What a rock costs, measured side by side with a plain `java.net.Socket` in the same run. This"
            + " page and its chart are written by `" + command + "` from the run they describe: no figure"
            + " on them is typed by hand. Every figure gives the spread of its runs as min / median /"
            + " max (n = number of runs); a rock/plain ratio is the ratio of the medians, except for bulk"
            + " throughput, where it is the median ratio of runs made back to back (figure 1).\n\n");
    page.append("| Run | |\n|---|---|\n");
    page.append("| Date (UTC) | ").append(fact("run.date", "?")).append(" |\n");
    page.append("| Command | `").append(command).append("`")
        .append(elapsedSeconds >= 0 ? String.format(", %d min %02d s in all", elapsedSeconds / 60, elapsedSeconds % 60) : "")
        .append(" |\n");
    page.append("| Machine | ").append(fact("machine.cpus", "?")).append(" CPUs (`nproc`), ")
        .append(fact("machine.cpu", "unknown CPU")).append(", ").append(memory()).append(" memory, Linux ")
        .append(fact("machine.kernel", "?")).append(" |\n");
    page.append("| Load average (1 / 5 / 15 min) | ").append(fact("machine.load.start", "?"))
        .append(" when the harness started, ").append(fact("machine.load.end", "?")).append(" when it ended |\n");
    page.append("| JDK | ").append(fact("jdk", "?")).append("; harness JVM flags `")
        .append(fact("jvm.args", "")).append("`; figure 1, figure 2, figures 3, 4 and 6, figure 5,"
            + " figure 7 and figure 8 each run in a JVM of their own, as JMH forks each benchmark, so that no figure's JIT"
            + " profiles or heap come from another's |\n");
    page.append("| Rocks | ").append(revision).append("; default policy: heartbeat every ")
        .append(fact("rocks.heartbeat", "?")).append(", failure sensitivity ").append(fact("rocks.sensitivity", "?"))
        .append(" (a silent link is declared dead after ").append(fact("rocks.detection", "?"))
        .append("), handshake timeout ").append(fact("rocks.handshakeTimeout", "?"))
        .append(", reconnection backoff ").append(fact("rocks.backoff", "?"));
    if (fact("rocks.idleAfter", null) != null) {
      page.append("; idle mode after ").append(millisFactText(r, "rocks.idleAfter"))
          .append(" without application data, then a heartbeat every ").append(millisFactText(r, "rocks.idleHeartbeat"));
    }
    page.append(" |\n");
    page.append("| Tools | Toxiproxy ").append(fact("toxiproxy.version", "(not run)"))
        .append("; JMH 1.37 (").append(microSettings == null ? "not run" : microSettings).append(") |\n");
    if ("true".equals(fact("run.quick", "false"))) {
      page.append("\n**This is a quick check of the harness (`--quick`): sizes and counts are cut down,"
          + " and the figures are not the published ones.**\n");
    }
    page.append("\n## Summary\n\n");
    page.append("| Figure | Rock | Plain | Rock/plain | Target | Result |\n|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      page.append("| ").append(row.figure()).append(" | ").append(row.rock()).append(" | ")
          .append(row.plain()).append(" | ").append(row.ratio()).append(" | ").append(row.target())
          .append(" | ").append(row.met() == null ? "reported" : row.met() ? "met" : "**missed**")
          .append(" |\n");
    }
    long missed = rows.stream().filter(row -> Boolean.FALSE.equals(row.met())).count();
    page.append("\n");
    if (missed > 0) {
      page.append(missed).append(missed == 1 ? " target is" : " targets are")
          .append(" missed. Each figure's section below says where the time goes, from a profile taken"
              + " in the same run.\n\n");
    } else {
      page.append("Every target is met.\n\n");
    }
    page.append("![Each result against its target](").append(pngName).append(")\n\n");
    page.append(body);
    microSection(page);
    page.append("## Reproducing\n\n");
    page.append("    ").append(command).append("\n\n");
    page.append(
        "builds `rocks-bench` (and the modules it needs), installs the Toxiproxy server if it is"
            + " missing (`scripts/install-toxiproxy`), runs the JMH micro-benchmarks"
            + " (`io.rocks.bench.Micro`), the whole-connection harness (`io.rocks.bench.Harness`) and"
            + " this report (`io.rocks.bench.Report`). The raw results are in `rocks-bench/target/bench/`."
            + " Figures 3 and 4 on a cut network namespace need root and iproute2 (`ip`, `tc`); without"
            + " them that link is reported as not measured.\n");
    return page.toString();
  }

  String chartSubtitle() {
    return String.format(
        "Run %s on %s CPUs (%s), %s. Green: target met; red: missed.",
        fact("run.date", "?"), fact("machine.cpus", "?"), fact("machine.cpu", "?"), fact("jdk", "?"));
  }

  // ---------------------------------------------------------------- figure 1

  private void bulk() {
    Stats rockOne = st("bulk.one", "rock");
    Stats plainOne = st("bulk.one", "plain");
    body.append("## 1. Bulk throughput over loopback\n\n");
    if (rockOne.isEmpty() || plainOne.isEmpty()) {
      notMeasured("1. Bulk throughput");
      return;
    }
    long bytes = Long.parseLong(fact("bulk.bytes", "0"));
    body.append(
        String.format(
            "%s each way in 64 KiB writes over a fresh loopback connection per run, one direction, then"
                + " both directions at once; plain and rock alternate, which goes first alternating too."
                + " The clock runs from the first write until the last receiver has read end of stream;"
                + " throughput counts the bytes received (both directions together when both run)."
                + " Application threads doing blocking reads and writes, the same code for both kinds:"
                + " platform threads, then all of it again with virtual threads (a plain socket used"
                + " from a virtual thread runs in non-blocking mode, as a rock's socket always does)."
                + " CPU is the process's CPU time (all threads) per GiB received.%n%n"
                + "The machine's speed drifts within a run: in some stretches both kinds move about half"
                + " as much and spend about twice the CPU per GiB, as the min and max show. So the"
                + " rock/plain ratio here, which the target is judged on, is the median of the ratios"
                + " of each rock run to the plain run right next to it (the two run back to back, in"
                + " either order), with those ratios' min and max; the ratio of the two medians is given"
                + " beside it.%n%n",
            size(bytes)));
    body.append("| | Rock | Plain | Rock/plain | Target | Result |\n|---|---|---|---|---|---|\n");
    boolean oneMet = pairedRow("1. Bulk throughput, one way", "One way, platform threads", "bulk.one");
    boolean bothMet = pairedRow("1. Bulk throughput, both ways at once", "Both ways at once, platform threads", "bulk.both");
    boolean virtualMeasured =
        !st("bulk.one.virtual", "rock").isEmpty() && !st("bulk.one.virtual", "plain").isEmpty();
    boolean oneVirtualMet = true;
    boolean bothVirtualMet = true;
    if (virtualMeasured) {
      oneVirtualMet = pairedRow("1. Bulk throughput, one way, virtual threads", "One way, virtual threads",
          "bulk.one.virtual");
      bothVirtualMet = pairedRow("1. Bulk throughput, both ways, virtual threads", "Both ways at once, virtual threads",
          "bulk.both.virtual");
    }
    Stats rockCpu = st("bulk.one.cpu", "rock");
    Stats plainCpu = st("bulk.one.cpu", "plain");
    cpuRow("CPU s per GiB, one way", "bulk.one.cpu");
    cpuRow("CPU s per GiB, both ways", "bulk.both.cpu");
    if (virtualMeasured) {
      cpuRow("CPU s per GiB, one way, virtual threads", "bulk.one.virtual.cpu");
      cpuRow("CPU s per GiB, both ways, virtual threads", "bulk.both.virtual.cpu");
    }
    body.append("\n");
    if (oneMet && bothMet && oneVirtualMet && bothVirtualMet) {
      body.append(String.format(
          "**Targets met.** A rock moves %.2f (one way) and %.2f (both ways) times what plain TCP moves"
              + " with platform threads%s.%n%n",
          pairedRatio("bulk.one"), pairedRatio("bulk.both"),
          virtualMeasured
              ? String.format(", and %.2f and %.2f times with virtual threads",
                  pairedRatio("bulk.one.virtual"),
                  pairedRatio("bulk.both.virtual"))
              : ""));
    }
    body.append("### How a rock moves bulk data\n\n");
    body.append(
        "While bytes stream, the application's own threads do a rock's socket I/O, as they do a plain"
            + " socket's. A `write` copies the bytes into the in-flight buffer (kept for"
            + " retransmission; `RockStreams.write`, `FrameStore.append`), which keeps them in slots of"
            + " up to 64 KiB with room for a DATA header in front of each; then, if no other thread is"
            + " writing, it writes the header in place and the frames to the socket straight from"
            + " that buffer (`RockSender.sendDueInline`, `RockSession.fill`, `FrameStore.writeHeader`,"
            + " `FrameWriter.flushTo`). The socket is a channel's and the buffer's arrays are direct,"
            + " so the kernel takes the bytes from there, in calls of up to 128 KiB, without the copy"
            + " into a temporary direct buffer the JDK makes for a heap array. A `read` that finds nothing buffered reads the next"
            + " frame from the socket itself once the rock's reader thread has lent it the connection"
            + " (`RockStreams.readInline`), copies the payload straight into the caller's array"
            + " (`RockSession.onData`), and sends the acknowledgement that makes due from the same thread."
            + " Acknowledgements go every quarter of the window (256 KiB by default), or when a DATA_ACK"
            + " frame asks. The rock's reader and writer virtual threads stay parked: the reader takes"
            + " the connection back when the application has not read from it for 5 ms, the writer"
            + " sends heartbeats and retransmissions. Compared with plain, each byte is copied once"
            + " more in the JVM, from the received frame into the caller's array (the copy into the"
            + " in-flight buffer stands in for the one plain's stream makes into the JDK's direct"
            + " buffer), and every 64 KiB carries a 13-byte header. Writing from direct arrays"
            + " through the channel was measured against heap arrays through the socket's stream in"
            + " alternating transfers in one process, 8 of each: with virtual threads 8% more"
            + " throughput one way and 3% more both ways; with platform threads the same one way and"
            + " 7% more both ways. Measured too and not kept, both ways at once: the whole batch in"
            + " one gathering write (9% slower than heap arrays through the stream, virtual threads),"
            + " gathering writes capped at 128 KiB (6 to 14% slower) and calls capped at 64 KiB (3%"
            + " slower, platform threads). A platform thread reading frames asks each read for at"
            + " most 64 KiB (unless the frame needs more), a virtual thread for all the room in its"
            + " buffer (up to four frames): in alternating transfers, 10 of each, capping reads at 64"
            + " KiB made platform threads 5 to 6% faster one way and 5% both ways, and virtual"
            + " threads 7 to 12% slower; a cap of 16 KiB gained 3% and one of 128 KiB nothing for"
            + " platform threads. Writing frames"
            + " from the in-flight buffer instead of copying each into a frame buffer first was"
            + " measured against that copy in alternating transfers in one process: 2 to 7% more"
            + " throughput in each of four pairs of 11 runs.\n\n");
    String futex = fact("bulk.syscalls.rock.futex", null);
    if (futex != null) {
      body.append(String.format(
          "Counted in the same run with strace, per GiB: a rock made %,d futex calls against %,d for"
              + " plain, %,d epoll_wait and %,d epoll_ctl calls against %,d and %,d, %,d reads against"
              + " %,d and %,d writes against %,d.%n%n",
          Long.parseLong(futex), Long.parseLong(fact("bulk.syscalls.plain.futex", "0")),
          Long.parseLong(fact("bulk.syscalls.rock.epoll_wait", "0")),
          Long.parseLong(fact("bulk.syscalls.rock.epoll_ctl", "0")),
          Long.parseLong(fact("bulk.syscalls.plain.epoll_wait", "0")),
          Long.parseLong(fact("bulk.syscalls.plain.epoll_ctl", "0")),
          Long.parseLong(fact("bulk.syscalls.rock.read", "0")), Long.parseLong(fact("bulk.syscalls.plain.read", "0")),
          Long.parseLong(fact("bulk.syscalls.rock.write", "0")), Long.parseLong(fact("bulk.syscalls.plain.write", "0"))));
    }
    codeBlock("System calls, one way:", r.profile("bulk.syscalls"));
    String switches = fact("bulk.switches.rock", null);
    if (switches != null) {
      body.append(String.format(
          "Counted in the same run from Linux's per-thread counters, one more transfer of each kind:"
              + " a rock's threads stopped running %,d times per GiB, plain's %,d; %,d of the rock's"
              + " were the virtual-thread scheduler's carrier and poller threads, which wake only when"
              + " a rock's own virtual thread has work.%n%n",
          Long.parseLong(switches), Long.parseLong(fact("bulk.switches.plain", "0")),
          Long.parseLong(fact("bulk.switches.rock.scheduler", "0"))));
    }
    codeBlock("Context switches by thread group, one way:", r.profile("bulk.switches"));
    String rockWrites = fact("bulk.sockets.rock.writes", null);
    String plainWrites = fact("bulk.sockets.plain.writes", null);
    if (rockWrites != null && plainWrites != null) {
      body.append(
          String.format(
              "Counted in the same run with JFR's socket events: a rock made %,d socket writes and %,d"
                  + " reads per GiB, of which %,d writes were of 64 bytes or less (acknowledgements and"
                  + " window updates on their own); plain made %,d writes and %,d reads.%n%n",
              Long.parseLong(rockWrites),
              Long.parseLong(fact("bulk.sockets.rock.reads", "0")),
              Long.parseLong(fact("bulk.sockets.rock.small", "0")),
              Long.parseLong(plainWrites),
              Long.parseLong(fact("bulk.sockets.plain.reads", "0"))));
    }
    codeBlock("Socket calls, rock, one way (JFR jdk.SocketWrite / jdk.SocketRead):", r.profile("bulk.sockets.rock"));
    codeBlock("Socket calls, plain, one way:", r.profile("bulk.sockets.plain"));
    if (!oneMet || !bothMet || !oneVirtualMet || !bothVirtualMet) {
      body.append("**Target missed.** ");
      body.append(
          String.format(
              "A rock moves %.2f times (one way) and %.2f times (both ways) what plain TCP moves with"
                  + " platform threads%s, against a target of at least 0.95. It spends %.2f times"
                  + " plain's CPU per GiB one way (platform threads), on a machine with %s CPUs, where"
                  + " both ends of the transfer share the two CPUs.%n%n",
              pairedRatio("bulk.one"),
              pairedRatio("bulk.both"),
              virtualMeasured
                  ? String.format(", %.2f and %.2f times with virtual threads",
                      pairedRatio("bulk.one.virtual"),
                      pairedRatio("bulk.both.virtual"))
                  : "",
              rockCpu.median() / plainCpu.median(),
              fact("machine.cpus", "?")));
      body.append("### Where the time goes\n\n");
      List<String> rockProfile = r.profile("bulk.rock");
      List<String> plainProfile = r.profile("bulk.plain");
      double rockSyscalls = selfShare(rockProfile, m -> m.startsWith("SocketDispatcher."));
      double plainSyscalls = selfShare(plainProfile, m -> m.startsWith("SocketDispatcher."));
      double rockOwn = selfShare(rockProfile,
          m -> m.startsWith("RealRock.") || m.startsWith("Rock") || m.startsWith("ByteRing.") || m.startsWith("Frame"));
      double rockPoll = selfShare(rockProfile, m -> m.equals("Net.poll") || m.endsWith("Impl.timedRead"));
      body.append(
          String.format(
              "The thread hand-offs that used to dominate are gone (the context switches above). In the"
                  + " CPU profiles below, %.0f%% of a rock transfer's samples and %.0f%% of a plain one's"
                  + " are in the socket system calls themselves (`SocketDispatcher.write0`, `read0`: for"
                  + " loopback these include the kernel's delivery to the receiving socket). %.0f%% are"
                  + " in the rock's own methods, where its extra work runs: its copies of every byte"
                  + " (`System.arraycopy` and buffer copies are compiled into their callers:"
                  + " `bufferAndSend` copies into the in-flight buffer, `onFrame` from the frame into the"
                  + " caller's array), the framing and the rock's lock. %.0f%% are the"
                  + " receiving thread in `Net.poll` and `timedRead`: the JDK puts a"
                  + " socket that a virtual thread has used into non-blocking mode, so a platform"
                  + " thread's blocking read on it is a read, a poll and a read again where plain's is"
                  + " one read (with virtual threads as the application's, plain's socket is in"
                  + " non-blocking mode too, and the two kinds wait alike)."
                  + " Reading each DATA payload from the socket straight into the caller's array, which"
                  + " saves the copy from the frame but costs a read call per frame for the header, was"
                  + " measured and not kept: in alternating transfers it was no faster and used no less"
                  + " CPU.%n%n",
              rockSyscalls, plainSyscalls, rockOwn, rockPoll));
    }
    codeBlock(
        "CPU profile of one more rock transfer, one way (" + fact("bulk.profiled.rock", "?")
            + " MiB/s under the profiler):",
        r.profile("bulk.rock"));
    codeBlock(
        "CPU profile of one more plain transfer, one way (" + fact("bulk.profiled.plain", "?")
            + " MiB/s under the profiler):",
        r.profile("bulk.plain"));
  }

  // ---------------------------------------------------------------- figure 2

  private void connect() {
    body.append("## 2. Connect to first echoed byte\n\n");
    Stats rockLoop = st("connect.loopback", "rock");
    Stats plainLoop = st("connect.loopback", "plain");
    if (rockLoop.isEmpty()) {
      notMeasured("2. Connect to first echoed byte");
      return;
    }
    Stats rockEarly = st("connect.loopback.early", "rock");
    Stats plainEarly = st("connect.loopback.early", "plain");
    String early = fact("connect.warmups.early", "?");
    String steady = fact("connect.warmups", "?");
    body.append(
        "The client connects (`Rocks.connect` with the default options, or a plain `Socket`), writes one"
            + " byte and reads it back from an echo server: an accept loop and a virtual thread per"
            + " connection, the same code for both kinds. Plain and rock alternate; after each"
            + " measurement both ends are closed and waited for, so no close overlaps the next connect."
            + " On loopback the figure is measured twice in the same process: after " + early
            + " connects of each kind, as a freshly started process sees them, and after " + steady
            + ", in the steady state of a long-running one, once the JIT compiler has optimized the"
            + " code both kinds run (a rock runs more of it, so it gains more); the target is for the"
            + " steady state. Through Toxiproxy, a latency toxic of 5 ms on each direction makes a 10"
            + " ms round trip.\n\n");
    body.append("| | Rock | Plain | Rock/plain | Target | Result |\n|---|---|---|---|---|---|\n");
    boolean loopMet =
        ratioRow("2. Connect to first echoed byte, loopback", "Loopback, after " + steady + " connects",
            rockLoop, plainLoop, "ms", 2.0, false);
    if (!rockEarly.isEmpty() && !plainEarly.isEmpty()) {
      body.append(String.format("| Loopback, after %s connects | %s | %s | %s | none (reported) | |%n",
          early, spread(rockEarly, "ms"), spread(plainEarly, "ms"),
          ratioText(rockEarly.median() / plainEarly.median(), 2.0)));
    }
    Stats rockToxi = st("connect.toxiproxy", "rock");
    Stats plainToxi = st("connect.toxiproxy", "plain");
    boolean toxiMet = true;
    if (!rockToxi.isEmpty()) {
      toxiMet = ratioRow("2. Connect to first echoed byte, 10 ms round trip (Toxiproxy)", "Toxiproxy, 10 ms round trip", rockToxi, plainToxi, "ms", 1.15, false);
    }
    body.append("\n");
    body.append(loopMet && toxiMet ? "**Targets met.** " : "**Target missed.** ");
    body.append(
        String.format(
            "On loopback a rock takes %s to its first echoed byte against %s for plain: %s times%s.%s%n%n",
            ms(rockLoop.median()), ms(plainLoop.median()),
            ratioText(rockLoop.median() / plainLoop.median(), 2.0),
            loopMet ? ", within the target" : ", not at most 2.0",
            rockToxi.isEmpty() ? ""
                : String.format(
                    " Over the 10 ms link it adds %s to plain's %s (%s times)%s.",
                    ms(rockToxi.median() - plainToxi.median()), ms(plainToxi.median()),
                    ratioText(rockToxi.median() / plainToxi.median(), 1.15),
                    toxiMet ? ", within the target, so no round trip is added"
                        : ", not at most 1.15")));
    if (!rockEarly.isEmpty() && !plainEarly.isEmpty()) {
      body.append(
          String.format(
              "A freshly started process pays more: after %s connects of each kind a rock took %s"
                  + " against plain's %s (%s times).%n%n",
              early, ms(rockEarly.median()), ms(plainEarly.median()),
              ratioText(rockEarly.median() / plainEarly.median(), 2.0)));
    }
    body.append("### Where the time goes\n\n");
    body.append(
        "The same steady-state connects, timed at four points from the start of connect (medians on"
            + " loopback): when `connect` returned, when the server's `accept` returned, when the"
            + " server's echo read the byte, and when the client read the echo.\n\n");
    body.append("| Point | Rock | Plain | Rock - plain |\n|---|---|---|---|\n");
    String[][] points = {
      {"connected", "`connect` returned"},
      {"accepted", "server `accept` returned"},
      {"serverRead", "server read the byte"},
      {"", "client read the echo"}
    };
    for (String[] point : points) {
      String key = point[0].isEmpty() ? "connect.loopback" : "connect.loopback." + point[0];
      Stats rock = st(key, "rock");
      Stats plain = st(key, "plain");
      body.append(String.format("| %s | %s | %s | %s |%n", point[1], ms(rock.median()), ms(plain.median()),
          ms(rock.median() - plain.median())));
    }
    body.append("\n");
    double keyPair = microMedian("HandshakeCryptoBench.x25519KeyPair");
    double shared = microMedian("HandshakeCryptoBench.x25519SharedSecret");
    double both = microMedian("HandshakeCryptoBench.establishBothSides");
    double gap = (rockLoop.median() - plainLoop.median()) * 1000; // microseconds
    if (!Double.isNaN(keyPair) && !Double.isNaN(shared)) {
      body.append(
          String.format(
              "No key agreement lies on the path. Key pairs are made ahead of time (`KeyPairPool`, 16"
                  + " per JVM, refilled by a background thread), and without a pre-shared secret"
                  + " neither side computes the X25519 shared secret while the rock connects: HELLO"
                  + " and WELCOME carry the public keys and nonces, each side keeps them"
                  + " (`PendingKey`), and the first resume computes the key, which only a resume"
                  + " needs (with a pre-shared secret both sides compute it at once, since the"
                  + " CONFIRMs that prove the secret need it). The JMH micro-benchmarks of this run"
                  + " put a shared secret at %s and a key pair at %s (%s for everything both sides"
                  + " compute for a rock, key pairs included, `establishBothSides`).%n%n"
                  + "The server answers HELLO with WELCOME and the rock's first ACK in one write,"
                  + " hands the rock to `accept`, and its handshake thread goes on as the rock's"
                  + " reader; the client's first read takes WELCOME itself instead of waking its"
                  + " reader thread. What a rock still adds, %s over plain's %s: HELLO and WELCOME"
                  + " (a write and a wake-up each way), the framing of the byte each way, and three"
                  + " threads started on a connect that a plain socket does not start (the writers"
                  + " of both ends and the client's reader, which starts parked), on a machine whose"
                  + " %s CPUs carry both ends.%n%n",
              us(shared), us(keyPair), us(both), us(gap), ms(plainLoop.median()),
              fact("machine.cpus", "?")));
    }
    codeBlock(
        "CPU profile of " + fact("connect.profiled.rock", "?") + " more rock connects on loopback ("
            + fact("connect.profiled.rock.ms", "?") + " ms each, close included):",
        r.profile("connect.rock"));
    body.append(
        "Measured and kept, each the faster of every pair in alternating connects in one process:"
            + " leaving the key agreement to the first resume; WELCOME and the first ACK in one"
            + " write, which also counts as the connection's last send so the server's writer thread"
            + " sends no heartbeat as it starts; the handshake thread going on as the reader; the"
            + " client's first read taking WELCOME. Also kept: a platform thread as the server"
            + " socket's accept loop, which the kernel wakes directly (a virtual one is woken through"
            + " the poller and a carrier thread): in four runs of this figure each way, 1.84 to 1.97"
            + " times plain against 2.22 to 2.34. Measured and not kept: HELLO and the client's"
            + " first ACK in one write, starting a new rock's writer thread only once the rock has"
            + " its key, and reusing the server's key pair across rocks (measured with one pair for"
            + " all, to bound the gain; all three within the run-to-run spread); starting the"
            + " reader and writer threads a millisecond after the connect from a timer, holding WELCOME back to ride along with the server's first"
            + " data, and doing the handshake on the accept loop's thread when HELLO has already"
            + " arrived (each slower); waking the connector's writer thread as soon as WELCOME is"
            + " read, to send the ACK that tells the server so (protocol version 4's WELCOMED flag,"
            + " which instead rides along with the next data or heartbeat): 1.86 to 2.21 times"
            + " plain against 1.69 to 1.97 in four alternating pairs of runs.\n\n");
    body.append(
        "Later, with the connect figure measured four ways (the section after figure 1), measured"
            + " and kept: no echo asked before a new rock's handshake sample is in, DATA frames under"
            + " 4 KiB copied into the batch so the ACK beside them goes in the same write call, CLOSE"
            + " in the same write as the last ACK of an orderly end and none from the side that ends"
            + " on that ACK, an accepted rock's first read taking the client's frames itself, and"
            + " HELLO sent before the connecting side makes its rock. A connect, one echoed byte and"
            + " an orderly close went from 12 write calls to 7 (counted with strace), and the"
            + " process's CPU time per connect, rock after rock, from 1.00 to 1.35 ms to 0.80 to 0.90"
            + " ms (plain: 0.19 to 0.27 ms). In two alternating pairs of runs of the four variants"
            + " against the build before, the rock's p50 went from 0.29 to 0.40 ms to 0.28 to 0.40 ms"
            + " (right after close with platform threads 0.36 and 0.40 ms to 0.28 and 0.32 ms), and"
            + " its p99 from 0.88 to 2.31 ms to 0.75 to 2.17 ms. Measured and not kept: the virtual"
            + " thread that makes key pairs ahead yielding between pairs, and one key pair for all"
            + " rocks (to bound what making pairs costs): both within the spread; and two changes"
            + " aimed at the server's hand-offs, measured together in two alternating pairs of runs of"
            + " the four variants and four pairs of rock-after-rock runs against the build before:"
            + " the accept loop waiting up to 1 ms for HELLO and making the rock itself while no"
            + " other handshake runs (its accept-to-HELLO time fell from about 70 to 11 us), and"
            + " HELLO carrying the connector's first ACK so that no writer thread starts for a new"
            + " rock on either side: rock p50 0.23 to 0.32 ms against 0.24 to 0.30 ms, CPU per connect"
            + " 0.71 to 0.80 ms against 0.69 to 0.86 ms, within the spread. Where the time goes"
            + " now, timed at points on both sides (medians, rock after rock): the server's accept"
            + " loop has the connection 84 us after the client started, the handshake's virtual"
            + " thread runs 33 us later, has read HELLO 20 to 40 us later and sent WELCOME 20 us"
            + " after that, and the rock is queued for accept 40 us later (making the rock, its"
            + " registry entry, its threads), 120 to 140 us after the accept loop had the"
            + " connection, where a plain server's accept returns at once; the rest of the"
            + " difference is the application's first read (25 to 40 us against 7 us).\n\n");
  }

  // ---------------------------------------------------------------- figures 3 and 4

  private void cuts() {
    body.append("## 3. Silent cut to suspension\n\n");
    boolean toxi = !st("toxiproxy.detect.client", "rock").isEmpty();
    boolean netns = !st("netns.detect.client", "rock").isEmpty();
    if (!toxi && !netns) {
      notMeasured("3. Silent cut to suspension");
      notMeasuredSection4();
      return;
    }
    body.append(
        "An idle rock (heartbeats only) and an idle plain socket pair (SO_KEEPALIVE on) cross the same"
            + " link, which is cut silently: every packet vanishes, nothing is closed. The figure is the"
            + " time from the cut until each side of the rock reports `suspended`, over "
            + fact(toxi ? "toxiproxy.cut.count" : "netns.cut.count", "?")
            + " cuts, each after a random 0.5 to 1 s of idleness, at the default policy. Two links:\n\n"
            + "- **Toxiproxy**: " + fact("toxiproxy.cut.tool", "not measured") + ".\n"
            + "- **Packet loss (netns)**: " + fact("netns.cut.tool", "not measured: " + fact("netns.skipped", "?"))
            + ". Here the kernel's TCP runs its own timers, as on a real link.\n\n");
    body.append("| | Connecting side | Accepting side | Plain socket | Target | Result |\n|---|---|---|---|---|---|\n");
    String keepalive = String.format(
        "TCP keepalive here: first probe after %s s, %s probes %s s apart",
        fact("tcp.keepalive_time", "?"), fact("tcp.keepalive_probes", "?"), fact("tcp.keepalive_intvl", "?"));
    boolean met3 = true;
    for (String model : List.of("toxiproxy", "netns")) {
      Stats client = st(model + ".detect.client", "rock");
      Stats server = st(model + ".detect.server", "rock");
      if (client.isEmpty()) {
        continue;
      }
      double worst = Math.max(client.max(), server.max());
      boolean met = worst <= 2.0;
      met3 &= met;
      String name = model.equals("toxiproxy") ? "Toxiproxy" : "Packet loss (netns)";
      String plain = plainDetection(model);
      body.append(String.format("| %s | %s | %s | %s | at most 2 s | %s |%n",
          name, spread(client, "s"), spread(server, "s"), plain, verdict(met)));
      rows.add(new Row(
          "3. Silent cut to suspension, " + name,
          "median " + seconds(client.median()) + ", max " + seconds(worst),
          plain, "", "at most 2 s (every cut, both sides)", met));
      bars.add(new Chart.Bar("3. Cut to suspension, " + name + " (max)", 2.0 / worst, met,
          String.format("max %s (target at most 2 s)", seconds(worst))));
    }
    body.append("\n").append(keepalive).append(
        " (and only with SO_KEEPALIVE on): an idle plain socket learns of a silent cut after hours, or"
            + " never.\n\n");
    List<String> causes = new ArrayList<>();
    for (String model : List.of("toxiproxy", "netns")) {
      String c = fact(model + ".detect.server.causes", null);
      if (c != null) {
        causes.add((model.equals("toxiproxy") ? "through Toxiproxy " : "on the cut network namespace ") + c);
      }
    }
    if (!causes.isEmpty()) {
      body.append("What the accepting side suspended on: ").append(String.join("; ", causes)).append(
          ". A `SocketTimeoutException` is its own heartbeat detection; an `EOFException` means the"
              + " connecting side suspended first and closed its connection, which Toxiproxy passes"
              + " through the toxic to the server (a cut network namespace lets nothing through).\n\n");
    }
    if (!met3) {
      body.append(
          "**Target missed.** Detection is the policy's: a connection is declared dead after "
              + fact("rocks.detection", "?") + " without a byte, checked every heartbeat interval.\n\n");
    }

    body.append("## 4. Link restoration to data flowing again\n\n");
    body.append(
        "In the same cuts: once both sides have suspended, the client writes one byte (it waits in the"
            + " in-flight buffer); the cut is held for a random 2.5 to 4 s in all, then the link is"
            + " restored. The figure is the time from the restoration until that byte's echo reaches the"
            + " client: the rock has reconnected, proved itself, retransmitted the byte, and the echo"
            + " came back. p50 is the median.\n\n");
    body.append("| | p50 | Spread | Resumed (p50) | Plain socket | Target | Result |\n|---|---|---|---|---|---|---|\n");
    List<String> missedModels = new ArrayList<>();
    for (String model : List.of("toxiproxy", "netns")) {
      Stats data = st(model + ".restore.data", "rock");
      if (data.isEmpty()) {
        continue;
      }
      Stats resumed = st(model + ".restore.resumed", "rock");
      boolean met = data.median() <= 300;
      if (!met) {
        missedModels.add(model);
      }
      String name = model.equals("toxiproxy") ? "Toxiproxy" : "Packet loss (netns)";
      String plain = model.equals("toxiproxy")
          ? "does not recover: " + shortFate(fact(model + ".detect.plain.outcome", "?"))
          : "no recovery of its own; " + shortFate(fact(model + ".detect.plain.outcome", "?"));
      body.append(String.format("| %s | %s | %s | %s | %s | p50 at most 300 ms | %s |%n",
          name, ms(data.median()), spread(data, "ms"), ms(resumed.median()), plain, verdict(met)));
      rows.add(new Row(
          "4. Restoration to data flowing, " + name,
          "p50 " + ms(data.median()) + ", max " + ms(data.max()),
          model.equals("toxiproxy") ? "connection lost" : "never noticed the cut",
          "", "p50 at most 300 ms", met));
      bars.add(new Chart.Bar("4. Restoration to data, " + name + " (p50)", 300 / Math.max(data.median(), 1e-3), met,
          String.format("p50 %s (target at most 300 ms)", ms(data.median()))));
    }
    body.append("\n");
    if (toxi) {
      body.append(
          "Removing Toxiproxy's timeout toxic closes every connection that crossed it"
              + " (`TimeoutToxic.Cleanup` in Toxiproxy's toxics/timeout.go), so a reconnection attempt stuck"
              + " behind the cut fails at once with end of stream, and the next attempt, after the first"
              + " backoff pause, resumes the rock. On the cut network namespace nothing is closed: an"
              + " attempt caught in the cut waits for TCP to retransmit its SYN (or the resume"
              + " handshake), or for its connect or handshake timeout.\n\n");
    }
    for (String model : List.of("toxiproxy", "netns")) {
      List<String> timeline = r.profile(model + ".restore.timeline");
      if (timeline.isEmpty()) {
        continue;
      }
      String name = model.equals("toxiproxy") ? "Toxiproxy" : "packet loss (netns)";
      List<String> lines = new ArrayList<>(timeline);
      List<String> failures = r.profile(model + ".restore.failures");
      if (!failures.isEmpty()) {
        lines.add("");
        lines.add("Reconnection attempts that failed, by error:");
        lines.addAll(failures);
      }
      details("Every cut, " + name + " (times from the cut, then from the restoration)", lines);
    }
    if (!missedModels.isEmpty()) {
      body.append("**Target missed** on ").append(String.join(" and ", missedModels.stream()
          .map(m -> m.equals("toxiproxy") ? "Toxiproxy" : "the cut network namespace").toList()))
          .append(".\n\n### Where the time goes\n\n");
      for (String model : missedModels) {
        Stats data = st(model + ".restore.data", "rock");
        Stats waited = st(model + ".restore.waited", "rock");
        Stats resumed = st(model + ".restore.resumed", "rock");
        long waitedCuts = r.samples(model + ".restore.waited", "rock").stream().filter(v -> v > 0).count();
        body.append(String.format(
            "%s: p50 %s from restoration to data, of which the rock resumed after %s (p50); the rest is"
                + " the retransmission and the echo. In %d of %d cuts the reconnection attempt in flight at"
                + " the restoration failed afterwards (p50 %s after the restoration) before the next attempt"
                + " could resume the rock; in the others the attempt in flight itself got through once TCP"
                + " retransmitted. A suspended rock makes one attempt at a time and each waits up to the"
                + " connect timeout and then the handshake timeout (%s) for packets lost in the cut"
                + " (`Supervisor.reconnect` -> `Dialer.dial` / `Handshake.clientResume`), while only"
                + " the pause between attempts is backed off (%s).%n%n",
            model.equals("toxiproxy") ? "Toxiproxy" : "Packet loss (netns)",
            ms(data.median()), ms(resumed.median()), waitedCuts, data.n(),
            ms(Stats.of(r.samples(model + ".restore.waited", "rock").stream().filter(v -> v > 0).toList()).median()),
            fact("rocks.handshakeTimeout", "?"), fact("rocks.backoff", "?")));
      }
      body.append(
          "Recovery would not wait on a lost packet if a suspended rock started a fresh attempt every"
              + " backoff pause while earlier ones are still pending (keeping the first to succeed), or gave"
              + " each attempt a timeout of a few round trips instead of seconds.\n\n");
    }
  }

  private void notMeasuredSection4() {
    body.append("## 4. Link restoration to data flowing again\n\nNot measured in this run.\n\n");
    rows.add(new Row("4. Restoration to data flowing", "not measured", "", "", "p50 at most 300 ms", null));
  }

  private String plainDetection(String model) {
    String detected = fact(model + ".detect.plain.detected", null);
    if (detected == null) {
      return "?";
    }
    String outcome = fact(model + ".detect.plain.outcome", "");
    String text = String.format("noticed %s of %s cuts", detected, fact(model + ".detect.plain.cuts", "?"));
    return outcome.startsWith("ended") ? text + "; " + shortFate(outcome) : text;
  }

  private static String shortFate(String outcome) {
    int colon = outcome.indexOf(" (");
    return colon > 0 ? outcome.substring(0, colon) : outcome;
  }

  // ---------------------------------------------------------------- figure 5

  private void idle() {
    body.append("## 5. 10,000 idle rocks in one JVM\n\n");
    String checkpointList = fact("idle.checkpoints", null);
    if (checkpointList == null) {
      notMeasured("5. Idle rocks");
      String collapse = fact("idle.collapse", null);
      if (collapse != null) {
        body.append("Stopped before the first checkpoint: ").append(collapse).append(".\n\n");
      }
      return;
    }
    int n = Integer.parseInt(fact("idle.count", "0"));
    List<Integer> checkpoints = new ArrayList<>();
    for (String c : checkpointList.split(",")) {
      checkpoints.add(Integer.parseInt(c));
    }
    int top = checkpoints.get(checkpoints.size() - 1);
    String reduced = fact("idle.reduced", null);
    if (reduced != null) {
      body.append("**Fewer connections than 10,000:** ").append(reduced).append(".\n\n");
    }
    body.append(String.format(
        "Up to %s connections held open and idle, with no application thread: the connecting ends in"
            + " the harness JVM and the accepting ends in a second JVM (`IdlePeer`, `-Xmx1g`), since one"
            + " JVM holding both would need 20,000 file descriptors, the whole limit here. Plain socket"
            + " pairs first (%s), then rock pairs, connected one at a time in batches, each batch"
            + " waited for until both ends are connected, and measured at %s rocks, each time %s after"
            + " the checkpoint's last rock was connected: in the first minute, with heartbeats at the"
            + " usual interval (fast mode). Heap per connection is the used heap after full collections,"
            + " before and after, divided by the count (3 snapshots a second apart); platform threads"
            + " are `ThreadMXBean.getThreadCount()`; CPU is each process's CPU time over %d windows of"
            + " %s s while everything is idle, as a share of one core (for rocks: heartbeats, one each"
            + " way whenever a side has sent nothing for %s). A rock enters idle mode once it has"
            + " carried no application byte for %s, so the rocks connected first may have entered it"
            + " by a later checkpoint: the last column counts those, at the end of that checkpoint's"
            + " measurements. With all rocks connected, they are measured once more in idle mode"
            + " (below).%n%n",
        String.format("%,d", n), String.format("%,d", n),
        String.join(", ", checkpoints.stream().map(c -> String.format("%,d", c)).toList()),
        fastPauseText(), st("idle." + top + ".cpu.client", "rock").n(), fact("idle.window", "?"),
        fact("rocks.heartbeat", "?"), millisFactText(r, "rocks.idleAfter")));
    body.append("| Rocks | Heap per rock, connecting | Heap per rock, accepting |"
        + " CPU in the first minute, connecting JVM (% of a core; heartbeats every " + fact("rocks.heartbeat", "?") + ")"
        + " | CPU in the first minute, accepting JVM | Platform threads (connecting / accepting)"
        + " | In idle mode already (connecting / accepting) |\n");
    body.append("|---|---|---|---|---|---|---|\n");
    body.append(String.format("| 0 | | | | | %s / %s | |%n",
        fact("idle.threads.client.0", "?"), fact("idle.threads.server.0", "?")));
    for (int c : checkpoints) {
      String p = "idle." + c;
      body.append(String.format("| %,d | %s | %s | %s | %s | %s / %s | %s / %s |%n", c,
          spread(st(p + ".heap.client", "rock"), "KiB"), spread(st(p + ".heap.server", "rock"), "KiB"),
          spread(st(p + ".cpu.client", "rock"), "%"), spread(st(p + ".cpu.server", "rock"), "%"),
          fact(p + ".threads.client", "?"), fact(p + ".threads.server", "?"),
          fact(p + ".inIdleMode.client", "?"), fact(p + ".inIdleMode.server", "?")));
    }
    body.append(String.format("| %,d plain | %s | %s | %s | %s | %s / %s | |%n%n", n,
        spread(st("idle.plain.heap.client", "plain"), "KiB"), spread(st("idle.plain.heap.server", "plain"), "KiB"),
        spread(st("idle.plain.cpu.client", "plain"), "%"), spread(st("idle.plain.cpu.server", "plain"), "%"),
        fact("idle.plain.threads.client", "?"), fact("idle.plain.threads.server", "?")));

    String collapse = fact("idle.collapse", null);
    body.append("| At " + String.format("%,d", top) + ", first minute | Rock | Plain | Rock/plain | Target | Result |\n|---|---|---|---|---|---|\n");
    if (collapse != null) {
      body.append(String.format("| %,d idle rocks held | stopped at %,d | | | all held, none suspended | **missed** |%n", n, top));
      rows.add(new Row(String.format("5. %,d idle rocks held without false suspensions", n),
          String.format("stopped after %,d", top), "", "", "all held", false));
    }
    for (String side : List.of("client", "server")) {
      Stats rock = st("idle." + top + ".heap." + side, "rock");
      Stats plain = st("idle.plain.heap." + side, "plain");
      boolean met = rock.median() <= IDLE_HEAP_TARGET_KIB;
      String name = side.equals("client") ? "connecting" : "accepting";
      body.append(String.format("| Heap per connection, %s side | %s | %s | %s | at most %s | %s |%n",
          name, kib(rock.median()), kib(plain.median()), ratio(rock, plain), kib0(IDLE_HEAP_TARGET_KIB), verdict(met)));
      rows.add(new Row(String.format("5. Heap per idle rock at %,d, first minute, %s side", top, name), kib(rock.median()),
          kib(plain.median()), ratio(rock, plain), "at most " + kib0(IDLE_HEAP_TARGET_KIB), met));
      bars.add(new Chart.Bar(String.format("5. Heap per idle rock, %s", name), IDLE_HEAP_TARGET_KIB / rock.median(), met,
          String.format("%s at %,d rocks (target at most %s)", kib(rock.median()), top, kib0(IDLE_HEAP_TARGET_KIB))));
    }
    int cpus = Integer.parseInt(fact("machine.cpus", "2"));
    for (String side : List.of("client", "server")) {
      String first = fact("idle." + checkpoints.get(0) + ".threads." + side, "?");
      String last = fact("idle." + top + ".threads." + side, "?");
      String zero = fact("idle.threads." + side + ".0", "?");
      boolean met;
      try {
        met = Integer.parseInt(last) - Integer.parseInt(first) <= cpus;
      } catch (NumberFormatException e) {
        met = false;
      }
      String name = side.equals("client") ? "connecting" : "accepting";
      body.append(String.format(
          "| Platform threads at 0 / %,d / %,d rocks, %s JVM | %s / %s / %s | %s | | constant, not one per rock | %s |%n",
          checkpoints.get(0), top, name, zero, first, last, fact("idle.plain.threads." + side, "?"), verdict(met)));
      rows.add(new Row(String.format("5. Platform threads at 0 / %,d / %,d rocks, %s JVM", checkpoints.get(0), top, name),
          zero + " / " + first + " / " + last, fact("idle.plain.threads." + side, "?"), "", "constant, not one per rock", met));
    }
    for (String side : List.of("client", "server")) {
      Stats rock = st("idle." + top + ".cpu." + side, "rock");
      Stats plain = st("idle.plain.cpu." + side, "plain");
      String name = side.equals("client") ? "connecting" : "accepting";
      body.append(String.format("| CPU in the first minute (heartbeats every %s), %s JVM | %s of a core | %s | | reported | |%n",
          fact("rocks.heartbeat", "?"), name, pct(rock.median()), pct(plain.median())));
      rows.add(new Row(String.format("5. CPU in the first minute at %,d rocks (heartbeats every %s), %s JVM",
              top, fact("rocks.heartbeat", "?"), name),
          pct(rock.median()) + " of a core", pct(plain.median()), "", "reported (no target)", null));
    }
    body.append("\n");
    if (collapse != null) {
      body.append("**Target missed: ").append(String.format("%,d", n)).append(" idle rocks were not held.** ")
          .append("Ramping up stopped ").append(collapse).append(". Nothing was cut: the heartbeats of that"
              + " many rocks, on both ends on this machine, came too late. The figures above are those of"
              + " the last checkpoint that held.\n\n");
    } else {
      body.append(String.format(
          "All %,d rock pairs stayed connected through the measurements, none suspended; connecting them"
              + " in batches took %s s.%n%n", top, fact("idle.connectSeconds", "?")));
    }
    Stats cpuTop = st("idle." + top + ".cpu.client", "rock");
    body.append(String.format(
        "In the first minute idle rocks cost CPU in proportion to their number: at %,d rocks the"
            + " connecting JVM spends %s of a core, about %.0f µs of CPU per rock per second, almost all"
            + " of it sending and receiving heartbeats (the profile below).%n%n",
        top, pct(cpuTop.median()), cpuTop.median() / 100 * 1e6 / top));
    Stats heapClient = st("idle." + top + ".heap.client", "rock");
    Stats heapServer = st("idle." + top + ".heap.server", "rock");
    if (heapClient.median() > IDLE_HEAP_TARGET_KIB || heapServer.median() > IDLE_HEAP_TARGET_KIB) {
      body.append("**Target missed.** ").append(String.format(
          "In the first minute an idle rock holds %s (connecting side) and %s (accepting side) of heap,"
              + " not at most %s.%n%n",
          kib(heapClient.median()), kib(heapServer.median()), kib0(IDLE_HEAP_TARGET_KIB)));
      body.append("### Where the heap goes\n\n");
      body.append(
          "Each rock keeps virtual threads of its own (`RockThreads.start`), parked, with their stacks"
              + " on the heap as `jdk.internal.vm.StackChunk` objects, next to the rock's own objects; the"
              + " class histograms below (live objects after a full GC, growth per connection) give the"
              + " split.\n\n");
    }
    details(String.format("Heap per rock by class at %,d rocks, connecting side", top), r.profile("idle." + top + ".histogram.client"));
    details(String.format("Heap per rock by class at %,d rocks, accepting side", top), r.profile("idle." + top + ".histogram.server"));
    details(String.format("CPU profile of the connecting JVM with %,d idle rocks, first minute", top), r.profile("idle." + top + ".cpuProfile"));
    new IdleModeSection(r, body, rows, bars).render(collapse);
  }

  /** The pause before each checkpoint's measurements, four heartbeat intervals, as text. */
  private String fastPauseText() {
    String heartbeat = fact("rocks.heartbeat", "?");
    try {
      return String.format("%.0f ms", 4 * Double.parseDouble(heartbeat.replace(" ms", "")));
    } catch (NumberFormatException e) {
      return "four heartbeat intervals";
    }
  }

  // ---------------------------------------------------------------- figure 6

  private void flaky() {
    body.append("## 6. Throughput while the link is cut every 2 s\n\n");
    Stats cut = st("flaky.cut", "rock");
    Stats none = st("flaky.none", "rock");
    if (cut.isEmpty()) {
      notMeasured("6. Throughput with cuts every 2 s");
      return;
    }
    body.append(String.format(
        "A client writes 64 KiB chunks as fast as it can for %s s through Toxiproxy; the server's"
            + " application counts what it reads. With cuts, every 2 s the connection is reset on both"
            + " ends (%s; raised to toxicity 1 until the rock has noticed, then back to 0), and the rock"
            + " reconnects and retransmits what the peer lacks. The figure is the rock's throughput with"
            + " cuts over its throughput without, runs alternating. Plain without cuts is the same link's"
            + " baseline.%n%n",
        fact("flaky.seconds", "?"), fact("flaky.tool", "?")));
    Stats plain = st("flaky.none", "plain");
    double ratio = cut.median() / none.median();
    boolean met = ratio >= 0.7;
    body.append("| | With cuts | Without cuts | Cuts/none | Target | Result |\n|---|---|---|---|---|---|\n");
    body.append(String.format("| Rock | %s | %s | %.2f | at least 0.7 | %s |%n",
        spread(cut, "MiB/s"), spread(none, "MiB/s"), ratio, verdict(met)));
    body.append(String.format("| Plain | %s | %s | | | |%n%n",
        fact("flaky.plain.cut", "?"), spread(plain, "MiB/s")));
    Stats suspensions = st("flaky.cut.suspensions", "rock");
    Stats retransmitted = st("flaky.cut.retransmitted", "rock");
    body.append(String.format(
        "With cuts the rock suspended and resumed %s times per run (median) and retransmitted %s (median).%n%n",
        String.format("%.0f", suspensions.median()), String.format("%.1f MiB", retransmitted.median())));
    rows.add(new Row("6. Throughput, cut every 2 s, against no cuts", mibs(cut.median()) + " vs " + mibs(none.median()),
        shortFate(fact("flaky.plain.cut", "?")), String.format("%.2f (cuts/none)", ratio), "at least 0.7", met));
    bars.add(new Chart.Bar("6. Throughput with a cut every 2 s", ratio / 0.7, met,
        String.format("%.2f of no-cut throughput (target at least 0.7)", ratio)));
    if (!met) {
      body.append("**Target missed.** The rock keeps ").append(String.format("%.2f", ratio))
          .append(" of its throughput with a cut every 2 s.\n\n");
    }
  }

  // ---------------------------------------------------------------- micro-benchmarks

  private void microSection(StringBuilder page) {
    page.append("## Micro-benchmarks (JMH)\n\n");
    if (micro.isEmpty()) {
      page.append("Not run.\n\n");
      return;
    }
    page.append(
        "The internals of `rocks-impl` on their own (package `io.rocks.impl`, benchmarks in"
            + " `rocks-bench`): the frame codec, the in-flight buffer and the handshake crypto. "
            + (microSettings == null ? "" : microSettings + ".")
            + " Score is the mean with JMH's 99.9% error; the spread is over the measurement"
            + " iterations.\n\n");
    page.append("| Benchmark | Score | Min / median / max | Per second |\n|---|---|---|---|\n");
    for (String[] f : micro.values()) {
      String unit = f[1];
      double score = Double.parseDouble(f[2]);
      double error = Double.parseDouble(f[3]);
      String perSecond = "";
      double nanos = unit.startsWith("ns") ? score : unit.startsWith("us") ? score * 1000 : Double.NaN;
      long bytes = f[0].contains("64KiB") ? 65536 : f[0].contains("writeBytes=") ? Long.parseLong(f[0].replaceAll(".*writeBytes=(\\d+).*", "$1")) : 0;
      if (!Double.isNaN(nanos)) {
        perSecond = bytes > 0
            ? String.format("%.1f GiB/s", bytes / nanos * 1e9 / (1L << 30))
            : String.format("%,.0f ops/s", 1e9 / nanos);
      }
      page.append(String.format("| `%s` | %s ± %s %s | %s / %s / %s | %s |%n",
          f[0], num(score), num(error), unit, num(Double.parseDouble(f[4])), num(Double.parseDouble(f[5])),
          num(Double.parseDouble(f[6])), perSecond));
    }
    page.append("\n");
  }

  // ---------------------------------------------------------------- helpers

  private boolean ratioRow(
      String summaryName, String name, Stats rock, Stats plain, String unit, double target, boolean atLeast) {
    if (rock.isEmpty() || plain.isEmpty()) {
      body.append(String.format("| %s | not measured | | | | |%n", name));
      rows.add(new Row(summaryName, "not measured", "", "", "", null));
      return true;
    }
    double ratio = rock.median() / plain.median();
    boolean met = atLeast ? ratio >= target : ratio <= target;
    String targetText = (atLeast ? "at least " : "at most ") + String.format("%.2f", target) + " x plain";
    body.append(String.format("| %s | %s | %s | %s | %s | %s |%n",
        name, spread(rock, unit), spread(plain, unit), ratioText(ratio, target), targetText, verdict(met)));
    rows.add(new Row(summaryName, value(rock.median(), unit), value(plain.median(), unit),
        ratioText(ratio, target), targetText, met));
    bars.add(new Chart.Bar(summaryName.replace("Connect to first echoed byte", "Connect to echo")
            .replace(" (Toxiproxy)", ""),
        atLeast ? ratio / target : target / ratio, met,
        String.format("%s x plain (target %s %.2f)", ratioText(ratio, target), atLeast ? "at least" : "at most", target)));
    return met;
  }

  /**
   * Appends the row of a bulk throughput figure, judged at least 0.95 by the median of the ratios
   * of the runs of both kinds made back to back (the i-th run of each kind, recorded in order).
   */
  private boolean pairedRow(String summaryName, String name, String key) {
    Stats rock = st(key, "rock");
    Stats plain = st(key, "plain");
    Stats pairs = pairs(key);
    if (pairs.isEmpty()) {
      return ratioRow(summaryName, name, rock, plain, "MiB/s", 0.95, true);
    }
    double target = 0.95;
    boolean met = pairs.median() >= target;
    String targetText = String.format("at least %.2f x plain", target);
    String ratioCell = String.format("%s (pairs %.2f to %.2f; medians %.2f)", ratioText(pairs.median(), target),
        pairs.min(), pairs.max(), rock.median() / plain.median());
    body.append(String.format("| %s | %s | %s | %s | %s | %s |%n",
        name, spread(rock, "MiB/s"), spread(plain, "MiB/s"), ratioCell, targetText, verdict(met)));
    rows.add(new Row(summaryName, value(rock.median(), "MiB/s"), value(plain.median(), "MiB/s"),
        ratioText(pairs.median(), target) + " (paired)", targetText, met));
    bars.add(new Chart.Bar(summaryName, pairs.median() / target, met,
        String.format("%s x plain, paired (target at least %.2f)", ratioText(pairs.median(), target), target)));
    return met;
  }

  /**
   * The ratios of each rock run of {@code key} to the plain run made next to it, in order; none if
   * the two kinds did not run as often (then nothing pairs them).
   */
  private Stats pairs(String key) {
    List<Double> rockRuns = r.samples(key, "rock");
    List<Double> plainRuns = r.samples(key, "plain");
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < rockRuns.size() && rockRuns.size() == plainRuns.size(); i++) {
      ratios.add(rockRuns.get(i) / plainRuns.get(i));
    }
    return Stats.of(ratios);
  }

  /**
   * The rock/plain ratio a bulk throughput figure is judged on: the median of {@link #pairs}, or
   * the ratio of the medians if nothing pairs the runs.
   */
  private double pairedRatio(String key) {
    Stats pairs = pairs(key);
    return pairs.isEmpty() ? st(key, "rock").median() / st(key, "plain").median() : pairs.median();
  }

  /** Appends a table row of CPU seconds per GiB, rock against plain, with no target. */
  private void cpuRow(String name, String key) {
    Stats rock = st(key, "rock");
    Stats plain = st(key, "plain");
    body.append(String.format("| %s | %s | %s | %s | | |%n",
        name, spread(rock, "s"), spread(plain, "s"), ratio(rock, plain)));
  }

  private void notMeasured(String figure) {
    body.append("Not measured in this run.\n\n");
    rows.add(new Row(figure, "not measured", "", "", "", null));
  }

  private void codeBlock(String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    body.append(title).append("\n\n```\n");
    for (String line : lines) {
      body.append(line).append("\n");
    }
    body.append("```\n\n");
  }

  private void details(String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    body.append("<details><summary>").append(title).append("</summary>\n\n```\n");
    for (String line : lines) {
      body.append(line).append("\n");
    }
    body.append("```\n\n</details>\n\n");
  }

  private Stats st(String key, String series) {
    return Stats.of(r.samples(key, series));
  }

  private String fact(String key, String absent) {
    return r.factOr(key, absent);
  }

  private double microMedian(String name) {
    String[] f = micro.get(name);
    if (f == null) {
      return Double.NaN;
    }
    double v = Double.parseDouble(f[5]);
    return f[1].startsWith("ns") ? v / 1000 : f[1].startsWith("ms") ? v * 1000 : v; // in microseconds
  }

  private String memory() {
    String kb = fact("machine.memory", "");
    try {
      return String.format("%.1f GiB", Long.parseLong(kb.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
    } catch (NumberFormatException e) {
      return kb.isEmpty() ? "unknown" : kb;
    }
  }

  /**
   * Returns a fact recorded as {@code "N ms"} in seconds for the page ({@code "60 s"}, {@code
   * "25 s"}, {@code "0.5 s"}), or "?" if it is missing.
   */
  static String millisFactText(Results results, String key) {
    String text = results.factOr(key, "?");
    try {
      double millis = Double.parseDouble(text.replace(" ms", "").strip());
      return millis % 1000 == 0 ? String.format("%.0f s", millis / 1000) : String.format("%.1f s", millis / 1000);
    } catch (NumberFormatException e) {
      return "?";
    }
  }

  static String verdict(boolean met) {
    return met ? "met" : "**missed**";
  }

  /** Two decimals, or three where two would round onto the target and hide which side it is on. */
  static String ratioText(double ratio, double target) {
    String two = String.format("%.2f", ratio);
    return Math.abs(ratio - target) < 0.005 && ratio != target ? String.format("%.3f", ratio) : two;
  }

  private static String ratio(Stats rock, Stats plain) {
    if (rock.isEmpty() || plain.isEmpty() || plain.median() == 0) {
      return "";
    }
    return String.format("%.2f", rock.median() / plain.median());
  }

  static String spread(Stats s, String unit) {
    if (s.isEmpty()) {
      return "not measured";
    }
    return String.format("%s / %s / %s (n=%d)",
        bare(s.min(), unit), bare(s.median(), unit), value(s.max(), unit), s.n());
  }

  private static String value(double v, String unit) {
    return switch (unit) {
      case "MiB/s" -> mibs(v);
      case "ms" -> ms(v);
      case "s" -> seconds(v);
      case "KiB" -> kib(v);
      case "%" -> pct(v);
      default -> num(v) + " " + unit;
    };
  }

  /** The number as {@link #value} writes it, without the unit. */
  private static String bare(double v, String unit) {
    String full = value(v, unit);
    int space = full.lastIndexOf(' ');
    return unit.equals("%") ? full.substring(0, full.length() - 1) : space > 0 ? full.substring(0, space) : full;
  }

  private static String mibs(double v) {
    return String.format("%,.0f MiB/s", v);
  }

  static String ms(double v) {
    double a = Math.abs(v);
    return a >= 100 ? String.format("%,.0f ms", v) : a >= 10 ? String.format("%.1f ms", v) : String.format("%.2f ms", v);
  }

  /**
   * Sums the shares, in percent, of the methods a CPU profile lists under "Hottest methods, self"
   * whose name (class.method) {@code method} accepts.
   */
  private static double selfShare(List<String> profile, java.util.function.Predicate<String> method) {
    double sum = 0;
    boolean inSelf = false;
    java.util.regex.Pattern row = java.util.regex.Pattern.compile("^\\s*([0-9.]+)%\\s+\\d+\\s+(\\S+)\\s*$");
    for (String line : profile) {
      if (line.startsWith("Hottest methods, self")) {
        inSelf = true;
        continue;
      }
      if (inSelf && line.isBlank()) {
        break;
      }
      if (inSelf) {
        java.util.regex.Matcher m = row.matcher(line);
        if (m.matches() && method.test(m.group(2))) {
          sum += Double.parseDouble(m.group(1));
        }
      }
    }
    return sum;
  }

  private static String us(double v) {
    return v >= 1000 ? ms(v / 1000) : String.format("%.0f µs", v);
  }

  private static String seconds(double v) {
    return String.format("%.2f s", v);
  }

  static String kib(double v) {
    return String.format("%.1f KiB", v);
  }

  /** A target in KiB, without decimals where it has none: "8 KiB". */
  static String kib0(double v) {
    return v == Math.rint(v) ? String.format("%.0f KiB", v) : kib(v);
  }

  static String pct(double v) {
    return String.format("%.1f%%", v);
  }

  private static String num(double v) {
    double a = Math.abs(v);
    return a >= 100 ? String.format("%,.0f", v) : a >= 10 ? String.format("%.1f", v) : String.format("%.2f", v);
  }

  private static String size(long bytes) {
    return bytes >= (1L << 30) && bytes % (1L << 30) == 0
        ? (bytes >> 30) + " GiB"
        : (bytes >> 20) + " MiB";
  }
}
