package io.rocks.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link SessionSimulation} over many seeds: every schedule must keep every invariant and end
 * with both streams delivered exactly once and both rocks closed. {@code -Drocks-sim.seed=N}
 * replays one schedule; {@code -Drocks-sim.schedules=N} changes how many run (100,000 by default).
 */
public class SessionSimulationTest {
  private static final long DEFAULT_SCHEDULES = 100_000;

  @Test
  void everyScheduleDeliversEveryByteOnceAndEndsClosed() {
    String replay = System.getProperty("rocks-sim.seed");
    if (replay != null) {
      SessionSimulation.Tally tally = SessionSimulation.run(Long.parseLong(replay));
      System.out.println("simulation: replayed seed " + replay + ": " + tally);
      return;
    }
    long schedules = Long.getLong("rocks-sim.schedules", DEFAULT_SCHEDULES);
    long firstSeed = Long.getLong("rocks-sim.first-seed", 1);
    long started = System.nanoTime();
    SessionSimulation.Tally total = new SessionSimulation.Tally();
    AtomicLong done = new AtomicLong();
    // Two halves in parallel: each schedule is independent and deterministic from its seed.
    SessionSimulation.Tally[] halves = {new SessionSimulation.Tally(), new SessionSimulation.Tally()};
    LongStream.range(0, 2)
        .parallel()
        .forEach(
            half -> {
              for (long seed = firstSeed + half; seed < firstSeed + schedules; seed += 2) {
                halves[(int) half].add(SessionSimulation.run(seed));
                done.incrementAndGet();
              }
            });
    total.add(halves[0]);
    total.add(halves[1]);
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "simulation: %s in %.1f s (%.0f schedules/s)%n", total, seconds, total.schedules / seconds);
    assertEquals(schedules, total.schedules);
    assertEquals(schedules, done.get());
  }
}
