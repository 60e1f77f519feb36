package io.rocks.bench;

import io.rocks.impl.core.SimulationProbe;
import io.rocks.impl.core.SimulationProbe.Counts;
import java.time.Duration;
import java.util.List;

/**
 * Figure 8: a campaign of rocks-impl's deterministic simulator (through {@link SimulationProbe})
 * for a fixed wall-clock budget, on {@value #THREADS} platform threads that split the seeds by
 * parity as {@code SessionSimulationTest} does, from seed {@value #FIRST_SEED} on, past the seeds
 * the tests run. It records the schedules run and their counts, and the first schedule that broke
 * an invariant: a thread that finds one records it and stops, the other runs on to the end of the
 * budget. Runs on the harness's thread, which waits for the two it starts.
 */
final class SimFigure {
  /** The first seed run: the tests run seeds 1 to 100,000. */
  static final long FIRST_SEED = 1_000_001;

  private static final int THREADS = 2;

  private final Harness h;

  SimFigure(Harness harness) {
    this.h = harness;
  }

  /**
   * What one thread ran: its counts, the last seed it ran, and what broke it, if anything did.
   * Written by that thread only, and read by the harness's thread after joining it.
   */
  private static final class Share {
    final long firstSeed;
    Counts counts = Counts.NONE;
    long lastSeed = -1;
    SimulationProbe.Violation violation;
    long violationAtNanos;

    Share(long firstSeed) {
      this.firstSeed = firstSeed;
    }
  }

  void run() throws InterruptedException {
    Duration budget = h.settings.simBudget();
    h.results.fact("sim.budgetSeconds", budget.toSeconds());
    h.results.fact("sim.threads", THREADS);
    h.results.fact("sim.firstSeed", FIRST_SEED);
    h.log("figure 8: deterministic simulation for %d s on %d threads from seed %,d", budget.toSeconds(), THREADS, FIRST_SEED);
    long cpu0 = Harness.processCpuNanos();
    long t0 = System.nanoTime();
    long deadline = t0 + budget.toNanos();
    Share[] shares = new Share[THREADS];
    Thread[] threads = new Thread[THREADS];
    for (int i = 0; i < THREADS; i++) {
      Share share = new Share(FIRST_SEED + i);
      shares[i] = share;
      threads[i] = Thread.ofPlatform().name("bench-sim-" + i).start(() -> runShare(share, deadline));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    long elapsedNanos = System.nanoTime() - t0;
    long cpuNanos = Harness.processCpuNanos() - cpu0;

    Counts total = Counts.NONE;
    Share broken = null;
    int violations = 0;
    StringBuilder seeds = new StringBuilder();
    for (Share share : shares) {
      total = total.plus(share.counts);
      if (share.violation != null) {
        violations++;
        if (broken == null || share.violationAtNanos < broken.violationAtNanos) {
          broken = share;
        }
      }
      seeds.append(seeds.isEmpty() ? "" : "; ").append(share.lastSeed < 0
          ? String.format("none from %,d", share.firstSeed)
          : String.format("%,d to %,d", share.firstSeed, share.lastSeed));
    }
    double seconds = elapsedNanos / 1e9;
    h.results.fact("sim.seconds", String.format("%.1f", seconds));
    h.results.fact("sim.cpuSeconds", String.format("%.1f", cpuNanos / 1e9));
    h.results.fact("sim.seeds", seeds);
    h.results.fact("sim.schedules", total.schedules());
    h.results.fact("sim.perSecond", String.format("%.0f", total.schedules() / seconds));
    h.results.fact("sim.events", total.events());
    h.results.fact("sim.faults", total.faults());
    h.results.fact("sim.resumes", total.resumes());
    h.results.fact("sim.staleCounts", total.resumesWithStaleCounts());
    h.results.fact("sim.detachedEnds", total.detachedEnds());
    h.results.fact("sim.idleEntries", total.idleEntries());
    h.results.fact("sim.readPauses", total.readPauses());
    h.results.fact("sim.bytes", total.bytesDelivered());
    h.results.fact("sim.attempts", total.attempts());
    h.results.fact("sim.attemptsFailed", total.attemptsFailed());
    h.results.fact("sim.concurrentResumes", total.concurrentResumes());
    h.results.fact("sim.staleProofsRefused", total.staleProofsRefused());
    h.results.fact("sim.forgeriesRefused", total.forgeriesRefused());
    h.results.fact("sim.outages", total.outages());
    h.results.fact("sim.outagesPastTimeout", total.outagesPastTimeout());
    h.results.fact("sim.violations", violations);
    if (broken != null) {
      h.results.fact("sim.violation.seed", broken.violation.seed());
      h.results.profile("sim.violation", List.of(broken.violation.getMessage().split("\n")));
    }
    h.log("figure 8: %,d schedules in %.1f s (%,.0f per second), seeds %s; %s", total.schedules(), seconds,
        total.schedules() / seconds, seeds, broken == null ? "no violation" : broken.violation.getMessage());
  }

  /** Runs seeds {@code share.firstSeed}, then every {@value #THREADS}th, until the deadline or a violation. */
  private static void runShare(Share share, long deadlineNanos) {
    for (long seed = share.firstSeed; System.nanoTime() < deadlineNanos; seed += THREADS) {
      try {
        share.counts = share.counts.plus(SimulationProbe.run(seed));
        share.lastSeed = seed;
      } catch (SimulationProbe.Violation e) {
        share.violation = e;
        share.violationAtNanos = System.nanoTime();
        share.lastSeed = seed;
        return;
      }
    }
  }
}
