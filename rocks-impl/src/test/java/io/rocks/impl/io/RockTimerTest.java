package io.rocks.impl.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one timer thread: deadline order, cancellation, and an earlier task that wakes it. */
@Timeout(30)
public class RockTimerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void runsTasksInDeadlineOrderOnItsOwnThreadAndSkipsCancelledOnes() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    long now = System.nanoTime();
    RockTimer.at(now + 300 * MS, () -> {
      ran.add("third" + (RockTimer.isTimerThread() ? "" : " off the timer thread"));
      done.countDown();
    });
    RockTimer.Entry cancelled = RockTimer.at(now + 200 * MS, () -> ran.add("cancelled"));
    RockTimer.at(now + 100 * MS, () -> ran.add("first"));
    RockTimer.at(now + 200 * MS, () -> ran.add("second"));
    assertTrue(cancelled.cancel());
    assertFalse(cancelled.cancel(), "cancelling twice");
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(List.of("first", "second", "third"), ran);
  }

  @Test
  void anEarlierTaskWakesATimerSleepingUntilALaterOne() throws Exception {
    CountDownLatch early = new CountDownLatch(1);
    long now = System.nanoTime();
    // With nothing else due the timer sleeps until this task, 60 s away; the one below must wake it.
    RockTimer.Entry late = RockTimer.at(now + TimeUnit.SECONDS.toNanos(60), () -> { });
    long scheduled = System.nanoTime();
    RockTimer.at(scheduled + 50 * MS, early::countDown);
    assertTrue(early.await(10, TimeUnit.SECONDS), "the earlier task never ran");
    assertTrue(late.cancel());
  }

  @Test
  void aTaskThatThrowsLeavesTheTimerRunning() throws Exception {
    CountDownLatch after = new CountDownLatch(1);
    long now = System.nanoTime();
    RockTimer.at(now, () -> {
      throw new IllegalStateException("a broken task (expected in this test's log)");
    });
    RockTimer.at(now + 10 * MS, after::countDown);
    assertTrue(after.await(10, TimeUnit.SECONDS));
  }
}
