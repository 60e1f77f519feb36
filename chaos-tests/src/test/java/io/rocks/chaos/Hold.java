package io.rocks.chaos;

import io.rocks.testkit.Await;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Keeps a fault in place for the duration a scenario prescribes (an outage of 2 s, a flap of
 * 300 ms) while checking that an invariant holds all along: a monitored hold, never a guess at how
 * long something takes.
 */
final class Hold {
  private Hold() {}

  /** Holds for {@code duration}; fails at once, naming {@code invariant}, if it stops holding. */
  static void during(Duration duration, String invariant, BooleanSupplier holds) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    Await.until(
        duration.plusSeconds(10),
        "a hold of " + duration.toMillis() + " ms",
        () -> {
          if (!holds.getAsBoolean()) {
            throw new AssertionError("while holding a fault for " + duration.toMillis() + " ms: " + invariant + " no longer holds");
          }
          return System.nanoTime() - end >= 0;
        });
  }

  /** Holds for {@code duration}. */
  static void during(Duration duration) throws Exception {
    during(duration, "nothing", () -> true);
  }
}
