package io.rocks.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockException;
import io.rocks.RockState;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rock's state machine, on a clock the test moves: no sockets, no threads. */
public class RockLifecycleTest {
  private static final long MS = 1_000_000;

  private static RockSession session(Role role) {
    return new RockSession(role, 65_536, 65_536, new Liveness(500 * MS, 3, 60_000 * MS, 25_000 * MS, 0));
  }

  @Test
  void establishesSuspendsAndResumesCountingTheTimeSuspended() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTING);
    assertNull(life.attached(0, false, -1), "a first attach is no resume");
    long first = life.generation();
    assertEquals(RockState.CONNECTING, life.state(), "a new rock stays CONNECTING until WELCOME");
    assertTrue(life.established());
    assertEquals(RockState.CONNECTED, life.state());
    assertFalse(life.established(), "once");

    assertEquals(RockLifecycle.Loss.SUSPENDED, life.lost(first, 10 * MS, false, true, false));
    assertEquals(RockState.SUSPENDED, life.state());
    assertFalse(life.isCurrent(first), "the broken connection's threads stop");
    assertEquals(10 * MS, life.suspendedSinceNanos());
    assertEquals(
        RockLifecycle.Loss.STALE,
        life.lost(first, 11 * MS, false, true, false),
        "a second report of the same break changes nothing");

    assertEquals(Duration.ofMillis(90), life.attached(100 * MS, true, -1));
    assertEquals(RockState.CONNECTED, life.state());
    RockSession session = session(Role.CONNECTOR);
    assertEquals(1, life.stats(session, 200 * MS).suspensions());
    assertEquals(Duration.ofMillis(90), life.stats(session, 200 * MS).timeSuspended());
  }

  @Test
  void aResumeThisSideHadNotNoticedCountsAsASuspensionOfNoTime() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTED);
    assertSame(Duration.ZERO, life.attached(5 * MS, true, 0));
    assertEquals(RockState.CONNECTED, life.state());
    RockSession session = session(Role.ACCEPTOR);
    assertEquals(1, life.stats(session, 6 * MS).suspensions());
    assertEquals(Duration.ZERO, life.stats(session, 6 * MS).timeSuspended());
  }

  @Test
  void aNewRockSaysHelloAgainOnlyWhileItMayAndFailsWithoutAKey() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTING);
    life.attached(0, false, -1);
    long gen = life.generation();
    assertEquals(RockLifecycle.Loss.HELLO_AGAIN, life.lost(gen, MS, false, false, true));
    assertEquals(RockState.CONNECTING, life.state());
    assertFalse(life.isCurrent(gen));
    assertEquals(RockLifecycle.Loss.FAILED, life.lost(life.generation(), MS, false, false, false));
    assertEquals(RockState.CONNECTING, life.state(), "the driver records the cause with fail()");
    IOException cause = new RockException("no WELCOME");
    assertTrue(life.fail(cause));
    assertSame(cause, life.failure());
    assertFalse(life.fail(new RockException("again")), "the first end wins");
    assertSame(cause, life.failure());
  }

  @Test
  void aBreakAfterBothDirectionsEndedIsTheEndNotAFailure() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTED);
    life.attached(0, false, -1);
    assertEquals(RockLifecycle.Loss.ENDED, life.lost(life.generation(), MS, true, true, false));
    assertEquals(RockState.CONNECTED, life.state(), "the driver closes it");
    assertTrue(life.close());
    assertEquals(RockState.CLOSED, life.state());
    assertFalse(life.close());
    assertNull(life.failure());
  }

  @Test
  void refusesResumesOlderThanTheOneAttachedLast() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTED);
    long first = life.nextChallenge();
    long second = life.nextChallenge();
    assertNull(life.staleResume(second));
    life.attached(MS, true, second);
    assertEquals(
        "it answered challenge 0, and the resume of challenge 1 attached before it",
        life.staleResume(first));
    assertNull(life.staleResume(-1), "no challenge: the connecting side");
  }

  @Test
  void anEndedRockTakesNoConnectionAndStartsOnlyConnectingOrConnected() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTED);
    life.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> life.attached(0, true, -1));
    assertEquals("a CLOSED rock cannot attach a connection", e.getMessage());
    assertThrows(IllegalStateException.class, life::established);
    assertEquals(RockLifecycle.Loss.STALE, life.lost(life.generation(), 0, false, true, false));
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> new RockLifecycle(RockState.SUSPENDED));
    assertEquals("a rock starts CONNECTING or CONNECTED, not SUSPENDED", bad.getMessage());
  }
}
