package io.rocks.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of {@link WindowTuning}, step by step on a made-up clock. */
class WindowTuningTest {
  private static final long MS = 1_000_000L;
  private static final int KIB = 1024;

  /** A budget that counts, with a limit. */
  static final class CountingBudget implements WindowTuning.Budget {
    final long limit;
    long used;

    CountingBudget(long limit) {
      this.limit = limit;
    }

    @Override
    public boolean tryReserve(long bytes) {
      if (used + bytes > limit) {
        return false;
      }
      used += bytes;
      return true;
    }

    @Override
    public void release(long bytes) {
      used -= bytes;
    }
  }

  private static void sample(WindowTuning tuning, long atNanos, long rttNanos) {
    assertTrue(tuning.echoDue(atNanos), "an echo is due at " + atNanos);
    tuning.echoAsked(atNanos);
    assertFalse(tuning.echoDue(atNanos + 1), "one echo at a time");
    tuning.echoAnswered(atNanos + rttNanos);
  }

  @Test
  void roundTripsAreSmoothedAsTcpDoesAndAskedForAtMostFourTimesASecond() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    sample(tuning, 0, 80 * MS);
    assertEquals(List.of(80 * MS, 80 * MS), List.of(tuning.smoothedRttNanos(), tuning.latestRttNanos()));
    assertFalse(tuning.echoDue(80 * MS + WindowTuning.ECHO_INTERVAL_NANOS - 1));
    sample(tuning, 80 * MS + WindowTuning.ECHO_INTERVAL_NANOS, 40 * MS);
    assertEquals(List.of(75 * MS, 40 * MS), List.of(tuning.smoothedRttNanos(), tuning.latestRttNanos()));
    // An echo asked on a connection that broke is never answered; the next one is due at once.
    tuning.echoAsked(1_000 * MS);
    tuning.newConnection();
    assertTrue(tuning.echoDue(1_000 * MS));
    tuning.echoAnswered(1_010 * MS); // an answer to nothing asked: ignored
    assertEquals(40 * MS, tuning.latestRttNanos());
  }

  @Test
  void theWindowDoublesWhileAWholeWindowIsReadInLessThanTwoRoundTrips() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, budget);
    long consumed = 0;
    long now = 0;
    assertFalse(tuning.consumed(consumed, now), "no round trip measured yet: nothing to compare");
    sample(tuning, now, 50 * MS);
    // A window-limited sender delivers one window per round trip.
    List<Integer> windows = new java.util.ArrayList<>();
    for (int round = 0; round < 8; round++) {
      consumed += tuning.receiveWindow();
      now += 50 * MS;
      tuning.consumed(consumed, now);
      windows.add(tuning.receiveWindow() / KIB);
    }
    assertEquals(List.of(128, 256, 512, 1024, 1024, 1024, 1024, 1024), windows);
    assertEquals(4, tuning.growths());
    assertEquals(1024 * KIB - 64 * KIB, budget.used);
  }

  @Test
  void aWindowReadSlowlyDoesNotGrow() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    sample(tuning, 0, 10 * MS);
    // The application takes 20 ms per window: two round trips. The path is not what limits.
    for (int round = 1; round <= 5; round++) {
      assertFalse(tuning.consumed(round * 64L * KIB, round * 20 * MS));
    }
    assertEquals(64 * KIB, tuning.receiveWindow());
    // Less than a whole window read: nothing is decided, however fast.
    assertFalse(tuning.consumed(5 * 64L * KIB + 1, 100 * MS + 1));
  }

  @Test
  void theBudgetBoundsGrowthAndIdleModeGivesEverythingBack() {
    CountingBudget budget = new CountingBudget(200 * KIB);
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, budget);
    tuning.consumed(0, 0);
    sample(tuning, 0, 50 * MS);
    long consumed = 0;
    for (int round = 1; round <= 4; round++) {
      consumed += tuning.receiveWindow();
      tuning.consumed(consumed, round * 10 * MS);
    }
    assertEquals(256 * KIB, tuning.receiveWindow(), "512 KiB would need 256 KiB more: over the budget");
    assertEquals(192 * KIB, budget.used);
    assertTrue(tuning.peerGranted(70 * KIB));
    assertEquals(70 * KIB, tuning.sendBound());
    assertFalse(tuning.peerGranted(512 * KIB), "the budget has 2 KiB left, not 442");
    assertFalse(tuning.peerGranted(68 * KIB), "the bound never shrinks while the rock is busy");
    assertEquals(198 * KIB, budget.used);
    tuning.idle();
    assertEquals(List.of(64L * KIB, 64L * KIB, 0L), List.of((long) tuning.receiveWindow(), (long) tuning.sendBound(), budget.used));
    tuning.release(); // again, as the rock ends: nothing more to give back
    assertEquals(0L, budget.used);
  }

  @Test
  void theSendBoundFollowsThePeerUpToTheMaximum() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    WindowTuning tuning = new WindowTuning(64 * KIB, 256 * KIB, 1024 * KIB, budget);
    assertFalse(tuning.peerGranted(64 * KIB), "less than the starting size");
    assertTrue(tuning.peerGranted(600 * KIB));
    assertTrue(tuning.peerGranted(8_000 * KIB));
    assertEquals(1024 * KIB, tuning.sendBound());
    assertEquals(768L * KIB, budget.used);
  }
}
