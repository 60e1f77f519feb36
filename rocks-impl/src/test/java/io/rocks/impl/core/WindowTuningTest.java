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
  void aWindowLimitedSenderGetsFourTimesTheWindowPerRoundTripAndAHalf() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, budget);
    long consumed = 0;
    long now = 0;
    assertFalse(tuning.consumed(consumed, now), "no round trip measured yet: nothing to compare");
    sample(tuning, now, 50 * MS);
    sample(tuning, now + 300 * MS, 80 * MS); // waited behind queued data: the path is still 50 ms
    assertEquals(50 * MS, tuning.minRttNanos());
    // A window-limited sender delivers one window per round trip (here in sixteenths): half a window
    // comes in half a round trip.
    List<Long> grewAt = new java.util.ArrayList<>();
    for (int step = 0; step < 16 * 8; step++) {
      consumed += tuning.receiveWindow() / 16;
      now += 50 * MS / 16;
      if (tuning.consumed(consumed, now)) {
        grewAt.add(now / MS);
        assertEquals(grewAt.size() == 1 ? 256 * KIB : 1024 * KIB, tuning.receiveWindow());
      }
    }
    // Half a window after the first sample; then a quiet round trip and half a window again.
    assertEquals(2, grewAt.size(), "grew at " + grewAt + " ms");
    assertTrue(grewAt.get(1) - grewAt.get(0) <= 80, "grew at " + grewAt + " ms");
    assertEquals(1024 * KIB - 64 * KIB, budget.used);
  }

  @Test
  void aWindowBetweenOneAndTwoBandwidthDelayProductsGrowsOnceAndStops() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    sample(tuning, 0, 50 * MS);
    // The path delivers 64 KiB per 80 ms whatever the window: 64 KiB is 1.6 products of bandwidth
    // and delay, half of it takes 0.8 round trips.
    List<Integer> windows = new java.util.ArrayList<>();
    for (int step = 1; step <= 400; step++) {
      if (tuning.consumed(step * 4L * KIB, step * 5 * MS)) {
        windows.add(tuning.receiveWindow() / KIB);
      }
    }
    assertEquals(List.of(256), windows);
  }

  @Test
  void aWindowReadSlowlyDoesNotGrow() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    sample(tuning, 0, 10 * MS);
    // The application takes 20 ms per window, a round trip per half: the path is not what limits.
    for (int half = 1; half <= 10; half++) {
      assertFalse(tuning.consumed(half * 32L * KIB, half * 10 * MS));
    }
    assertEquals(64 * KIB, tuning.receiveWindow());
    // Less than half a window read: nothing is decided, however fast.
    assertFalse(tuning.consumed(10 * 32L * KIB + 32 * KIB - 1, 100 * MS + 1));
  }

  @Test
  void aNewConnectionMeasuresItsPathAfresh() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    sample(tuning, 0, 5 * MS);
    tuning.newConnection();
    assertEquals(0, tuning.minRttNanos());
    assertFalse(tuning.consumed(0, 10 * MS));
    assertFalse(tuning.consumed(64 * KIB, 11 * MS), "no sample on the new connection yet");
    sample(tuning, 20 * MS, 100 * MS);
    assertEquals(100 * MS, tuning.minRttNanos());
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
    // Read at 6.4 MB/s in 10 ms steps: covering the path would take 640 KiB, four windows 256 KiB,
    // more than the 200 KiB budget either way, which still covers a doubling.
    assertEquals(128 * KIB, tuning.receiveWindow());
    assertEquals(64 * KIB, budget.used);
    assertTrue(tuning.peerGranted(70 * KIB));
    assertEquals(70 * KIB, tuning.sendBound());
    assertFalse(tuning.peerGranted(512 * KIB), "the budget has 130 KiB left, not 442");
    assertFalse(tuning.peerGranted(68 * KIB), "the bound never shrinks while the rock is busy");
    assertEquals(70 * KIB, budget.used);
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
