package io.rocks.impl.core;

/**
 * Runs schedules of rocks-impl's deterministic simulator ({@code SessionSimulation}, from the
 * rocks-impl test jar) for the benchmark harness, which runs more of them than the tests do
 * (figure 8). The simulator stays package-private; this class is the harness's only way in. It
 * works on the class path only, where it shares its package with rocks-impl, as {@link
 * IdleModeProbe} does.
 *
 * <p>Any thread may call it: each schedule is a fresh simulator, sharing nothing with another.
 */
public final class SimulationProbe {
  private SimulationProbe() {}

  /** What one or more schedules counted; {@link #plus} sums them. */
  public record Counts(
      long schedules,
      long events,
      long faults,
      long resumes,
      long resumesWithStaleCounts,
      long detachedEnds,
      long idleEntries,
      long readPauses,
      long bytesDelivered,
      long attempts,
      long attemptsFailed,
      long concurrentResumes,
      long staleProofsRefused,
      long forgeriesRefused,
      long outages,
      long outagesPastTimeout) {
    public static final Counts NONE = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public Counts plus(Counts o) {
      return new Counts(
          schedules + o.schedules, events + o.events, faults + o.faults, resumes + o.resumes,
          resumesWithStaleCounts + o.resumesWithStaleCounts, detachedEnds + o.detachedEnds,
          idleEntries + o.idleEntries, readPauses + o.readPauses, bytesDelivered + o.bytesDelivered,
          attempts + o.attempts, attemptsFailed + o.attemptsFailed,
          concurrentResumes + o.concurrentResumes, staleProofsRefused + o.staleProofsRefused,
          forgeriesRefused + o.forgeriesRefused, outages + o.outages,
          outagesPastTimeout + o.outagesPastTimeout);
    }
  }

  /**
   * A schedule broke an invariant, or threw while it ran (which the tests fail on too). The message
   * names the seed and how to replay it.
   */
  public static final class Violation extends Exception {
    private final long seed;

    Violation(long seed, String message, Throwable cause) {
      super(message, cause);
      this.seed = seed;
    }

    public long seed() {
      return seed;
    }
  }

  /**
   * Runs the schedule of {@code seed} to its end, on the calling thread, without blocking on
   * anything: virtual time only. Returns what it counted.
   *
   * @throws Violation if the schedule broke an invariant or threw anything else: an error too (a
   *     stack overflow, say), which the caller should take as the end of its run
   */
  public static Counts run(long seed) throws Violation {
    SessionSimulation.Tally t;
    try {
      t = SessionSimulation.run(seed);
    } catch (SessionSimulation.Violation e) {
      throw new Violation(seed, e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      throw new Violation(
          seed, "seed " + seed + " (replay with -Drocks-sim.seed=" + seed + "): the schedule threw " + e, e);
    }
    return new Counts(
        t.schedules, t.events, t.faults, t.resumes, t.staleCounts, t.detections, t.idleEntries,
        t.readPauses, t.bytes, t.attempts, t.attemptsFailed, t.concurrentResumes, t.staleRefused,
        t.forgeriesRefused, t.outages, t.givenUp);
  }
}
