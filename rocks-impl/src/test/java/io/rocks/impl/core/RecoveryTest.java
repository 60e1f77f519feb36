package io.rocks.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** When a suspended rock tries to reconnect and when it gives up, on a clock the test moves. */
public class RecoveryTest {
  private static final long MS = 1_000_000;
  private static final Recovery.Backoff BACKOFF = new Recovery.Backoff(100 * MS, 2_000 * MS, 0.5);

  @Test
  void theBackoffDoublesUpToItsCapWithJitterNeverBelowTheInitialPause() {
    SplittableRandom random = new SplittableRandom(1);
    Recovery.Backoff fixed = new Recovery.Backoff(100 * MS, 2_000 * MS, 0);
    assertEquals(100 * MS, fixed.pauseNanos(1, random));
    assertEquals(200 * MS, fixed.pauseNanos(2, random));
    assertEquals(1_600 * MS, fixed.pauseNanos(5, random));
    assertEquals(2_000 * MS, fixed.pauseNanos(6, random));
    assertEquals(2_000 * MS, fixed.pauseNanos(400, random), "no overflow past 2^30 steps");
    for (int i = 0; i < 1_000; i++) {
      long pause = BACKOFF.pauseNanos(6, random);
      assertTrue(pause >= 1_050 * MS && pause <= 2_000 * MS, "half of the span above the initial pause is random: " + pause);
    }
  }

  @Test
  void attemptsFollowTheBackoffAndTheLastComesAtTheTimeout() {
    Recovery recovery = new Recovery();
    SplittableRandom random = new SplittableRandom(2);
    Recovery.Backoff fixed = new Recovery.Backoff(100 * MS, 400 * MS, 0);
    long timeout = 1_000 * MS;
    assertEquals(0, recovery.suspended(5_000 * MS, fixed, random), "the first attempt starts at once");
    long now = 5_000 * MS;
    assertEquals(1, recovery.attemptStarts(now, timeout));
    now = recovery.attemptFailed(1, new IOException("refused 1"), now + 10 * MS, fixed, timeout, random);
    assertEquals(5_110 * MS, now);
    assertEquals(2, recovery.attemptStarts(now, timeout));
    now = recovery.attemptFailed(2, new IOException("refused 2"), now, fixed, timeout, random);
    assertEquals(5_310 * MS, now);
    assertEquals(3, recovery.attemptStarts(now, timeout));
    now = recovery.attemptFailed(3, new IOException("refused 3"), now, fixed, timeout, random);
    assertEquals(5_710 * MS, now);
    assertEquals(4, recovery.attemptStarts(now, timeout));
    now = recovery.attemptFailed(4, new IOException("refused 4"), now, fixed, timeout, random);
    assertEquals(6_000 * MS, now, "the pause ends at the deadline, not after it");
    assertEquals(0, recovery.attemptStarts(now, timeout), "the timeout passed: give up");
    assertEquals(4, recovery.attemptsMade());
    assertEquals("refused 4", recovery.errors().get(3).getMessage());
  }

  @Test
  void aLinkThatDiesAtOnceIsNotHammeredAndAnEarlierEpisodeIsForgotten() {
    Recovery recovery = new Recovery();
    SplittableRandom random = new SplittableRandom(3);
    Recovery.Backoff fixed = new Recovery.Backoff(100 * MS, 2_000 * MS, 0);
    recovery.suspended(0, fixed, random);
    long first = recovery.episode();
    for (int step = 1; step <= 3; step++) {
      assertEquals(step, recovery.attemptStarts(step * MS, 60_000 * MS));
      if (step < 3) {
        recovery.attemptFailed(step, new IOException("e" + step), step * MS, fixed, 60_000 * MS, random);
      }
    }
    recovery.resumed(3, 10 * MS);
    // The link made by attempt 3 died 500 ms later, shorter than the cap: go on from step 4.
    assertEquals(800 * MS, recovery.suspended(510 * MS, fixed, random));
    assertEquals(first + 1, recovery.episode());
    assertEquals(0, recovery.errors().size(), "a new episode starts without the old errors");
    assertEquals(4, recovery.attemptStarts(1_310 * MS, 60_000 * MS));
    recovery.resumed(4, 1_400 * MS);
    // This one lived longer than the cap: the next suspension starts over at once.
    assertEquals(0, recovery.suspended(10_000 * MS, fixed, random));
    assertEquals(1, recovery.attemptStarts(10_000 * MS, 60_000 * MS));
  }

  @Test
  void keepsTheLastEightErrors() {
    Recovery recovery = new Recovery();
    SplittableRandom random = new SplittableRandom(4);
    recovery.suspended(0, BACKOFF, random);
    for (int step = 1; step <= 12; step++) {
      recovery.attemptStarts(step, Long.MAX_VALUE / 4);
      recovery.attemptFailed(step, new IOException("e" + step), step, BACKOFF, Long.MAX_VALUE / 4, random);
    }
    assertEquals(Recovery.KEPT_ERRORS, recovery.errors().size());
    assertEquals("e5", recovery.errors().get(0).getMessage());
    assertEquals("e12", recovery.errors().get(7).getMessage());
    assertEquals(12, recovery.tries());
  }
}
