package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A connection storm ({@link Storm}) of {@value #ROCKS} rocks between two JVMs on loopback, through
 * relays: the burst under a competing load of two spinning threads, an idle period, a reset of
 * every link at once, a 5 s black hole of every link, data both ways before and after each fault,
 * and the SHA-256 of every rock compared across the two processes. Every phase has a deadline, and
 * the whole test is bounded by its {@code @Timeout}; the storm ends every process it started,
 * also when it fails. Processes' logs, their GC logs and any thread dumps or crash reports are left
 * in {@code target/storm/DATE-TIME}.
 *
 * <p>To reproduce a report of another shape, {@code -Drocks.storm.rocks=N} changes the number of
 * rocks, {@code -Drocks.storm.idleMillis=MS} the idle period before the reset (5 s), and {@code
 * -Drocks.storm.segmentBytes=B} the size of each of the three segments each way (2,048), and
 * {@code -Drocks.storm.idleFromLastConnect=true} counts the idle period from the last connect
 * call's return, not from the burst settled, so the reset strikes rocks still in their handshake
 * (the burst's counts are then taken when the last connect returned, before most rocks connected),
 * and {@code -Drocks.storm.threadDumps=true} dumps both sides' threads where a phase runs slow or
 * misses its deadline.
 */
@ExtendWith(ChaosReport.class)
class StormTest {
  static final int ROCKS = 2_000;
  private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Test
  @DisplayName("storm: 2,000 rocks in one burst under load, all reset, then all black-holed for 5 s")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void everyRockOfABurstSurvivesAResetAndABlackHoleOfEveryLinkWithoutLoss(Scenario scenario) throws Exception {
    int rocks = Integer.getInteger("rocks.storm.rocks", ROCKS);
    Storm.Plan plan =
        Storm.Plan.of(
            rocks, Duration.ofSeconds(45), Duration.ofSeconds(30), Duration.ofSeconds(20),
            Path.of("target", "storm", RUN_NAME.format(LocalDateTime.now())), System.out::println);
    plan = plan.withIdleWindow(Duration.ofMillis(Long.getLong("rocks.storm.idleMillis", plan.idleWindow().toMillis())))
        .withSegmentBytes(Integer.getInteger("rocks.storm.segmentBytes", plan.segmentBytes()))
        .withIdleFromLastConnect(Boolean.getBoolean("rocks.storm.idleFromLastConnect"))
        .withThreadDumps(Boolean.getBoolean("rocks.storm.threadDumps"));
    StormOutcome outcome = Storm.run(plan);
    String report = outcome.describe();
    System.out.println(report);

    StormOutcome.Phase connect = outcome.phase("connect");
    StormOutcome.Phase reset = outcome.phase("reset");
    StormOutcome.Phase restore = outcome.phase("restore");
    StormOutcome.Phase finish = outcome.phase("finish");
    long[] idle = outcome.idleSuspensions();
    scenario.bytes(3L * plan.segmentBytes() * rocks, 3L * plan.segmentBytes() * rocks);
    scenario.failureInjected();
    scenario.failureInjected();
    if (reset.lastResumedMillis() >= 0) {
      scenario.resumed(Duration.ofMillis(reset.lastResumedMillis()));
    }
    if (restore.lastResumedMillis() >= 0) {
      scenario.resumed(Duration.ofMillis(restore.lastResumedMillis()));
    }
    long connectMillis = outcome.connectMillis();
    scenario.note(String.format(
        "%,d rocks: %s; false suspensions %d / %d; lost %,d", rocks,
        connectMillis < 0 ? "not all connected" : "all connected " + connectMillis + " ms after the first connect",
        idle[0], idle[1], outcome.lost()));

    assertAll(
        report,
        () -> assertTrue(connect.settled(), "the burst settled within its deadline"),
        () -> assertEquals(rocks, connect.client().get("CONNECTED"), "connecting rocks connected after the burst"),
        () -> assertEquals(rocks, connect.server().get("CONNECTED"), "accepting rocks connected after the burst"),
        () -> assertEquals(0, idle[0], "connecting rocks' suspensions while idle after the burst"),
        () -> assertEquals(0, idle[1], "accepting rocks' suspensions while idle after the burst"),
        () -> assertTrue(reset.settled(), "every rock resumed after the reset within its deadline"),
        () -> assertEquals(rocks, reset.client().get("resumedSinceMark"), "connecting rocks resumed after the reset"),
        () -> assertEquals(rocks, reset.server().get("resumedSinceMark"), "accepting rocks resumed after the reset"),
        () -> assertTrue(restore.settled(), "every rock resumed after the black hole within its deadline"),
        () -> assertEquals(rocks, restore.client().get("resumedSinceMark"), "connecting rocks resumed after the black hole"),
        () -> assertEquals(rocks, restore.server().get("resumedSinceMark"), "accepting rocks resumed after the black hole"),
        () -> assertEquals(rocks, outcome.verification().clientToServerEqual(), "rocks whose SHA-256 matched client to server"),
        () -> assertEquals(rocks, outcome.verification().serverToClientEqual(), "rocks whose SHA-256 matched server to client"),
        () -> assertEquals(0, finish.client().get("FAILED"), "connecting rocks FAILED"),
        () -> assertEquals(0, finish.server().get("FAILED"), "accepting rocks FAILED"),
        () -> assertEquals(rocks, finish.client().get("CLOSED"), "connecting rocks closed in order"),
        () -> assertEquals(rocks, finish.server().get("CLOSED"), "accepting rocks closed in order"),
        () -> assertEquals(0, outcome.lost(), "rocks lost"));
  }
}
