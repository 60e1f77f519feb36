package io.rocks.bench;

import java.util.List;

/**
 * Figure 7 on the benchmark page: the connection storm's table, its rows of the summary and its
 * bars of the chart, from the facts {@link StormFigure} recorded. Called once by {@link Report} on
 * its thread.
 */
final class StormSection {
  /** The longest the last rock may take to resume, from the cut or from the end of the black hole. */
  private static final double RESUME_TARGET_SECONDS = 10;

  private final Results r;
  private final StringBuilder body;
  private final List<Report.Row> rows;
  private final List<Chart.Bar> bars;

  StormSection(Results results, StringBuilder body, List<Report.Row> rows, List<Chart.Bar> bars) {
    this.r = results;
    this.body = body;
    this.rows = rows;
    this.bars = bars;
  }

  void render() {
    String rocksFact = r.fact("storm.rocks");
    body.append("## 7. Connection storm: ").append(rocksFact == null ? "10,000" : String.format("%,d", Integer.parseInt(rocksFact)))
        .append(" rocks at once, then every link cut at once\n\n");
    if (rocksFact == null) {
      body.append("Not measured in this run.\n\n");
      rows.add(new Report.Row("7. Connection storm", "not measured", "", "", "", null));
      return;
    }
    int n = Integer.parseInt(rocksFact);
    String reduced = r.fact("storm.reduced");
    if (reduced != null) {
      body.append("**Fewer rocks than 10,000:** ").append(reduced).append(".\n\n");
    }
    body.append(String.format(
        "%,d rocks connect in one burst from %s threads of one JVM to a rocks server socket in another,"
            + " through %s fault relay process(es) (`FaultRelay`, each in a JVM of its own), while a third"
            + " process spins %s threads; the machine has %s CPUs. Each rock carries three segments of %s"
            + " bytes each way, one after connecting, one after the reset and one after the black hole,"
            + " then ends in order, and its SHA-256 is compared across the two JVMs. After the burst every link stays idle for %s s (a suspension"
            + " then is a false one); then every link is reset at once (RST both ends); then every link is"
            + " black-holed for %s s (the relays read nothing, so no FIN or RST arrives) and restored. A"
            + " rock is lost unless both sides received exactly what the other sent and neither side's rock"
            + " ended FAILED. Where a pair of numbers is given it is connecting side / accepting side.%n%n",
        n, r.factOr("storm.connectThreads", "?"), r.factOr("storm.relays", "?"), r.factOr("storm.loadThreads", "?"),
        r.factOr("machine.cpus", "?"), r.factOr("storm.segmentBytes", "?"), r.factOr("storm.idleSeconds", "?"),
        r.factOr("storm.blackHoleSeconds", "?")));
    String error = r.fact("storm.error");
    if (error != null) {
      body.append("**The storm broke off:** `").append(error).append("`\n\n");
      rows.add(new Report.Row(String.format("7. Storm of %,d rocks", n), "broke off", "", "", "0 lost", false));
      bars.add(new Chart.Bar("7. Storm: rocks kept", 0, false, "the storm broke off"));
      return;
    }
    int lost = Integer.parseInt(r.factOr("storm.lost", "-1"));
    int kept = Integer.parseInt(r.factOr("storm.kept", "0"));
    long idleFalse = Long.parseLong(r.factOr("storm.idle.suspensionsTotal", "-1"));
    body.append("| | Result | Target | Result |\n|---|---|---|---|\n");
    boolean allConnected = r.factOr("storm.connect.connected", "").equals(n + " / " + n);
    line("Rocks connected after the burst", r.factOr("storm.connect.connected", "?") + " of " + String.format("%,d", n)
        + " (accepted " + r.factOr("storm.connect.accepted", "?") + "; FAILED " + r.factOr("storm.connect.failed", "?")
        + "; connect threw " + r.factOr("storm.connect.threw", "?") + ")", "all", allConnected);
    long connectMillis = Long.parseLong(r.factOr("storm.connect.millis", "-1"));
    line("First connect to all connected", connectMillis < 0 ? "not all connected (" + seconds(r.factOr("storm.connect.phaseMillis", "-1")) + " until the burst settled)"
        : seconds(Long.toString(connectMillis)) + " (the connect calls took " + seconds(r.factOr("storm.burst.millis", "-1")) + ")", "reported", null);
    line("Suspensions during the burst", r.factOr("storm.burst.suspensions", "?"), "reported", null);
    line("Suspensions while idle after the burst (false)", r.factOr("storm.idle.suspensions", "?"), "0", idleFalse == 0);
    boolean resetAll = resumedAll("reset");
    line("Reset of every link: rocks resumed", r.factOr("storm.reset.resumed", "?") + " of " + r.factOr("storm.reset.live", "?") + " live", "all", resetAll);
    double resetSeconds = lastResumedSeconds("reset");
    line("Reset: cut to the last rock resumed", resumeText(resetSeconds, resetAll), "under 10 s", resetAll && resetSeconds < RESUME_TARGET_SECONDS);
    line(r.factOr("storm.blackHoleSeconds", "?") + " s black hole: rocks that suspended during it", r.factOr("storm.blackhole.suspended", "?"), "reported", null);
    boolean restoreAll = resumedAll("restore");
    line("Black hole: rocks resumed", r.factOr("storm.restore.resumed", "?") + " of " + r.factOr("storm.restore.live", "?") + " live", "all", restoreAll);
    double restoreSeconds = lastResumedSeconds("restore");
    line("Black hole: restore to the last rock resumed", resumeText(restoreSeconds, restoreAll), "under 10 s", restoreAll && restoreSeconds < RESUME_TARGET_SECONDS);
    line("SHA-256 equal, client to server / server to client", r.factOr("storm.sha.up", "?") + " / " + r.factOr("storm.sha.down", "?") + " of " + String.format("%,d", n), "all", kept == n);
    line("FAILED at the end", r.factOr("storm.final.failed", "?"), "0 / 0", r.factOr("storm.final.failed", "").equals("0 / 0"));
    boolean allClosed = "true".equals(r.fact("storm.finish.settled"));
    line("States at the end (connecting side; accepting side)", r.factOr("storm.final.client", "?") + "; " + r.factOr("storm.final.server", "?"),
        "every live rock CLOSED in order", allClosed);
    line("Rocks lost", String.format("%,d of %,d", lost, n), "0", lost == 0);
    body.append("\n");
    body.append("CPU used by each process: ").append(r.factOr("storm.cpu", "?")).append(". Load average (1 / 5 / 15 min): ")
        .append(r.factOr("storm.machineLoad", "?")).append(".\n\n");

    rows.add(new Report.Row(String.format("7. Storm of %,d rocks, reset and black hole: lost", n), String.format("%,d", lost), "", "", "0", lost == 0));
    rows.add(new Report.Row("7. Storm: false suspensions while idle after the burst", r.factOr("storm.idle.suspensions", "?"), "", "", "0", idleFalse == 0));
    rows.add(new Report.Row("7. Storm: reset, cut to last resumed", resumeText(resetSeconds, resetAll), "", "", "under 10 s", resetAll && resetSeconds < RESUME_TARGET_SECONDS));
    rows.add(new Report.Row("7. Storm: black hole, restore to last resumed", resumeText(restoreSeconds, restoreAll), "", "", "under 10 s", restoreAll && restoreSeconds < RESUME_TARGET_SECONDS));
    bars.add(new Chart.Bar("7. Storm: rocks kept", (double) kept / n, lost == 0, String.format("%,d of %,d kept (target all)", kept, n)));
    bars.add(resumeBar("7. Storm: reset to last resumed", resetSeconds, resetAll));
    bars.add(resumeBar("7. Storm: black hole to last resumed", restoreSeconds, restoreAll));

    codeBlock("Phases (each ends when its goal holds on both sides, or at its deadline):", r.profile("storm.phases"));
    details("Problems the connecting side saw, grouped (count, phase, kind, message)", r.profile("storm.groups.client"));
    details("Problems the accepting side saw, grouped (count, phase, kind, message)", r.profile("storm.groups.server"));
    details("The first rocks not kept", r.profile("storm.notKept"));
  }

