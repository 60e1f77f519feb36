package io.rocks.testkit;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling; the alternative to sleeping and hoping. */
public final class Await {
  private Await() {}

  /**
   * Blocks until {@code condition} holds, polling every 10 ms. The condition is checked at once, so
   * it is checked at least once even with a zero timeout.
   *
   * @param timeout how long to wait for the condition, from the call
   * @param what what is awaited, for the message of the {@link TimeoutException}
   * @param condition checked on the calling thread at each poll until it returns true
   * @throws TimeoutException if the condition still does not hold once {@code timeout} has passed;
   *     its message gives the timeout in milliseconds and {@code what}
   * @throws InterruptedException if the calling thread is interrupted while it waits between polls
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition)
      throws TimeoutException, InterruptedException {
    until(timeout, () -> what, condition);
  }

  /**
   * As {@link #until(Duration, String, BooleanSupplier)}, with a description made only on failure:
   * it may show the state at that moment.
   *
   * @param timeout how long to wait for the condition, from the call
   * @param what called once, only if the condition does not hold in time, to say what was awaited
   *     in the message of the {@link TimeoutException}
   * @param condition checked on the calling thread at each poll until it returns true
   * @throws TimeoutException if the condition still does not hold once {@code timeout} has passed;
   *     its message gives the timeout in milliseconds and what {@code what} returned
   * @throws InterruptedException if the calling thread is interrupted while it waits between polls
   */
  public static void until(Duration timeout, Supplier<String> what, BooleanSupplier condition)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException("not within " + timeout.toMillis() + " ms: " + what.get());
      }
      Thread.sleep(10); // a poll interval, not a guess at timing: the condition decides
    }
  }
}
