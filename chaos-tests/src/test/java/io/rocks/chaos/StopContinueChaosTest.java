package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A JVM that stops dead for longer than failure detection and then carries on, as in a long
 * collection pause, a suspended VM or a debugger: a child JVM holds {@value #ROCKS} rocks to this
 * one, each moving {@link #BYTES_EACH_WAY} bytes both ways; half has crossed when the child is
 * stopped ({@code SIGSTOP}) for {@link #STOP}, while this JVM writes the other half into the
 * silence; then it is continued ({@code SIGCONT}) and writes its own second half. Every rock on
 * both ends must end {@code CONNECTED} with every byte delivered (SHA-256 per rock and direction).
 * This JVM's rocks must have noticed the silence (the stop is longer than the detection time, so
 * recovery is exercised); how often each end suspended is reported, not held to a number.
 *
 * <p>Once with the child as the connecting end and once as the accepting end. The child is always
 * continued and killed after the test, also when it fails.
 */
@ExtendWith(ChaosReport.class)
class StopContinueChaosTest {
  static final int ROCKS = 50;
  static final long BYTES_EACH_WAY = 1024 * 1024;
  /** The child runs with the defaults, and so does this JVM's end. */
  static final RockOptions OPTIONS = RockOptions.defaults();
  /** Longer than detection (1.5 s by default), far shorter than the reconnect timeout (24 h). */
  static final Duration STOP = Duration.ofSeconds(4);
  static final List<String> CHILD_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");
  static final Duration START_LIMIT = Duration.ofSeconds(60);
  static final Duration TRANSFER_LIMIT = Duration.ofMinutes(2);

  private ChildFleet child;
  private Fleet local;

  @Test
  @DisplayName("stall: connecting JVM stopped 4 s, 50 rocks")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void stopsAndContinuesTheConnectingEndWithoutLosingARockOrAByte(Scenario scenario) throws Exception {
    local = Fleet.accepting("test-jvm", InetAddress.getLoopbackAddress(), ROCKS, BYTES_EACH_WAY, new FleetEvents());
    child = ChildFleet.connecting("child", CHILD_JVM, local.port(), ROCKS, BYTES_EACH_WAY, Duration.ZERO);
    stopAndContinueChild(scenario, Fleet.Side.CONNECTING);
  }

  @Test
  @DisplayName("stall: accepting JVM stopped 4 s, 50 rocks")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void stopsAndContinuesTheAcceptingEndWithoutLosingARockOrAByte(Scenario scenario) throws Exception {
    child = ChildFleet.accepting("child", CHILD_JVM, ROCKS, BYTES_EACH_WAY, Duration.ZERO);
    int port = child.awaitListening(START_LIMIT);
    local =
        Fleet.connecting(
            "test-jvm",
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
            ROCKS,
            BYTES_EACH_WAY,
            new FleetEvents(),
            START_LIMIT);
    stopAndContinueChild(scenario, Fleet.Side.ACCEPTING);
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (child != null) {
        child.close();
      }
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  private void stopAndContinueChild(Scenario scenario, Fleet.Side childSide) throws Exception {
    assertTrue(
        STOP.compareTo(OPTIONS.failureDetectionTime()) > 0 && STOP.compareTo(OPTIONS.reconnectTimeout()) < 0,
        "the stop outlasts detection and not recovery");
    List<FleetHandle> ends = List.of(local, child);
    FleetHandle.awaitAll(ends, START_LIMIT, "all rocks connected", FleetHandle.allConnected(ROCKS));
    long half = BYTES_EACH_WAY / 2;
    local.allow(half);
    child.allow(half);
    FleetHandle.awaitAll(ends, TRANSFER_LIMIT, "every rock read half", FleetHandle.everyRockRead(half));

    long stoppedAt = System.nanoTime();
    child.process().stopProcess();
    scenario.failureInjected();
    local.allow(BYTES_EACH_WAY);
    Hold.during(
        STOP.minusNanos(System.nanoTime() - stoppedAt),
        "the child stays stopped and no rock of this JVM fails",
        () -> child.process().schedulerState() == 'T' && local.healthy(local.status()));
    child.process().continueProcess();
    long continuedAt = System.nanoTime();
    child.allow(BYTES_EACH_WAY);

    FleetHandle.awaitAll(ends, TRANSFER_LIMIT, "every transfer done", FleetHandle.transfersDone(ROCKS));
    long deliveredAt = System.nanoTime();
    FleetHandle.awaitAll(ends, TRANSFER_LIMIT, "all rocks connected again", FleetHandle.allConnected(ROCKS));
    long connectedAt = System.nanoTime();

    List<RockReport> localReports = local.report(TRANSFER_LIMIT);
    List<RockReport> childReports = child.report(TRANSFER_LIMIT);
    scenario.bytes(ROCKS * BYTES_EACH_WAY, ROCKS * BYTES_EACH_WAY);
    List<PeerProcess.Event> localSuspended = local.events("suspended");
    long reportedAt = System.nanoTime();
    for (PeerProcess.Event suspended : localSuspended) {
      scenario.detected(Duration.ofNanos(suspended.atNanos() - stoppedAt));
    }
    scenario.resumed(Duration.ofNanos(connectedAt - continuedAt));
    String summary =
        String.join(
            "; ",
            "child " + childSide.name().toLowerCase(Locale.ROOT),
            "stopped " + Duration.ofNanos(continuedAt - stoppedAt).toMillis() + " ms",
            "every byte delivered " + Duration.ofNanos(deliveredAt - continuedAt).toMillis() + " ms and every rock connected "
                + Duration.ofNanos(connectedAt - continuedAt).toMillis() + " ms after SIGCONT",
            "suspensions counted by the rocks: test JVM " + suspensions(localReports) + ", child " + suspensions(childReports),
            SuspensionTally.of("test JVM", "from the stop", localSuspended, stoppedAt, stoppedAt, reportedAt).describe(),
            SuspensionTally.of("child", "from the stop", child.events("suspended"), stoppedAt, stoppedAt, reportedAt).describe(),
            "resumes in the test JVM: " + SuspensionTally.describeResumes(local.events("resumed")),
            "resumes in the child: " + SuspensionTally.describeResumes(child.events("resumed")));
    System.out.println("[stall] " + summary);
    scenario.note(summary);

    NoLoss.assertSameRocks(localReports, childReports);
    NoLoss.assertNoLoss("test JVM", childSide.other(), localReports, ROCKS, BYTES_EACH_WAY);
    NoLoss.assertNoLoss("child", childSide, childReports, ROCKS, BYTES_EACH_WAY);
    assertEquals(
        List.of(),
        localReports.stream().filter(r -> r.suspensions() == 0).map(r -> r.id().toString()).toList(),
        "rocks of this JVM that never noticed a peer silent for " + STOP.toMillis() + " ms");
  }

  private static int suspensions(List<RockReport> reports) {
    return reports.stream().mapToInt(RockReport::suspensions).sum();
  }
}