  private boolean resumedAll(String phase) {
    return "true".equals(r.fact("storm." + phase + ".settled"))
        && r.factOr("storm." + phase + ".resumed", "a").equals(r.factOr("storm." + phase + ".live", "b"));
  }

  private double lastResumedSeconds(String phase) {
    return Long.parseLong(r.factOr("storm." + phase + ".lastResumedMillis", "-1")) / 1000.0;
  }

  private static String resumeText(double seconds, boolean all) {
    if (seconds < 0) {
      return "none resumed";
    }
    return String.format("%.2f s", seconds) + (all ? "" : " (not all resumed)");
  }

  private static Chart.Bar resumeBar(String label, double seconds, boolean all) {
    boolean met = all && seconds >= 0 && seconds < RESUME_TARGET_SECONDS;
    double score = !all || seconds <= 0 ? 0 : RESUME_TARGET_SECONDS / seconds;
    return new Chart.Bar(label, score, met, resumeText(seconds, all) + " (target under 10 s)");
  }

  private void line(String what, String result, String target, Boolean met) {
    body.append("| ").append(what).append(" | ").append(result).append(" | ").append(target).append(" | ")
        .append(met == null ? "" : met ? "met" : "**missed**").append(" |\n");
  }

  private static String seconds(String millis) {
    long value = Long.parseLong(millis);
    return value < 0 ? "?" : String.format("%.2f s", value / 1000.0);
  }

  private void codeBlock(String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    body.append(title).append("\n\n```\n");
    lines.forEach(line -> body.append(line).append('\n'));
    body.append("```\n\n");
  }

  private void details(String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    body.append("<details><summary>").append(title).append("</summary>\n\n```\n");
    lines.forEach(line -> body.append(line).append('\n'));
    body.append("```\n\n</details>\n\n");
  }
}
