package io.rocks.testkit;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling; the alternative to sleeping and hoping. */
public final class Await {
  private Await() {}

  /**
   * Blocks until {@code condition} holds, polling every 10 ms. Throws {@link TimeoutException} naming
   * {@code what} if it does not hold within {@code timeout}.
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition)
      throws TimeoutException, InterruptedException {
    until(timeout, () -> what, condition);
  }

  /** As above, with a description made only on failure (it may show the state at that moment). */
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
