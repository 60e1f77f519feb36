package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rocks.RockOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Local stalls that are not link faults: CPU starvation and stop-the-world pauses shorter than
 * failure detection. Two child JVMs hold {@value #ROCKS} idle rocks between them (each rock has
 * moved half of its {@link #BYTES_EACH_WAY} bytes each way); after a quiet window with no fault,
 * the JVMs are stalled, then a settling window passes, then every rock moves the other half and
 * both ends are checked.
 *
 * <ul>
 *   <li>CPU burst: {@link #BURST_THREADS} platform threads spin for {@link #BURST} in the accepting
 *       JVM, so every thread on the machine, both JVMs' included, waits for a core.
 *   <li>Full collections: {@value #PAUSES} forced full collections {@link #PAUSE_GAP} apart in both
 *       JVMs at once, under the serial collector, each JVM holding enough small live objects
 *       ({@link Ballast}) that a full collection stops it for about {@link #GC_PAUSE}, the detection
 *       time less one heartbeat interval: from there on a heartbeat that falls due during a pause
 *       reaches the peer later than a silence check that counts the pause allows. The ballast is
 *       sized once, before the rocks exist; the pauses of the stall itself vary with the
 *       machine's load (two JVMs collecting at once on few cores take longer) and are reported.
 *   <li>Staggered stops: pauses of known length, whatever the load, as two collections of
 *       different lengths would make: both JVMs are stopped at once ({@code SIGSTOP}); the
 *       accepting one is continued after {@link #SHORT_STOP}, the connecting one after {@link
 *       #LONG_STOP}; {@value #PAUSES} times, {@link #PAUSE_GAP} apart. Both pauses are shorter than
 *       the detection time; in the accepting JVM, a rock whose peer's last heartbeat came more than
 *       the detection time less the long stop before the stops sees the threshold pass after its
 *       own JVM resumed and before the peer's did, so a silence check that counts its own pause
 *       finds the peer silent for the detection time. A check that does not count its own pause
 *       finds it silent for the long stop less the short one, plus at most one interval.
 * </ul>
 *
 * <p>No link fault is injected, and a pause shorter than the detection time is no dead link, so
 * any suspension is a false one. Each stall's test checks that no rock is lost and no byte either
 * (all {@code CONNECTED}, SHA-256 per rock and direction), then that no rock suspended at all. For
 * the full collections a suspension is false only if every pause was in fact shorter than the
 * detection time: a run whose load stretched a pause past it, and in which a rock suspended, is
 * aborted with the pauses measured, not passed. Every test
 * prints the suspensions of each window (setup, quiet, stall, settling, final transfer) with their
 * causes, the pauses measured, and the machine's load average.
 */
@ExtendWith(ChaosReport.class)
class StarvationChaosTest {
  static final int ROCKS = 500;
  static final long BYTES_EACH_WAY = 32 * 1024;
  /** Both children run with the defaults. */
  static final RockOptions OPTIONS = RockOptions.defaults();
  static final int BURST_THREADS = 4 * Runtime.getRuntime().availableProcessors();
  static final Duration BURST = Duration.ofSeconds(5);
  static final int PAUSES = 3;
  static final Duration PAUSE_GAP = Duration.ofMillis(200);
  static final Duration GC_PAUSE = OPTIONS.failureDetectionTime().minus(OPTIONS.heartbeatInterval());
  static final Duration SHORT_STOP = OPTIONS.failureDetectionTime().minus(OPTIONS.heartbeatInterval());
  /** Short of the detection time by more than the time taken to stop and continue a process. */
  static final Duration LONG_STOP = OPTIONS.failureDetectionTime().minusMillis(150);
  /** A window with no fault before the stall, and one after it for late suspensions to show. */
  static final Duration QUIET = OPTIONS.failureDetectionTime().multipliedBy(2);
  static final Duration SETTLE = OPTIONS.failureDetectionTime().multipliedBy(2);
  static final Duration START_LIMIT = Duration.ofMinutes(2);
  static final Duration TRANSFER_LIMIT = Duration.ofMinutes(2);
  /**
   * For the stalls that are not collections: a collector whose pauses are far below a millisecond,
   * so that the only pauses are the stall's. (With the serial collector and a small heap, the young
   * collections while 500 rocks take their buffers stop a JVM for up to a second on a loaded
   * machine, and suspend rocks before any stall.) Collections are logged, with the time of day.
   */
  static final List<String> NO_PAUSES = List.of("-Xmx1g", "-XX:+UseZGC", "-Xlog:gc:stdout:time,uptime");
  /**
   * For the full collections: the serial collector, which stops the whole JVM for every
   * collection; room for the ballast; a small young generation, so that only the forced
   * collections are long.
   */
  static final List<String> BALLAST_HEAP =
      List.of("-Xms2g", "-Xmx2g", "-Xmn64m", "-XX:+UseSerialGC", "-Xlog:gc:stdout:time,uptime");

  private ChildFleet accepting;
  private ChildFleet connecting;

  /** A stall to put on the children, and how their JVMs run for it. */
  private enum Stall {
    CPU_BURST(Duration.ZERO, NO_PAUSES),
    FULL_GCS(GC_PAUSE, BALLAST_HEAP),
    STAGGERED_STOPS(Duration.ZERO, NO_PAUSES);

    /** The pause a child's ballast is sized for; zero for no ballast. */
    final Duration gcPause;
    final List<String> jvmOptions;

    Stall(Duration gcPause, List<String> jvmOptions) {
      this.gcPause = gcPause;
      this.jvmOptions = jvmOptions;
    }
  }

  /**
   * What a run left behind: each end's reports, the longest pause the stall made (zero for a CPU
   * burst), and a summary for messages and the report.
   */
  private record Outcome(List<RockReport> accepting, List<RockReport> connecting, Duration longestPause, String summary) {
    int suspensions() {
      return sum(accepting) + sum(connecting);
    }

    void assertNoLoss() {
      NoLoss.assertSameRocks(accepting, connecting);
      NoLoss.assertNoLoss("accepting JVM", Fleet.Side.ACCEPTING, accepting, ROCKS, BYTES_EACH_WAY);
      NoLoss.assertNoLoss("connecting JVM", Fleet.Side.CONNECTING, connecting, ROCKS, BYTES_EACH_WAY);
    }

    /**
     * Checks that no rock suspended, when a suspension would be a false one: with every pause
     * shorter than the detection time. A machine loaded enough to make a pause as long as the
     * detection time (two JVMs collecting at once on two cores can take half as long again as the
     * ballast was sized for) makes a suspension legitimate: the check of that run is then
     * aborted, saying why, unless no rock suspended anyway.
     */
    void assertNoFalseSuspension() {
      if (suspensions() == 0) {
        return;
      }
      assumeTrue(
          longestPause.compareTo(OPTIONS.failureDetectionTime()) < 0,
          "the longest pause (" + longestPause.toMillis() + " ms) was not shorter than the detection time ("
              + OPTIONS.failureDetectionTime().toMillis() + " ms), so these suspensions may be due; " + summary);
      assertNoSuspension();
    }

    void assertNoSuspension() {
      assertEquals(0, suspensions(), "suspensions with no link fault (false suspensions): " + summary);
    }
  }

  @Test
  @DisplayName("stall: CPU burst in the accepting JVM, 500 idle rocks, no suspension")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aCpuBurstSuspendsNoRock(Scenario scenario) throws Exception {
    Outcome outcome = run(scenario, Stall.CPU_BURST);
    outcome.assertNoLoss();
    outcome.assertNoSuspension();
  }

  @Test
  @DisplayName("stall: full GCs in both JVMs, 500 idle rocks, no suspension")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void fullGcsInBothJvmsSuspendNoRock(Scenario scenario) throws Exception {
    Outcome outcome = run(scenario, Stall.FULL_GCS);
    outcome.assertNoLoss();
    outcome.assertNoFalseSuspension();
  }

  @Test
  @DisplayName("stall: staggered stops of both JVMs, 500 idle rocks, no suspension")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void staggeredStopsOfBothJvmsSuspendNoRock(Scenario scenario) throws Exception {
    Outcome outcome = run(scenario, Stall.STAGGERED_STOPS);
    outcome.assertNoLoss();
    outcome.assertNoFalseSuspension();
  }

  @AfterEach
  void cleanUp() {
    try {
      if (connecting != null) {
        connecting.close();
      }
    } finally {
      if (accepting != null) {
        accepting.close();
      }
    }
  }

  /** When each window of a run began, in {@link System#nanoTime}; 0 for one not reached. */
  private static final class Timeline {
    long setup;
    long quiet;
    long stall;
    long settle;
    long transfer;
    long end;
  }

  private Outcome run(Scenario scenario, Stall stall) throws Exception {
    Timeline at = new Timeline();
    List<String> opening = new ArrayList<>();
    List<Duration> pauses = new ArrayList<>();
    String loadBefore = "";
    boolean finished = false;
    try {
      at.setup = System.nanoTime();
      accepting = ChildFleet.accepting("accepting", stall.jvmOptions, ROCKS, BYTES_EACH_WAY, stall.gcPause);
      int port = accepting.awaitListening(START_LIMIT);
      connecting = ChildFleet.connecting("connecting", stall.jvmOptions, port, ROCKS, BYTES_EACH_WAY, stall.gcPause);
      List<FleetHandle> ends = List.of(accepting, connecting);
      FleetHandle.awaitAll(ends, START_LIMIT, "all rocks connected", FleetHandle.allConnected(ROCKS));
      long half = BYTES_EACH_WAY / 2;
      for (FleetHandle end : ends) {
        end.allow(half);
      }
      FleetHandle.awaitAll(ends, TRANSFER_LIMIT, "every rock read half", FleetHandle.everyRockRead(half));

      at.quiet = System.nanoTime();
      Hold.during(QUIET, "no rock fails", this::healthy);

      loadBefore = loadAverage();
      at.stall = System.nanoTime();
      scenario.failureInjected();
      opening.add(stall(stall, pauses));
      at.settle = System.nanoTime();
      Hold.during(SETTLE, "no rock fails", this::healthy);

      at.transfer = System.nanoTime();
      for (FleetHandle end : ends) {
        end.allow(BYTES_EACH_WAY);
      }
      FleetHandle.awaitAll(ends, TRANSFER_LIMIT, "every transfer done", FleetHandle.transfersDone(ROCKS));
      FleetHandle.awaitAll(ends, TRANSFER_LIMIT, "all rocks connected at the end", FleetHandle.allConnected(ROCKS));
      at.end = System.nanoTime();
      List<RockReport> acceptingReports = accepting.report(TRANSFER_LIMIT);
      List<RockReport> connectingReports = connecting.report(TRANSFER_LIMIT);
      scenario.bytes(ROCKS * BYTES_EACH_WAY, ROCKS * BYTES_EACH_WAY);
      opening.add(
          0, "suspensions counted by the rocks: accepting " + sum(acceptingReports) + ", connecting " + sum(connectingReports));
      String summary = summarize(scenario, at, opening, loadBefore);
      finished = true;
      Duration longestPause = pauses.stream().max(Duration::compareTo).orElse(Duration.ZERO);
      return new Outcome(acceptingReports, connectingReports, longestPause, summary);
    } finally {
      if (!finished) {
        System.out.println("[stall] run broke off; so far: " + summarize(scenario, at, opening, loadBefore));
      }
    }
  }

  private boolean healthy() {
    return accepting.healthy(accepting.status()) && connecting.healthy(connecting.status());
  }

  /**
   * Returns (and prints, one line each, and notes in the scenario) what the stall measured, the
   * load, and each end's suspensions window by window, with their causes, resumes and failures;
   * times are from the stall's start. Windows not reached are left out.
   */
  private String summarize(Scenario scenario, Timeline at, List<String> opening, String loadBefore) {
    List<String> lines = new ArrayList<>(opening);
    lines.add("machine load average (1, 5, 15 min) before the stall: " + loadBefore + ", now: " + loadAverage());
    long origin = at.stall != 0 ? at.stall : at.setup;
    long now = System.nanoTime();
    long[] bounds = {at.setup, at.quiet, at.stall, at.settle, at.transfer, at.end};
    String[] windows = {"setup", "quiet " + QUIET.toMillis() + " ms", "stall", "settling " + SETTLE.toMillis() + " ms", "final transfer"};
    for (FleetHandle end : new FleetHandle[] {accepting, connecting}) {
      if (end == null) {
        continue;
      }
      List<PeerProcess.Event> suspended = end.events("suspended");
      for (int w = 0; w < windows.length && bounds[w] != 0; w++) {
        long until = bounds[w + 1] != 0 ? bounds[w + 1] : now;
        lines.add(SuspensionTally.of(end.name(), windows[w], suspended, origin, bounds[w], until).describe());
      }
      lines.add(end.name() + " resumes: " + SuspensionTally.describeResumes(end.events("resumed")));
      lines.add(end.name() + " failed: " + end.events("failed").stream().map(PeerProcess.Event::detail).toList());
      SuspensionTally.resumeTimes(end.events("resumed")).forEach(scenario::resumed);
    }
    for (String line : lines) {
      System.out.println("[stall] " + line);
    }
    String summary = String.join("; ", lines);
    scenario.note(summary);
    return summary;
  }

  /**
   * Puts {@code stall} on the children and returns what it measured; adds each pause it made to
   * {@code pauses}.
   */
  private String stall(Stall stall, List<Duration> pauses) throws Exception {
    Duration limit = Duration.ofMinutes(1);
    switch (stall) {
      case CPU_BURST -> {
        accepting.startBurst(BURST_THREADS, BURST);
        Map<String, String> burst = accepting.awaitDone("BURST", BURST.plus(limit));
        return "CPU burst in the accepting JVM: " + burst;
      }
      case FULL_GCS -> {
        accepting.startFullGcs(PAUSES, PAUSE_GAP);
        connecting.startFullGcs(PAUSES, PAUSE_GAP);
        Map<String, String> acceptingGcs = accepting.awaitDone("GC", limit);
        Map<String, String> connectingGcs = connecting.awaitDone("GC", limit);
        for (Map<String, String> gcs : List.of(acceptingGcs, connectingGcs)) {
          for (String millis : gcs.get("pauses").split(",")) {
            pauses.add(Duration.ofMillis(Long.parseLong(millis)));
          }
        }
        return PAUSES + " full GCs " + PAUSE_GAP.toMillis() + " ms apart, ballast sized for " + GC_PAUSE.toMillis()
            + " ms pauses: accepting JVM " + acceptingGcs + " (ballast " + accepting.process().awaitDone(limit, "BALLAST", 0)
            + "), connecting JVM " + connectingGcs + " (ballast " + connecting.process().awaitDone(limit, "BALLAST", 0) + ")";
      }
      case STAGGERED_STOPS -> {
        List<String> stops = new ArrayList<>();
        for (int i = 0; i < PAUSES; i++) {
          if (i > 0) {
            Thread.sleep(PAUSE_GAP); // the stall's own schedule: the time the JVMs run between pauses
          }
          long acceptingStopped = System.nanoTime();
          accepting.process().stopProcess();
          long connectingStopped = System.nanoTime();
          connecting.process().stopProcess();
          Hold.during(
              SHORT_STOP.minusNanos(System.nanoTime() - acceptingStopped),
              "both JVMs stay stopped",
              () -> accepting.process().schedulerState() == 'T' && connecting.process().schedulerState() == 'T');
          accepting.process().continueProcess();
          Duration acceptingPause = Duration.ofNanos(System.nanoTime() - acceptingStopped);
          Hold.during(
              LONG_STOP.minusNanos(System.nanoTime() - connectingStopped),
              "the connecting JVM stays stopped",
              () -> connecting.process().schedulerState() == 'T');
          connecting.process().continueProcess();
          Duration connectingPause = Duration.ofNanos(System.nanoTime() - connectingStopped);
          pauses.add(acceptingPause);
          pauses.add(connectingPause);
          stops.add(acceptingPause.toMillis() + "/" + connectingPause.toMillis());
        }
        return PAUSES + " stops of both JVMs, the accepting one for " + SHORT_STOP.toMillis() + " ms and the connecting one for "
            + LONG_STOP.toMillis() + " ms, " + PAUSE_GAP.toMillis() + " ms apart; stopped for (accepting/connecting, ms, "
            + "from before the stop signal to after the continue was seen): " + String.join(", ", stops);
      }
    }
    throw new AssertionError(stall);
  }

  /** The host's load averages, from /proc/loadavg: how busy the machine was besides this test. */
  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static int sum(List<RockReport> reports) {
    return reports.stream().mapToInt(RockReport::suspensions).sum();
  }
}
