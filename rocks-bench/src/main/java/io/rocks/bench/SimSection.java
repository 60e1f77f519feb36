package io.rocks.bench;

import java.util.List;

/**
 * Figure 8 on the benchmark page: what a schedule of the deterministic simulator is, what the
 * campaign {@link SimFigure} ran counted, its rows of the summary and its bar of the chart. The
 * verdict on violations is computed here from those results. Called once by {@link Report} on its
 * thread.
 */
final class SimSection {
  private final Results r;
  private final StringBuilder body;
  private final List<Report.Row> rows;
  private final List<Chart.Bar> bars;

  SimSection(Results results, StringBuilder body, List<Report.Row> rows, List<Chart.Bar> bars) {
    this.r = results;
    this.body = body;
    this.rows = rows;
    this.bars = bars;
  }

  void render() {
    body.append("## 8. Deterministic simulation\n\n");
    String schedulesFact = r.fact("sim.schedules");
    if (schedulesFact == null) {
      body.append("Not measured in this run.\n\n");
      rows.add(new Report.Row("8. Simulator", "not measured", "", "", "", null));
      return;
    }
    long schedules = Long.parseLong(schedulesFact);
    int violations = Integer.parseInt(r.factOr("sim.violations", "-1"));
    boolean met = violations == 0 && schedules > 0;

    body.append(
        "No sockets, threads or clock here: `SessionSimulation` (in rocks-impl's tests) drives the"
            + " protocol core itself. A schedule is two `RockSession`s, a connector and an acceptor,"
            + " exchanging a stream each way (from nothing to 1.5 MB, encoded and decoded as on a real"
            + " connection) through a simulated network on a virtual clock, the way `RealRock` drives"
            + " its session: its watch, its heartbeats, idle mode (after 0.3 to 5 s here). Everything"
            + " in it (delays, link rate, faults, the applications' reads and writes) is drawn from one"
            + " seed, so a seed replays its schedule event by event. Faults, up to five drawn per"
            + " schedule within its first 5 s of virtual time (one that falls before the connector is"
            + " keyed, while an end is detached or resuming, or after the streams have finished is"
            + " skipped, so fewer happen than are drawn):"
            + " resets, silent cuts, partial cuts (part of what was in flight still arrives), one-way"
            + " black holes, a connector that moves to a new connection, resumes whose acceptor counts"
            + " are stale (its old connection delivered more after it sent them), applications that"
            + " stop reading for up to 40 s, and in a quarter of the schedules a pre-shared secret, with"
            + " data pipelined before the CONFIRM frames are exchanged. Every resume is the real"
            + " exchange of the core's `Resumption` (RESUME, CHALLENGE, PROOF, built and checked with a"
            + " real key) on a connection of its own, timed by the core's `Recovery` (backoff, reconnect"
            + " timeout of 120 s), with each side's `RockLifecycle` moved as the shell moves it; up to"
            + " two attempts of each suspension meet a fault of their own: a RESUME, CHALLENGE or PROOF"
            + " lost, or a path that holds a RESUME or a PROOF for up to 20 s (attempts then run side by"
            + " side, and a PROOF that arrives after a newer resume attached must be refused as stale)."
            + " In a quarter of the schedules someone on the path replays the last recorded RESUME and"
            + " PROOF or forges a PROOF (each must be refused, changing nothing), and in one in twelve"
            + " the connector's network goes down: for less than a quarter of the reconnect timeout the"
            + " rock must resume, for longer than the timeout both ends must fail, the connector exactly"
            + " at its timeout. After every event the"
            + " invariants are checked: every byte delivered exactly once and in order (each byte read"
            + " is compared with what the peer wrote), the send and receive counters in order on both"
            + " sides, the receive buffer within its window, the in-flight buffer within its capacity"
            + " and memory within its bound, no suspension of a healthy connection, no give-up before"
            + " the reconnect timeout, and at the end both"
            + " streams finished and both ends closed (or both failed, after an outage longer than the"
            + " reconnect timeout) within 300 s of virtual time after the last fault."
            + " The establishing handshake (HELLO, WELCOME) and the shell's threads and sockets are not"
            + " simulated; the tests on real sockets cover them.\n\n");
    body.append(String.format(
        "The tests run seeds 1 to 100,000 (`SessionSimulationTest`, in the normal test run). Here the"
            + " simulator ran for %s s of wall-clock time on %s threads, one taking the odd seeds and"
            + " one the even, from seed %s on.%n%n",
        r.factOr("sim.budgetSeconds", "?"), r.factOr("sim.threads", "?"), grouped("sim.firstSeed")));

    body.append("| Campaign | |\n|---|---|\n");
    line("Seeds run (odd; even)", r.factOr("sim.seeds", "?"));
    line("Schedules", String.format("%,d in %s s", schedules, r.factOr("sim.seconds", "?")));
    line("Schedules per second", grouped("sim.perSecond"));
    line("CPU used by the harness's JVM", r.factOr("sim.cpuSeconds", "?") + " s");
    body.append("\n");

    body.append("| Over all schedules | Total | Per schedule |\n|---|---|---|\n");
    counter("Events", "sim.events", schedules);
    counter("Faults", "sim.faults", schedules);
    counter("Resumes", "sim.resumes", schedules);
    counter("Resumes with stale acceptor counts", "sim.staleCounts", schedules);
    counter("Ends that detached from their connection", "sim.detachedEnds", schedules);
    counter("Entries into idle mode", "sim.idleEntries", schedules);
    counter("Read pauses (up to 40 s)", "sim.readPauses", schedules);
    counter("Resume attempts", "sim.attempts", schedules);
    counter("Resume attempts that failed", "sim.attemptsFailed", schedules);
    counter("RESUMEs answered while another resume was under way", "sim.concurrentResumes", schedules);
    counter("Stale PROOFs refused", "sim.staleProofsRefused", schedules);
    counter("Replayed or forged resumes refused", "sim.forgeriesRefused", schedules);
    counter("Network outages", "sim.outages", schedules);
    counter("Outages past the reconnect timeout (both ends failed)", "sim.outagesPastTimeout", schedules);
    counter("Bytes delivered and checked", "sim.bytes", schedules);
    body.append("\n");

    String violationText = violations < 0 ? "?" : String.format("%d in %,d schedules", violations, schedules);
    body.append("| | Result | Target | Result |\n|---|---|---|---|\n");
    body.append("| Invariant violations | ").append(violationText).append(" | 0 | ").append(Report.verdict(met))
        .append(" |\n\n");
    String seed = r.fact("sim.violation.seed");
    if (seed != null) {
      body.append("**An invariant broke.** The first violation (a thread stops at its first; the other ran on):\n\n```\n");
      r.profile("sim.violation").forEach(l -> body.append(l).append('\n'));
      body.append("```\n\n");
    } else if (!met) {
      body.append("**Target missed:** ").append(schedules == 0 ? "no schedule ran" : "violations were not counted")
          .append(".\n\n");
    }
    body.append(seed == null ? "To replay the schedule of seed N, event by event:\n\n"
            : "To replay it, event by event:\n\n")
        .append("    mvn -pl rocks-impl test -Dtest=SessionSimulationTest -Drocks-sim.seed=")
        .append(seed == null ? "N" : seed).append("\n\n")
        .append("With `-Drocks-sim.first-seed=N -Drocks-sim.schedules=M` instead, the test runs M schedules"
            + " from seed N.\n\n");

    rows.add(new Report.Row("8. Simulator: schedules per second", grouped("sim.perSecond"), "", "", "", null));
    rows.add(new Report.Row("8. Simulator: invariant violations", violationText, "", "", "0", met));
    bars.add(new Chart.Bar("8. Simulator: invariant violations", met ? 1 : 0, met,
        String.format("%s (target 0)", violationText)));
  }

  private void line(String what, String value) {
    body.append("| ").append(what).append(" | ").append(value).append(" |\n");
  }

  private void counter(String what, String key, long schedules) {
    String text = r.factOr(key, "?");
    try {
      long total = Long.parseLong(text);
      body.append(String.format("| %s | %,d | %s |%n", what, total, schedules > 0 ? perSchedule((double) total / schedules) : ""));
    } catch (NumberFormatException e) {
      body.append("| ").append(what).append(" | ? | |\n");
    }
  }

  /** Whole above 100, two decimals above 0.1, else two significant digits (0.00084): never a bare 0.00. */
  private static String perSchedule(double v) {
    return v >= 100 ? String.format("%,.0f", v) : v >= 0.1 || v == 0 ? String.format("%.2f", v) : String.format("%.2g", v);
  }

  /** A whole-number fact with thousands separators, or as recorded if it is not one. */
  private String grouped(String key) {
    String text = r.factOr(key, "?");
    try {
      return String.format("%,d", Long.parseLong(text));
    } catch (NumberFormatException e) {
      return text;
    }
  }
}
