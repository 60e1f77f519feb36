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

  /** The first samples of a connection, back to back, the last answered at {@code answeredAt}. */
  private static void firstSamples(WindowTuning tuning, long answeredAtNanos, long rttNanos) {
    for (int i = WindowTuning.FIRST_SAMPLES; i > 0; i--) {
      sample(tuning, answeredAtNanos - i * rttNanos, rttNanos);
    }
  }

  private static void sample(WindowTuning tuning, long atNanos, long rttNanos) {
    assertTrue(tuning.echoDue(atNanos), "an echo is due at " + atNanos);
    tuning.echoAsked(atNanos);
    assertFalse(tuning.echoDue(atNanos + 1), "one echo at a time");
    tuning.echoAnswered(atNanos + rttNanos);
  }

  @Test
  void theFirstRoundTripsAreAskedBackToBackThenAtMostFourTimesASecondAndSmoothedAsTcpDoes() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    sample(tuning, 0, 17 * MS); // the first connection of a JVM still loading classes
    sample(tuning, 17 * MS, 80 * MS);
    sample(tuning, 97 * MS, 80 * MS);
    assertEquals(List.of(17 * MS, 80 * MS), List.of(tuning.minRttNanos(), tuning.latestRttNanos()));
    assertFalse(tuning.echoDue(177 * MS + WindowTuning.ECHO_INTERVAL_NANOS - 1));
    sample(tuning, 177 * MS + WindowTuning.ECHO_INTERVAL_NANOS, 40 * MS);
    assertEquals(40 * MS, tuning.latestRttNanos());
    // 17, then 80 twice, then 40, each with gain 1/8.
    long smoothed = 17 * MS;
    for (long rtt : new long[] {80 * MS, 80 * MS, 40 * MS}) {
      smoothed += (rtt - smoothed) / 8;
    }
    assertEquals(smoothed, tuning.smoothedRttNanos());
    // An echo asked on a connection that broke is never answered; the next one is due at once.
    tuning.echoAsked(1_000 * MS);
    tuning.newConnection();
    assertTrue(tuning.echoDue(1_000 * MS));
    tuning.echoAnswered(1_010 * MS); // an answer to nothing asked: ignored
    assertEquals(40 * MS, tuning.latestRttNanos());
  }

  @Test
  void aHandshakeSampleOfAMillisecondOrMoreIsCheckedByAnEchoAtOnceAndAShorterOneIsNot() {
    WindowTuning slow = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    slow.handshakeSample(15 * MS); // a JVM's first connection, classes loading
    assertEquals(15 * MS, slow.minRttNanos());
    assertTrue(slow.echoDue(15 * MS), "a long handshake sample is checked at once");
    slow.echoAsked(15 * MS);
    slow.echoAnswered(15 * MS + 200_000L); // the path is 0.2 ms
    assertEquals(200_000L, slow.minRttNanos());
    assertFalse(slow.echoDue(10_000 * MS), "then a short path: no more echoes");
    WindowTuning fast = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    fast.handshakeSample(300_000L);
    assertFalse(fast.echoDue(0), "a short handshake sample asks for no echo");
  }

  @Test
  void aWindowLimitedSenderAtAnEvenPaceGrowsTheWindowEveryRoundTripAndAHalf() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, budget);
    long consumed = 0;
    long now = 0;
    assertFalse(tuning.consumed(consumed, now), "no round trip measured yet: nothing to compare");
    firstSamples(tuning, now, 50 * MS);
    sample(tuning, now + 300 * MS, 80 * MS); // waited behind queued data: the path is still 50 ms
    assertEquals(50 * MS, tuning.minRttNanos());
    // A window-limited sender delivers one window per round trip, here evenly in sixteenths: the
    // fastest reading is the window per 50 ms, and covering the path takes twice that times the
    // smoothed round trip, 53.75 ms after the 80 ms sample: 2.15 windows each time.
    List<Integer> windows = new java.util.ArrayList<>();
    List<Long> grewAt = new java.util.ArrayList<>();
    for (int step = 0; step < 16 * 12; step++) {
      consumed += tuning.receiveWindow() / 16;
      now += 50 * MS / 16;
      if (tuning.consumed(consumed, now)) {
        windows.add(tuning.receiveWindow() / KIB);
        grewAt.add(now / MS);
      }
    }
    assertEquals(List.of(137, 295, 635, 1024), windows);
    for (int i = 1; i < grewAt.size(); i++) {
      assertTrue(grewAt.get(i) - grewAt.get(i - 1) <= 80, "grew at " + grewAt + " ms: a quiet round trip, then half a window");
    }
    assertEquals(1024 * KIB - 64 * KIB, budget.used);
  }

  @Test
  void aWindowLimitedSenderInBurstsShowsThePathsRateAndTheWindowCoversItInOneStep() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    WindowTuning tuning = new WindowTuning(1024 * KIB, 1024 * KIB, 32 * 1024 * KIB, budget);
    long consumed = 0;
    tuning.consumed(consumed, 0);
    firstSamples(tuning, 0, 50 * MS);
    // Each 50 ms round trip the window comes in one burst at the path's 100 MB/s: 64 KiB every
    // 655 us, 10.5 ms in all, then nothing until the next round trip.
    List<Integer> windows = new java.util.ArrayList<>();
    for (int roundTrip = 1; roundTrip <= 4; roundTrip++) {
      long start = roundTrip * 50 * MS;
      int pieces = tuning.receiveWindow() / (64 * KIB);
      for (int piece = 0; piece < Math.min(pieces, 76); piece++) {
        consumed += 64 * KIB;
        if (tuning.consumed(consumed, start + piece * 655_360L)) {
          windows.add(tuning.receiveWindow());
        }
      }
    }
    // The fastest reading, over 6.25 ms (an eighth of the round trip) from the start of a burst, is
    // 100 MB/s; twice that times 50 ms is 10 MB: one step, where an even pace doubles four times.
    assertEquals(1, windows.size(), "grew to " + windows);
    assertEquals(10_000_000, windows.get(0), 20_000);
    assertEquals(windows.get(0) - 1024 * KIB, budget.used);
  }

  @Test
  void roundTripsLongerThanTwiceThePathsOwnCountAsTwiceIt() {
    WindowTuning tuning = new WindowTuning(1024 * KIB, 1024 * KIB, 256 * 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    firstSamples(tuning, 0, 10 * MS);
    for (int i = 1; i <= 40; i++) {
      sample(tuning, i * 500 * MS, 200 * MS); // answers behind a deep queue
    }
    assertTrue(tuning.smoothedRttNanos() > 150 * MS, "smoothed " + tuning.smoothedRttNanos());
    // 100 MB/s in 1 ms steps from 30 s on: half the window in 5.2 ms, less than 20 ms; covering the
    // path takes twice the rate times 20 ms (not the smoothed 190 ms): 4 MB.
    long start = 30_000 * MS;
    List<Integer> windows = new java.util.ArrayList<>();
    for (int ms = 1; ms <= 12; ms++) {
      if (tuning.consumed(ms * 100_000L, start + ms * MS)) {
        windows.add(tuning.receiveWindow());
      }
    }
    assertEquals(List.of(4_000_000), windows);
  }

  @Test
  void aFastReadOnALongPathSizesTheWindowWithoutOverflow() {
    WindowTuning tuning = new WindowTuning(1024 * KIB, 1024 * KIB, 32 * 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    firstSamples(tuning, 0, 2_000 * MS); // a 2 s round trip
    // 4 GB/s (a backlog read at memory speed) for 8 ms: twice that times 2 s is 16 GB, 1.6e19 in
    // bytes times nanoseconds, past what a long holds (it would turn negative); the window goes
    // to its maximum.
    List<Integer> windows = new java.util.ArrayList<>();
    for (int ms = 1; ms <= 8; ms++) {
      if (tuning.consumed(ms * 4_000_000L, ms * MS)) {
        windows.add(tuning.receiveWindow());
      }
    }
    assertEquals(List.of(32 * 1024 * KIB), windows);
  }

  @Test
  void aWindowBetweenOneAndTwoBandwidthDelayProductsDoublesOnceAndStops() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    firstSamples(tuning, 0, 50 * MS);
    // The path delivers 64 KiB per 80 ms whatever the window: 64 KiB is 1.6 products of bandwidth
    // and delay, half of it takes 0.8 round trips; covering the path takes 80 KiB.
    List<Integer> windows = new java.util.ArrayList<>();
    for (int ms = 1; ms <= 2_000; ms++) {
      if (tuning.consumed(ms * 64L * KIB / 80, ms * MS)) {
        windows.add(tuning.receiveWindow() / KIB);
      }
    }
    assertEquals(List.of(128), windows);
  }

  @Test
  void aPathShorterThanAMillisecondKeepsItsWindowsHoweverFastItIsRead() {
    WindowTuning tuning = new WindowTuning(1024 * KIB, 1024 * KIB, 32 * 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    tuning.handshakeSample(900_000L); // counts as the first samples
    // 3 GB/s, read in 64 KiB pieces every 21.8 us, for 100 ms: half a window in 0.17 ms.
    for (int piece = 1; piece <= 4_600; piece++) {
      assertFalse(tuning.consumed(piece * 64L * KIB, piece * 21_845L));
    }
    assertEquals(1024 * KIB, tuning.receiveWindow());
    assertFalse(tuning.echoDue(10_000 * MS), "a short path asks for no more echoes");
  }

  @Test
  void aWindowReadSlowlyDoesNotGrow() {
    WindowTuning tuning = new WindowTuning(64 * KIB, 64 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    tuning.consumed(0, 0);
    firstSamples(tuning, 0, 10 * MS);
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
    firstSamples(tuning, 0, 50 * MS);
    // Read at 6.5 MB/s, a little every millisecond, for 40 ms: covering the 50 ms path would take
    // 640 KiB, more than the 200 KiB budget, which still covers a doubling.
    for (int ms = 1; ms <= 40; ms++) {
      tuning.consumed(ms * 6_554L, ms * MS);
    }
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

  @Test
  void readingHalfAWindowWhileTheSendBoundHasGrownGrowsTheReceiveWindowToIt() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    WindowTuning tuning = new WindowTuning(1024 * KIB, 1024 * KIB, 32 * 1024 * KIB, budget);
    assertTrue(tuning.peerGranted(8 * 1024 * KIB)); // the peer's window grew: this side sends bulk
    assertEquals(7L * 1024 * KIB, budget.used);
    tuning.consumed(0, 0);
    // Bytes come the other way too, read slowly (not window-limited) and with no round trip
    // measured: still the windows are made equal once half a window is read, not before.
    assertFalse(tuning.consumed(512 * KIB - 1, 400 * MS));
    assertTrue(tuning.consumed(512 * KIB, 400 * MS));
    assertEquals(List.of(8 * 1024 * KIB, 8 * 1024 * KIB), List.of(tuning.receiveWindow(), tuning.sendBound()));
    assertEquals(14L * 1024 * KIB, budget.used);
    assertEquals(1, tuning.growths());
    // The bound grows again, beyond the maximum the window may reach: the window stops there.
    assertTrue(tuning.peerGranted(40 * 1024 * KIB));
    tuning.consumed(9 * 1024 * KIB, 2_000 * MS);
    tuning.consumed(13 * 1024 * KIB, 4_000 * MS);
    assertEquals(32 * 1024 * KIB, tuning.receiveWindow());
  }

  @Test
  void aLargerStartingSendBoundOrAOneWayTransferLeavesTheReceiveWindowAlone() {
    WindowTuning larger = new WindowTuning(64 * KIB, 256 * KIB, 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    larger.consumed(0, 0);
    for (int half = 1; half <= 10; half++) {
      assertFalse(larger.consumed(half * 32L * KIB, half * 100 * MS), "a bound that never grew is the policy's");
    }
    assertEquals(64 * KIB, larger.receiveWindow());
    WindowTuning sender = new WindowTuning(1024 * KIB, 1024 * KIB, 32 * 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    assertTrue(sender.peerGranted(8 * 1024 * KIB));
    sender.consumed(0, 0);
    assertFalse(sender.consumed(100, 1_000 * MS), "a few bytes back are no transfer");
    assertEquals(1024 * KIB, sender.receiveWindow());
    // A peer with a fixed 8 MiB window on loopback: the bound follows it, the window stays.
    WindowTuning loopback = new WindowTuning(1024 * KIB, 1024 * KIB, 32 * 1024 * KIB, new CountingBudget(Long.MAX_VALUE));
    loopback.handshakeSample(200_000L);
    assertTrue(loopback.peerGranted(8 * 1024 * KIB));
    loopback.consumed(0, 0);
    for (int half = 1; half <= 10; half++) {
      assertFalse(loopback.consumed(half * 512L * KIB, half * MS));
    }
    assertEquals(1024 * KIB, loopback.receiveWindow());
  }
}
