package io.rocks.chaos;

import static io.rocks.chaos.ProxiedRocks.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.model.Toxic;
import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.impl.rock.ProcessWindowBudget;
import io.rocks.impl.rock.RealRock;
import io.rocks.testkit.Await;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The core rock against faults injected by a real Toxiproxy server between client and server.
 *
 * <p>Each scenario moves 16 MiB both ways at once through the proxy, checks the SHA-256 and byte
 * count of each direction (so no byte was lost or duplicated), and checks detection and resume
 * times against bounds derived from the rock's options. The bounds are limits that a loaded 2-core
 * machine must never exceed, not targets.
 *
 * <p>Faults are placed mid-transfer deterministically: the senders wait at a {@link Gate} at a
 * checkpoint, the fault goes in, and only then are the senders let go, so they write into the broken
 * path and what they wrote must be retransmitted.
 */
@ExtendWith({ToxiproxyExtension.class, ChaosReport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ToxiproxyChaosTest {
  static final long BYTES = 16 * MIB;
  static final RockOptions OPTIONS = RockOptions.defaults();
  static final Duration TRANSFER_LIMIT = Duration.ofMinutes(2);

  @Test
  @Order(1)
  @DisplayName("silent cut: timeout 0 both ways, x3")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void silentCut(Toxi toxi, Scenario scenario) throws Exception {
    int cuts = 3;
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, OPTIONS, "silent-cut")) {
      rig.startTransfer(BYTES, 0);
      for (int cut = 1; cut <= cuts; cut++) {
        long checkpoint = cut * 4 * MIB;
        rig.allow(checkpoint);
        rig.awaitDelivered(checkpoint, TRANSFER_LIMIT);
        cutSilently(rig, toxi, "silent-" + cut, () -> rig.allow(checkpoint + 2 * MIB));
      }
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, cuts);
      assertTrue(rig.clientEvents.totalRetransmitted() > 0, "the client retransmitted what the cuts dropped");
      assertTrue(rig.serverEvents.totalRetransmitted() > 0, "the server retransmitted what the cuts dropped");
    }
  }

  @Test
  @Order(2)
  @DisplayName("abrupt reset: reset_peer (RST), x3")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void abruptReset(Toxi toxi, Scenario scenario) throws Exception {
    int resets = 3;
    List<Toxic> armed = new ArrayList<>();
    try (ProxiedRocks rig =
        ProxiedRocks.open(
            toxi, scenario, OPTIONS, "abrupt-reset", proxy -> armed.addAll(toxi.armedReset(proxy, "reset")))) {
      rig.startTransfer(BYTES, 0);
      for (int reset = 1; reset <= resets; reset++) {
        long checkpoint = reset * 4 * MIB;
        rig.allow(checkpoint);
        rig.awaitDelivered(checkpoint, TRANSFER_LIMIT);
        ProxiedRocks.Fault fault = rig.inject("reset_peer", () -> toxi.setToxicity(armed, 1f));
        rig.allow(checkpoint + 2 * MIB);
        Duration detection = rig.awaitClientSuspended(fault, rig.detectionBound());
        Throwable cause = rig.clientEvents.suspendCause(fault.clientSuspensionsBefore);
        assertFalse(cause instanceof SocketTimeoutException, "a reset is not a silence: " + cause);
        assertTrue(
            detection.compareTo(OPTIONS.failureDetectionTime()) < 0,
            "a reset is noticed at once, not by missing heartbeats; took " + detection.toMillis() + " ms");
        rig.awaitServerSuspended(fault, Duration.ofSeconds(10));
        rig.heal(fault, () -> toxi.setToxicity(armed, 0f));
        rig.awaitResumed(fault, rig.resumeBound());
      }
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, resets);
    }
  }

  @Test
  @Order(3)
  @DisplayName("outage: proxy disabled for 2 s")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void outageOfTwoSeconds(Toxi toxi, Scenario scenario) throws Exception {
    outage(toxi, scenario, "outage-2s", Duration.ofSeconds(2));
  }

  @Test
  @Order(4)
  @DisplayName("outage: proxy disabled for 30 s")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void outageOfThirtySeconds(Toxi toxi, Scenario scenario) throws Exception {
    outage(toxi, scenario, "outage-30s", Duration.ofSeconds(30));
  }

  private static void outage(Toxi toxi, Scenario scenario, String name, Duration outage) throws Exception {
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, OPTIONS, name)) {
      rig.startTransfer(BYTES, 4 * MIB);
      rig.awaitDelivered(4 * MIB, TRANSFER_LIMIT);
      ProxiedRocks.Fault fault = rig.inject("proxy disabled", () -> toxi.disable(rig.proxy));
      rig.allow(6 * MIB);
      rig.awaitClientSuspended(fault, rig.detectionBound());
      rig.awaitServerSuspended(fault, Duration.ofSeconds(10));
      Duration left = outage.minusNanos(System.nanoTime() - fault.injectedAt);
      Hold.during(
          left,
          "both rocks stay suspended while the proxy is disabled",
          () -> rig.client.rock().state() == RockState.SUSPENDED
              && rig.accepted.rock().state() == RockState.SUSPENDED);
      rig.heal(fault, () -> toxi.enable(rig.proxy));
      rig.awaitResumed(fault, rig.resumeBound());
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, 1);
      Duration suspendedFor = rig.clientEvents.suspendedFor().get(0);
      assertTrue(
          suspendedFor.compareTo(outage.minus(rig.detectionBound())) >= 0,
          "the client stayed suspended through the outage; it reported " + suspendedFor.toMillis() + " ms");
      int attempts = rig.clientEvents.reconnectFailures();
      assertTrue(attempts >= 1, "the client kept trying to reconnect during the outage");
      scenario.note(attempts + " refused reconnect attempts during the outage");
    }
  }

  @Test
  @Order(5)
  @DisplayName("outage longer than the reconnect timeout (3 s): clean failure")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void outageLongerThanReconnectTimeout(Toxi toxi, Scenario scenario) throws Exception {
    Duration reconnectTimeout = Duration.ofSeconds(3);
    RockOptions options = OPTIONS.toBuilder().reconnectTimeout(reconnectTimeout).build();
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, options, "outage-beyond-timeout")) {
      rig.startTransfer(BYTES, 4 * MIB);
      rig.awaitDelivered(4 * MIB, TRANSFER_LIMIT);
      ProxiedRocks.Fault fault = rig.inject("proxy disabled for good", () -> toxi.disable(rig.proxy));
      rig.allow(BYTES); // the senders fill the in-flight buffers and block inside the rocks
      rig.awaitClientSuspended(fault, rig.detectionBound());
      rig.awaitServerSuspended(fault, Duration.ofSeconds(10));

      Duration failLimit = reconnectTimeout.plus(rig.detectionBound()).plusSeconds(10);
      List<Throwable> clientErrors =
          List.of(
              rig.transferFailure(rig.clientSendTask(), failLimit),
              rig.transferFailure(rig.clientReceiveTask(), failLimit));
      List<Throwable> serverErrors =
          List.of(
              rig.transferFailure(rig.serverSendTask(), failLimit),
              rig.transferFailure(rig.serverReceiveTask(), failLimit));
      scenario.bytes(rig.deliveredToServer(), rig.deliveredToClient());

      assertEquals(RockState.FAILED, rig.client.rock().state());
      assertEquals(RockState.FAILED, rig.accepted.rock().state());
      for (Throwable error : clientErrors) {
        RockTimeoutException timeout = assertInstanceOf(RockTimeoutException.class, error, "client read/write");
        assertEquals(rig.client.rock().id(), timeout.rockId());
        assertEquals(rig.client.rock().peer(), timeout.peer());
        assertTrue(timeout.attempts() >= 1, "the client tried to reconnect: " + timeout.getMessage());
        assertTrue(timeout.suspendedFor().compareTo(reconnectTimeout) >= 0, timeout.getMessage());
        assertTrue(
            timeout.suspendedFor().compareTo(reconnectTimeout.plusSeconds(3)) <= 0,
            "the client gave up soon after the reconnect timeout: " + timeout.getMessage());
      }
      for (Throwable error : serverErrors) {
        RockTimeoutException timeout = assertInstanceOf(RockTimeoutException.class, error, "server read/write");
        assertEquals(rig.client.rock().id(), timeout.rockId(), "the same rock id on both sides");
        assertEquals(rig.accepted.rock().peer(), timeout.peer());
        assertEquals(0, timeout.attempts(), "the accepting side waits, it does not reconnect");
        assertTrue(timeout.suspendedFor().compareTo(reconnectTimeout) >= 0, timeout.getMessage());
        assertTrue(timeout.suspendedFor().compareTo(reconnectTimeout.plusSeconds(3)) <= 0, timeout.getMessage());
      }
      RockTimeoutException clientTimeout = (RockTimeoutException) clientErrors.get(0);
      Await.until(
          Duration.ofSeconds(10),
          "both listeners told of the failure",
          () -> rig.clientEvents.failure() != null && rig.serverEvents.failure() != null);
      assertInstanceOf(RockTimeoutException.class, rig.clientEvents.failure());
      assertInstanceOf(RockTimeoutException.class, rig.serverEvents.failure());
      Await.until(
          Duration.ofSeconds(10),
          "every failed attempt was reported",
          () -> rig.clientEvents.reconnectFailures() == clientTimeout.attempts());

      // Nothing leaked: the failure itself released the rocks' threads and the server's registry,
      // before the application closed anything.
      Await.until(
          Duration.ofSeconds(10),
          "the server socket holds no rock",
          () -> Leaks.liveRocks(rig.server) == 0);
      Await.until(
          Duration.ofSeconds(10),
          "no thread left serving the rock (" + Leaks.liveRockThreads(rig.client.rock().id()) + " running)",
          () -> Leaks.liveRockThreads(rig.client.rock().id()) == 0);

      // The failure is final: with the path back, nothing revives.
      toxi.enable(rig.proxy);
      Hold.during(
          options.backoffCap().multipliedBy(2),
          "both rocks stay FAILED",
          () -> rig.client.rock().state() == RockState.FAILED && rig.accepted.rock().state() == RockState.FAILED);
      scenario.note(
          "RockTimeoutException on both sides after " + clientTimeout.suspendedFor().toMillis()
              + " ms, client " + clientTimeout.attempts() + " attempts; no rock thread left");
    }
  }

  @Test
  @Order(6)
  @DisplayName("latency 100 ms +/- 50 ms all along, silent cut mid-way")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void latencyWithCut(Toxi toxi, Scenario scenario) throws Exception {
    List<Toxic> latency = new ArrayList<>();
    try (ProxiedRocks rig =
        ProxiedRocks.open(
            toxi, scenario, OPTIONS, "latency", proxy -> latency.addAll(toxi.latency(proxy, "latency", 100, 50)))) {
      rig.startTransfer(BYTES, 10 * MIB);
      rig.awaitDelivered(8 * MIB, TRANSFER_LIMIT);
      cutSilently(rig, toxi, "latency-cut", () -> rig.allow(BYTES));
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, 1);
      List<String> present = toxi.toxicNames(rig.proxy);
      for (Toxic toxic : latency) {
        assertTrue(present.contains(toxic.getName()), "latency stayed for the whole transfer: " + present);
      }
    }
  }

  @Test
  @Order(7)
  @DisplayName("bandwidth 256 KB/s over 3 MiB, silent cut mid-way")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void bandwidthWithCut(Toxi toxi, Scenario scenario) throws Exception {
    // 16 MiB each way at 256 KB/s would take 66 s, too long for the suite's budget: the limit holds
    // for a 3 MiB window of each direction around the cut, and the rest runs at full speed.
    long before = 4 * MIB;
    long window = 3 * MIB;
    long rate = 256; // Toxiproxy's KB/s: 1000 bytes
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, OPTIONS, "bandwidth")) {
      rig.startTransfer(BYTES, before);
      rig.awaitDelivered(before, TRANSFER_LIMIT);
      long limitedFrom = System.nanoTime();
      List<Toxic> limit = toxi.bandwidth(rig.proxy, "bandwidth", rate);
      rig.allow(before + window);
      rig.awaitDelivered(before + window / 2, TRANSFER_LIMIT);
      cutSilently(rig, toxi, "bandwidth-cut", () -> {});
      rig.awaitDelivered(before + window, TRANSFER_LIMIT);
      Duration limited = Duration.ofNanos(System.nanoTime() - limitedFrom);
      toxi.remove(limit);
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, 1);
      double bytesPerSecond = window / (limited.toNanos() / 1e9);
      assertTrue(
          bytesPerSecond <= rate * 1000 * 1.1,
          String.format(Locale.ROOT, "the window moved at %.0f B/s, above the %d KB/s limit", bytesPerSecond, rate));
      scenario.note(
          String.format(
              Locale.ROOT,
              "limited window: %.1f s, %.0f KB/s each way including the cut",
              limited.toMillis() / 1000.0,
              bytesPerSecond / 1000));
    }
  }

  @Test
  @Order(8)
  @DisplayName("slicer: 1-byte segments, then 1..31-byte segments with delays")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void slicer(Toxi toxi, Scenario scenario) throws Exception {
    // Slicing costs Toxiproxy one write per segment (about 100 KB/s at one byte), so it applies to a
    // window of each direction; every frame and message in that window, headers included, arrives
    // split at every byte boundary.
    long before = 4 * MIB;
    long bytewiseWindow = 256 * 1024;
    long tinyWindow = 64 * 1024;
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, OPTIONS, "slicer")) {
      rig.startTransfer(BYTES, before);
      rig.awaitDelivered(before, TRANSFER_LIMIT);

      List<Toxic> bytewise = new ArrayList<>();
      rig.inject("slicer 1 byte", () -> bytewise.addAll(toxi.slicer(rig.proxy, "bytewise", 1, 0, 0)));
      long bytewiseFrom = System.nanoTime();
      rig.allow(before + bytewiseWindow);
      rig.awaitDelivered(before + bytewiseWindow, TRANSFER_LIMIT);
      Duration bytewiseTook = Duration.ofNanos(System.nanoTime() - bytewiseFrom);
      toxi.remove(bytewise);

      List<Toxic> tiny = new ArrayList<>();
      rig.inject("slicer 1..31 bytes, 20 us apart", () -> tiny.addAll(toxi.slicer(rig.proxy, "tiny", 16, 15, 20)));
      long tinyFrom = System.nanoTime();
      rig.allow(before + bytewiseWindow + tinyWindow);
      rig.awaitDelivered(before + bytewiseWindow + tinyWindow, TRANSFER_LIMIT);
      Duration tinyTook = Duration.ofNanos(System.nanoTime() - tinyFrom);
      toxi.remove(tiny);

      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, 0); // slicing is no failure: the rock must not suspend
      scenario.note(
          String.format(
              Locale.ROOT,
              "1-byte segments: %d KiB each way in %.1f s; 1..31-byte segments: %d KiB in %.1f s",
              bytewiseWindow / 1024,
              bytewiseTook.toMillis() / 1000.0,
              tinyWindow / 1024,
              tinyTook.toMillis() / 1000.0));
    }
  }

  @Test
  @Order(9)
  @DisplayName("limit_data: closed after 4 KB, 10 times in a row, 3 rounds")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void limitData(Toxi toxi, Scenario scenario) throws Exception {
    int rounds = 3;
    int closesPerRound = 10;
    long limitBytes = 4 * 1000;
    long deliveredWhileArmed = 0;
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, OPTIONS, "limit-data")) {
      rig.startTransfer(BYTES, 0);
      for (int round = 1; round <= rounds; round++) {
        long checkpoint = round * 4 * MIB;
        rig.allow(checkpoint);
        rig.awaitDelivered(checkpoint, TRANSFER_LIMIT);
        List<Toxic> limits = new ArrayList<>();
        String name = "limit-" + round;
        ProxiedRocks.Fault fault =
            rig.inject("limit_data", () -> limits.addAll(toxi.limitData(rig.proxy, name, limitBytes)));
        rig.allow(checkpoint + 2 * MIB);
        rig.awaitClientSuspended(fault, rig.detectionBound());
        long deliveredBefore = rig.deliveredToServer() + rig.deliveredToClient();
        // Armed, the toxic closes every new connection too: the rock resumes and is cut again.
        Await.until(
            Duration.ofSeconds(60),
            closesPerRound + " connections closed by limit_data in round " + round + "\n" + rig.describe(),
            () -> {
              rig.failFastIfTransferBroke();
              return rig.clientEvents.suspensions() - fault.clientSuspensionsBefore >= closesPerRound;
            });
        deliveredWhileArmed += rig.deliveredToServer() + rig.deliveredToClient() - deliveredBefore;
        rig.heal(fault, () -> toxi.remove(limits));
        Await.until(
            rig.resumeBound().plusSeconds(10),
            "both rocks connected after round " + round + "\n" + rig.describe(),
            () -> rig.client.rock().state() == RockState.CONNECTED
                && rig.accepted.rock().state() == RockState.CONNECTED);
      }
      rig.finishAndVerify(TRANSFER_LIMIT);

      int suspensions = rig.client.rock().stats().suspensions();
      assertTrue(suspensions >= rounds * closesPerRound, "client suspensions " + suspensions);
      assertEquals(suspensions, rig.clientEvents.resumes(), "every suspension resumed");
      for (int i = rounds; i < suspensions; i++) {
        scenario.failureInjected(); // each further close was an armed toxic striking again
      }
      for (Duration suspendedFor : rig.clientEvents.suspendedFor()) {
        scenario.resumed(suspendedFor);
        assertTrue(
            suspendedFor.compareTo(rig.resumeBound()) <= 0,
            "resumed " + suspendedFor.toMillis() + " ms after a close, bound " + rig.resumeBound().toMillis() + " ms");
      }
      scenario.note(
          suspensions + " closes; " + deliveredWhileArmed + " bytes delivered while armed (a DATA frame of"
              + " up to 64 KiB never fits in 4 KB)");
    }
  }

  @Test
  @Order(10)
  @DisplayName("flapping: a random cut every 300 ms to 2 s for 60 s")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void flapping(Toxi toxi, Scenario scenario) throws Exception {
    long seed = Long.getLong("rocks.chaos.seed", 0x0F1A_99E5L);
    SplittableRandom random = new SplittableRandom(seed);
    Duration flapFor = Duration.ofSeconds(60);
    // The transfer must span the whole minute: at 200 KB/s per direction, 16 MiB takes 84 s even
    // without cuts. The pacing is lifted once the flapping ends.
    long pacingRate = 200;
    List<Toxic> armedReset = new ArrayList<>();
    List<Toxic> pacing = new ArrayList<>();
    try (ProxiedRocks rig =
        ProxiedRocks.open(
            toxi,
            scenario,
            OPTIONS,
            "flapping",
            proxy -> {
              armedReset.addAll(toxi.armedReset(proxy, "flap-reset"));
              pacing.addAll(toxi.bandwidth(proxy, "pacing", pacingRate));
            })) {
      rig.startTransfer(BYTES, Long.MAX_VALUE);
      long start = System.nanoTime();
      List<ProxiedRocks.Fault> cuts = new ArrayList<>();
      Map<String, Integer> kinds = new TreeMap<>();
      while (true) {
        Hold.during(millis(random, 300, 2000), "no rock gave up", () -> neitherTerminal(rig));
        if (System.nanoTime() - start >= flapFor.toNanos()) {
          break;
        }
        Duration hold = millis(random, 300, 2000);
        int cutNumber = cuts.size() + 1;
        ProxiedRocks.Fault fault;
        switch (random.nextInt(4)) {
          case 0 -> {
            List<Toxic> toxics = new ArrayList<>();
            fault = rig.inject("silent", () -> toxics.addAll(toxi.silentCut(rig.proxy, "flap-silent-" + cutNumber)));
            Hold.during(hold, "no rock gave up", () -> neitherTerminal(rig));
            // As in the silent cut scenario: heal only once both sides gave the connection up.
            Await.until(
                rig.detectionBound().plusSeconds(10),
                "both rocks notice silent cut " + cutNumber + "\n" + rig.describe(),
                () -> rig.client.rock().state() != RockState.CONNECTED
                    && rig.accepted.rock().state() != RockState.CONNECTED);
            rig.heal(fault, () -> toxi.remove(toxics));
          }
          case 1 -> {
            fault = rig.inject("reset", () -> toxi.setToxicity(armedReset, 1f));
            Hold.during(hold, "no rock gave up", () -> neitherTerminal(rig));
            rig.heal(fault, () -> toxi.setToxicity(armedReset, 0f));
          }
          case 2 -> {
            fault = rig.inject("outage", () -> toxi.disable(rig.proxy));
            Hold.during(hold, "no rock gave up", () -> neitherTerminal(rig));
            rig.heal(fault, () -> toxi.enable(rig.proxy));
          }
          default -> {
            List<Toxic> toxics = new ArrayList<>();
            long bytes = random.nextLong(1000, 8001);
            fault = rig.inject("limit_data", () -> toxics.addAll(toxi.limitData(rig.proxy, "flap-limit-" + cutNumber, bytes)));
            Hold.during(hold, "no rock gave up", () -> neitherTerminal(rig));
            rig.heal(fault, () -> toxi.remove(toxics));
          }
        }
        cuts.add(fault);
        kinds.merge(fault.kind, 1, Integer::sum);
        rig.failFastIfTransferBroke();
      }
      long flapped = System.nanoTime() - start;
      assertTrue(
          rig.deliveredToServer() < BYTES && rig.deliveredToClient() < BYTES,
          "the transfer was still running when the flapping ended");
      toxi.remove(pacing);
      rig.finishAndVerify(TRANSFER_LIMIT);

      // Detection: the first client suspension while a cut was in place. Resume: the first client
      // resume after the cut healed and before the next cut.
      List<Long> suspended = rig.clientEvents.suspendedTimes();
      List<Long> resumed = rig.clientEvents.resumedTimes();
      int detected = 0;
      for (int i = 0; i < cuts.size(); i++) {
        ProxiedRocks.Fault cut = cuts.get(i);
        long nextInjected = i + 1 < cuts.size() ? cuts.get(i + 1).injectedAt : Long.MAX_VALUE;
        Long suspension = firstBetween(suspended, cut.injectedAt, cut.healedAt);
        if (suspension != null) {
          detected++;
          Duration detection = Duration.ofNanos(suspension - cut.injectedAt);
          scenario.detected(detection);
          assertTrue(
              detection.compareTo(rig.detectionBound()) <= 0,
              cut.kind + " cut " + (i + 1) + " detected after " + detection.toMillis() + " ms");
        }
        Long resume = firstBetween(resumed, cut.healedAt, nextInjected);
        if (resume != null) {
          Duration resumeTime = Duration.ofNanos(resume - cut.healedAt);
          scenario.resumed(resumeTime);
          assertTrue(
              resumeTime.compareTo(rig.resumeBound()) <= 0,
              cut.kind + " cut " + (i + 1) + " resumed " + resumeTime.toMillis() + " ms after healing");
        }
      }
      int suspensions = rig.client.rock().stats().suspensions();
      assertTrue(detected >= cuts.size() / 2, detected + " of " + cuts.size() + " cuts were noticed");
      assertEquals(suspensions, rig.clientEvents.resumes(), "every suspension resumed");
      scenario.note(
          String.format(
              Locale.ROOT,
              "seed %d; %d cuts in %.1f s %s; client suspensions %d, server %d; detection measured for %d cuts",
              seed,
              cuts.size(),
              flapped / 1e9,
              kinds,
              suspensions,
              rig.accepted.rock().stats().suspensions(),
              detected));
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Cuts the link silently ({@code timeout} toxic, timeout 0, both ways: no FIN, no RST), runs
   * {@code afterInject}, checks that the client notices by heartbeat silence within the bound, and
   * heals once both sides gave the connection up, as a real silent cut heals: Toxiproxy drops bytes
   * in the middle of the connection, which no real TCP connection does, so that connection must not
   * carry data again.
   */
  @Test
  @Order(11)
  @DisplayName("windows: 50 ms round trip at 50,000 KB/s, they grow past 1 MiB, and shrink back when idle")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void windowsGrowWithTheRoundTripAndShrinkWhenIdle(Toxi toxi, Scenario scenario) throws Exception {
    RockOptions options = OPTIONS.toBuilder().idleAfter(Duration.ofSeconds(2)).build();
    int start = options.receiveWindow();
    long budgetBefore = ProcessWindowBudget.INSTANCE.used();
    try (ProxiedRocks rig = longFatPath(toxi, scenario, options, "windows")) {
      // The gate holds the last 8 MiB back: a rock whose streams both ended is done, and gives its
      // windows back as it ends.
      long bytes = 48 * MIB;
      long first = 40 * MIB;
      rig.startTransfer(bytes, first);
      rig.awaitDelivered(first, TRANSFER_LIMIT);
      int[] client = windows(rig.client);
      int[] server = windows(rig.accepted);
      // Both ways at once, so both ends receive and both grow their windows; each sender's bound
      // follows the window its peer grants. 1 MiB per 50 ms would be 20 MiB/s: the path takes 47.
      String grown = "client " + client[0] / 1024 + "/" + client[1] / 1024 + " KiB, server " + server[0] / 1024
          + "/" + server[1] / 1024 + " KiB (receive window / in-flight bound)";
      assertTrue(client[0] > start && server[0] > start && client[1] > start && server[1] > start, grown);
      assertTrue(ProcessWindowBudget.INSTANCE.used() > budgetBefore, "growth is taken from the budget");
      scenario.note("windows after 40 MiB each way: " + grown);
      long clientBuffers = ((RealRock) rig.client.rock()).bufferBytesNow();
      long serverBuffers = ((RealRock) rig.accepted.rock()).bufferBytesNow();
      assertTrue(clientBuffers > start && serverBuffers > start,
          "buffers grown past the starting window: client " + clientBuffers + ", server " + serverBuffers);
      // Idle for 2 s: both ends go back to their starting sizes and give the budget back, and
      // with nothing sent or unread, every byte of their buffers (an idle rock costs what one that
      // never carried bulk data does).
      Await.until(
          Duration.ofSeconds(30),
          () -> "windows back at " + start + " bytes after idle mode; now client " + java.util.Arrays.toString(windows(rig.client))
              + ", server " + java.util.Arrays.toString(windows(rig.accepted)) + ", budget used "
              + ProcessWindowBudget.INSTANCE.used() + " (was " + budgetBefore + "), buffers client "
              + ((RealRock) rig.client.rock()).bufferBytesNow() + ", server " + ((RealRock) rig.accepted.rock()).bufferBytesNow(),
          () -> java.util.Arrays.equals(windows(rig.client), new int[] {start, start})
              && java.util.Arrays.equals(windows(rig.accepted), new int[] {start, start})
              && ProcessWindowBudget.INSTANCE.used() == budgetBefore
              && ((RealRock) rig.client.rock()).bufferBytesNow() == 0
              && ((RealRock) rig.accepted.rock()).bufferBytesNow() == 0);
      rig.finishAndVerify(TRANSFER_LIMIT);
    }
  }

  /**
   * A silent cut while both directions stream through a long fat path and both ends' windows have
   * grown: each side then holds more unacknowledged bytes than the starting window allows, which
   * only a grown in-flight bound can; they stay within that bound while suspended (memory does not
   * grow with the outage), are sent again after the resume, and every byte arrives once (SHA-256
   * both ways). Once the rocks end, the budget has every byte back.
   */
  @Test
  @Order(12)
  @DisplayName("windows: a silent cut while grown windows are in flight, every byte once, budget returned")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aSilentCutWithGrownWindowsInFlightLosesNothing(Toxi toxi, Scenario scenario) throws Exception {
    int start = OPTIONS.receiveWindow();
    long budgetBefore = ProcessWindowBudget.INSTANCE.used();
    try (ProxiedRocks rig = longFatPath(toxi, scenario, OPTIONS, "windows-cut")) {
      // 160 MiB each way: more than 3 s at this path's rate, so the cut comes mid-stream.
      long bytes = 160 * MIB;
      rig.startTransfer(bytes, bytes);
      Await.until(
          Duration.ofSeconds(60),
          () -> "both ends' windows grow past " + start + " bytes; client " + java.util.Arrays.toString(windows(rig.client))
              + ", server " + java.util.Arrays.toString(windows(rig.accepted)),
          () -> {
            rig.failFastIfTransferBroke();
            int[] client = windows(rig.client);
            int[] server = windows(rig.accepted);
            return client[0] > start && server[0] > start && client[1] > start && server[1] > start;
          });
      List<Toxic> toxics = new ArrayList<>();
      ProxiedRocks.Fault fault = rig.inject("silent cut", () -> toxics.addAll(toxi.silentCut(rig.proxy, "windows-cut")));
      rig.awaitClientSuspended(fault, rig.detectionBound());
      rig.awaitServerSuspended(fault, rig.detectionBound().plusSeconds(10));
      long clientHeld = held(rig.client);
      long serverHeld = held(rig.accepted);
      int clientBound = windows(rig.client)[1];
      int serverBound = windows(rig.accepted)[1];
      String heldNow = "held unacknowledged: client " + clientHeld + " (bound " + clientBound + "), server " + serverHeld
          + " (bound " + serverBound + ")";
      scenario.note("at suspension, " + heldNow);
      assertTrue(clientHeld > start && serverHeld > start, "more than the starting window was in flight: " + heldNow);
      assertTrue(clientHeld <= clientBound && serverHeld <= serverBound, "within the in-flight bound: " + heldNow);
      rig.heal(fault, () -> {
        // Suspended until now: neither bound nor what is held grew with the outage.
        assertEquals(clientBound, windows(rig.client)[1], "client bound while suspended; " + heldNow);
        assertEquals(serverBound, windows(rig.accepted)[1], "server bound while suspended; " + heldNow);
        assertTrue(held(rig.client) <= clientBound && held(rig.accepted) <= serverBound,
            "held within the bound while suspended: client " + held(rig.client) + ", server " + held(rig.accepted));
        toxi.remove(toxics);
      });
      rig.awaitResumed(fault, rig.resumeBound());
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertSuspendedAndResumed(rig, 1);
      assertTrue(rig.clientEvents.totalRetransmitted() > 0, "the client sent again what the cut dropped");
      assertTrue(rig.serverEvents.totalRetransmitted() > 0, "the server sent again what the cut dropped");
    }
    Await.until(
        Duration.ofSeconds(30),
        () -> "the window budget gets back every byte once the rocks ended; used " + ProcessWindowBudget.INSTANCE.used()
            + ", was " + budgetBefore,
        () -> ProcessWindowBudget.INSTANCE.used() == budgetBefore);
  }

  /** A rock pair across a long fat path: 25 ms each way (a 50 ms round trip) at 50,000 KB/s. */
  private static ProxiedRocks longFatPath(Toxi toxi, Scenario scenario, RockOptions options, String name)
      throws Exception {
    return ProxiedRocks.open(
        toxi, scenario, options, name, proxy -> {
          toxi.latency(proxy, "latency", 25, 0);
          toxi.bandwidth(proxy, "bandwidth", 50_000);
        });
  }

  private static long held(RockSocket socket) {
    io.rocks.RockStats stats = socket.rock().stats();
    return stats.bytesWritten() - stats.bytesAcknowledged();
  }

  private static int[] windows(RockSocket socket) {
    return ((RealRock) socket.rock()).windowsNow();
  }

  static void cutSilently(ProxiedRocks rig, Toxi toxi, String name, Runnable afterInject) throws Exception {
    List<Toxic> toxics = new ArrayList<>();
    ProxiedRocks.Fault fault = rig.inject("silent cut", () -> toxics.addAll(toxi.silentCut(rig.proxy, name)));
    afterInject.run();
    Duration detection = rig.awaitClientSuspended(fault, rig.detectionBound());
    assertTrue(
        detection.compareTo(rig.options.heartbeatInterval()) >= 0,
        "a silent cut can only be noticed by missing heartbeats, yet it was noticed after "
            + detection.toMillis() + " ms");
    rig.awaitServerSuspended(fault, rig.detectionBound().plusSeconds(10));
    // One side notices the silence first (SocketTimeoutException) and closes its connection to the
    // proxy; Toxiproxy passes that close on to the other side, which may then see it (EOF) a few
    // milliseconds before its own silence timer fires.
    Throwable clientCause = rig.clientEvents.suspendCause(fault.clientSuspensionsBefore);
    Throwable serverCause = rig.serverEvents.suspendCause(fault.serverSuspensionsBefore);
    assertTrue(
        clientCause instanceof SocketTimeoutException || serverCause instanceof SocketTimeoutException,
        "a side noticed the silent cut by heartbeat silence; client: " + clientCause + ", server: " + serverCause);
    rig.heal(fault, () -> toxi.remove(toxics));
    rig.awaitResumed(fault, rig.resumeBound());
  }

  /** Each injected fault suspended each side exactly once, and each suspension resumed. */
  static void assertSuspendedAndResumed(ProxiedRocks rig, int faults) {
    assertEquals(faults, rig.client.rock().stats().suspensions(), "client suspensions\n" + rig.describe());
    assertEquals(faults, rig.accepted.rock().stats().suspensions(), "server suspensions\n" + rig.describe());
    assertEquals(faults, rig.clientEvents.resumes(), "client resumes\n" + rig.describe());
    assertEquals(faults, rig.serverEvents.resumes(), "server resumes\n" + rig.describe());
  }

  static boolean neitherTerminal(ProxiedRocks rig) {
    return !rig.client.rock().state().isTerminal() && !rig.accepted.rock().state().isTerminal();
  }

  static Duration millis(SplittableRandom random, long from, long to) {
    return Duration.ofMillis(random.nextLong(from, to + 1));
  }

  static Long firstBetween(List<Long> times, long from, long until) {
    for (long t : times) {
      if (t >= from && t < until) {
        return t;
      }
    }
    return null;
  }
}
