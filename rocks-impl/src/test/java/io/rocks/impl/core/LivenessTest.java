package io.rocks.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The timing rules of the core, on a clock the test moves: no sockets, no threads, no sleeping. */
public class LivenessTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long S = TimeUnit.SECONDS.toNanos(1);

  /** 500 ms heartbeats, sensitivity 3, idle after 60 s, 25 s heartbeats when idle; time 0 is now. */
  private static Liveness defaults() {
    return new Liveness(500 * MS, 3, 60 * S, 25 * S, 0);
  }

  @Test
  void entersIdleModeOnlyAfterItsTimeAndOnlyWhenNothingWaits() {
    Liveness liveness = defaults();
    assertFalse(liveness.maybeEnterIdle(60 * S - 1, true), "too early");
    assertFalse(liveness.maybeEnterIdle(61 * S, false), "data waits");
    assertEquals(0, liveness.takePace());
    assertTrue(liveness.maybeEnterIdle(61 * S, true));
    assertTrue(liveness.idle());
    assertEquals(25_000, liveness.takePace(), "PACE announces the idle interval");
    assertEquals(0, liveness.takePace(), "once");
    assertEquals(25 * S, liveness.heartbeatIntervalNanos());
    assertFalse(liveness.maybeEnterIdle(200 * S, true), "already idle");
  }

  @Test
  void anyActivityEndsIdleModeAtOnceAndAnnouncesTheUsualInterval() {
    Liveness liveness = defaults();
    liveness.maybeEnterIdle(61 * S, true);
    liveness.takePace();
    assertTrue(liveness.written(70 * S));
    assertFalse(liveness.idle());
    assertEquals(500, liveness.takePace());
    assertEquals(500 * MS, liveness.heartbeatIntervalNanos());
    assertFalse(liveness.activity(71 * S), "not idle: nothing to announce");
    assertEquals(71 * S + 60 * S, liveness.idleAtNanos(), "idle mode may begin 60 s after the last activity");
  }

  @Test
  void waitsForThePeersAnnouncedPaceButNeverLessThanItsOwnInterval() {
    Liveness liveness = defaults();
    assertEquals(1_500 * MS, liveness.silenceLimitNanos());
    liveness.onPace(25_000);
    assertEquals(75 * S, liveness.silenceLimitNanos());
    liveness.onPace(100);
    assertEquals(1_500 * MS, liveness.silenceLimitNanos(), "a shorter pace than ours changes nothing");
    liveness.onPace(25_000);
    liveness.newConnection();
    assertEquals(1_500 * MS, liveness.silenceLimitNanos(), "a new connection forgets the peer's pace");
  }

  @Test
  void dataWaitingCountsSilenceFromTheLastWriteAtMost() {
    Liveness liveness = defaults();
    liveness.written(100 * S);
    // The peer was silent for 20 s (idle heartbeats), but the write was 1 s ago: 1 s counts.
    assertEquals(1 * S, liveness.dataWaitNanos(101 * S, 20 * S));
    assertEquals(300 * MS, liveness.dataWaitNanos(101 * S, 300 * MS));
    assertEquals(1_500 * MS, liveness.fastLimitNanos());
  }

  @Test
  void anIdleIntervalBelowTheHeartbeatIntervalMeansTheHeartbeatInterval() {
    Liveness liveness = new Liveness(30 * S, 3, 60 * S, 25 * S, 0);
    assertTrue(liveness.maybeEnterIdle(61 * S, true));
    assertEquals(30 * S, liveness.heartbeatIntervalNanos());
    assertEquals(30_000, liveness.takePace());
  }

  @Test
  void anIdleSideAnnouncesItsPaceAgainOnANewConnection() {
    Liveness liveness = defaults();
    liveness.maybeEnterIdle(61 * S, true);
    liveness.takePace();
    liveness.newConnection();
    assertEquals(25_000, liveness.takePace());
  }

  @Test
  void theSessionsLookSaysDeadHeartbeatOrWhenToLookNext() {
    RockSession session = new RockSession(Role.CONNECTOR, 64 * 1024, 64 * 1024, defaults());
    session.keyed(true, null);
    // Silent 1.2 s, sent 600 ms ago: a heartbeat is due, look again at the limit or the next beat.
    RockSession.Look look = session.look(10 * S, 1_200 * MS, 600 * MS, false);
    assertFalse(look.dead());
    assertTrue(look.heartbeatDue());
    assertEquals(10 * S + 300 * MS, look.nextAtNanos(), "the silence limit comes first");
    assertTrue(session.look(10 * S, 1_500 * MS, 0, false).dead());
    // Written data waiting: 1.5 s since the write with nothing heard is dead, whatever the pace.
    session.onPace(25_000);
    session.buffer(new byte[10], 0, 10, 20 * S);
    assertFalse(session.look(21 * S, 5 * S, 0, false).dead());
    RockSession.Look late = session.look(21_500 * MS, 6_500 * MS, 0, false);
    assertTrue(late.dead());
    assertEquals(1_500 * MS, late.silenceNanos());
  }

  @Test
  void inIdleModeTheFollowerAnswersTheLeaderAndTimesItsOwnHeartbeatOnlyAsAFallback() {
    Liveness leader = defaults();
    Liveness follower = defaults();
    follower.follower(true);
    assertFalse(follower.answerDue(30 * S), "out of idle mode every end times its own heartbeats");
    assertEquals(500 * MS, follower.ownHeartbeatAfterNanos());
    leader.maybeEnterIdle(61 * S, true);
    follower.maybeEnterIdle(61 * S, true);

    assertEquals(25 * S, leader.ownHeartbeatAfterNanos());
    assertFalse(leader.answerDue(30 * S), "the leader never answers");
    assertEquals(37_500 * MS, follower.ownHeartbeatAfterNanos(), "one and a half intervals");
    assertTrue(follower.answerDue(12_500 * MS), "half an interval after its last send");
    assertFalse(follower.answerDue(12_499 * MS), "at most two answers an interval");
    leader.onPace(25_000);
    assertTrue(follower.ownHeartbeatAfterNanos() < leader.silenceLimitNanos(),
        "the fallback comes within the leader's silence limit");
  }

  @Test
  void anIdleHeartbeatMayGoASliverEarlySoOneLookAnIntervalSuffices() {
    Liveness liveness = defaults();
    assertFalse(liveness.heartbeatDue(500 * MS - 1), "no slack out of idle mode");
    assertTrue(liveness.heartbeatDue(500 * MS));
    liveness.maybeEnterIdle(61 * S, true);
    long slack = 25 * S / 32;
    assertTrue(liveness.heartbeatDue(25 * S - slack));
    assertFalse(liveness.heartbeatDue(25 * S - slack - 1));
    assertEquals(1, liveness.heartbeatDueInNanos(25 * S - slack - 1));
    assertEquals(0, liveness.heartbeatDueInNanos(26 * S));
  }

  @Test
  void withASensitivityOfOneNeitherEndFollows() {
    Liveness follower = new Liveness(500 * MS, 1, 60 * S, 25 * S, 0);
    follower.follower(true);
    follower.maybeEnterIdle(61 * S, true);
    assertFalse(follower.answerDue(20 * S));
    assertEquals(25 * S, follower.ownHeartbeatAfterNanos(), "its fallback would outlast the peer's limit");
  }
}
