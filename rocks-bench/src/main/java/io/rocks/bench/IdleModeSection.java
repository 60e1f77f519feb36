package io.rocks.bench;

import java.util.List;

/**
 * The idle-mode part of figure 5 on the benchmark page: its table, its rows of the summary and its
 * bars of the chart, from what {@link IdleFigure} measured with all rocks connected after {@code
 * idleAfter} without application data. Every verdict is computed here from those results. Called
 * once by {@link Report} on its thread.
 */
final class IdleModeSection {
  /** The most CPU each JVM may spend on its idle rocks, in percent of one core. */
  private static final double CPU_TARGET_PERCENT = 2;
  /** How many more platform threads a JVM may have with its rocks in idle mode than with none. */
  private static final int EXTRA_THREADS_TARGET = 1;

  private final Results r;
  private final StringBuilder body;
  private final List<Report.Row> rows;
  private final List<Chart.Bar> bars;

  IdleModeSection(Results results, StringBuilder body, List<Report.Row> rows, List<Chart.Bar> bars) {
    this.r = results;
    this.body = body;
    this.rows = rows;
    this.bars = bars;
  }

  /** Appends the section; {@code collapse} is why ramping up stopped, or null if it did not. */
  void render(String collapse) {
    body.append("### In idle mode\n\n");
    String idleAfter = Report.millisFactText(r, "rocks.idleAfter");
    String countFact = r.fact("idle.idlemode.count");
    if (countFact == null) {
      body.append(collapse != null
          ? "Not measured: ramping up stopped before all rocks were connected.\n\n"
          : "Not measured in this run.\n\n");
      for (String name : List.of("connecting", "accepting")) {
        rows.add(new Report.Row(
            "5. CPU in idle mode (after " + idleAfter + "), " + name + " JVM", "not measured", "", "", "", null));
      }
      return;
    }
    int n = Integer.parseInt(countFact);
    String p = "idle." + n + ".idlemode";
    body.append(String.format(
        "With all %,d rock pairs connected, the harness waited until %s after the last one was"
            + " connected: idle-after (%s without application data in either direction) and two"
            + " heartbeat intervals, by when every rock has entered idle mode (heartbeats every %s"
            + " instead of %s, announced to the peer with a PACE frame, and TCP keepalive on). The"
            + " last checkpoint's measurements above ran within that wait. Then the same measurements"
            + " again, with CPU over %d windows of %s each: at least one idle heartbeat interval, so"
            + " that each rock's heartbeat falls once into every window (rocks connected in one batch"
            + " send theirs together, and a shorter window would catch or miss such a burst by chance)."
            + " When measured, %s of %,d connecting rocks and %s of %,d accepting rocks were in idle"
            + " mode.%n%n",
        n, Report.millisFactText(r, "idle.idlemode.waitMillis"), idleAfter,
        Report.millisFactText(r, "rocks.idleHeartbeat"), r.factOr("rocks.heartbeat", "?"),
        stats(p + ".cpu.client").n(), Report.millisFactText(r, "idle.idlemode.windowMillis"),
        r.factOr(p + ".inIdleMode.client", "?"), n, r.factOr(p + ".inIdleMode.server", "?"), n));
    if (!allIdle(p + ".inIdleMode.client", n) || !allIdle(p + ".inIdleMode.server", n)) {
      body.append("**Not every rock was in idle mode when measured**, so the figures below are partly"
          + " those of rocks in fast mode.\n\n");
    }

    body.append(String.format("| In idle mode, %,d rocks | Rock | Plain | Target | Result |%n", n));
    body.append("|---|---|---|---|---|\n");
    for (String side : List.of("client", "server")) {
      String name = side.equals("client") ? "connecting" : "accepting";
      Stats rock = stats(p + ".cpu." + side);
      Stats plain = Stats.of(r.samples("idle.plain.cpu." + side, "plain"));
      boolean met = !rock.isEmpty() && rock.median() <= CPU_TARGET_PERCENT;
      String target = String.format("at most %.0f%% of a core", CPU_TARGET_PERCENT);
      body.append(String.format("| CPU, %s JVM (%% of a core) | %s | %s | %s | %s |%n",
          name, Report.spread(rock, "%"), Report.spread(plain, "%"), target, Report.verdict(met)));
      rows.add(new Report.Row(String.format("5. CPU in idle mode (after %s), %s JVM", idleAfter, name),
          Report.pct(rock.median()) + " of a core", Report.pct(plain.median()), "", target, met));
      bars.add(new Chart.Bar(String.format("5. CPU in idle mode, %s JVM", name),
          CPU_TARGET_PERCENT / Math.max(rock.median(), 1e-3), met,
          String.format("%s of a core at %,d rocks (target %s)", Report.pct(rock.median()), n, target)));
    }
    for (String side : List.of("client", "server")) {
      String name = side.equals("client") ? "connecting" : "accepting";
      Stats rock = stats(p + ".heap." + side);
      Stats plain = Stats.of(r.samples("idle.plain.heap." + side, "plain"));
      boolean met = !rock.isEmpty() && rock.median() <= Report.IDLE_HEAP_TARGET_KIB;
      body.append(String.format("| Heap per connection, %s side | %s | %s | at most %s | %s |%n",
          name, Report.spread(rock, "KiB"), Report.spread(plain, "KiB"),
          Report.kib0(Report.IDLE_HEAP_TARGET_KIB), Report.verdict(met)));
    }
    for (String side : List.of("client", "server")) {
      String name = side.equals("client") ? "connecting" : "accepting";
      String zero = r.factOr("idle.threads." + side + ".0", "?");
      String idle = r.factOr(p + ".threads." + side, "?");
      String shown = zero + " / " + idle;
      boolean met;
      try {
        int extra = Integer.parseInt(idle) - Integer.parseInt(zero);
        shown += String.format(" (%+d)", extra);
        met = extra <= EXTRA_THREADS_TARGET;
      } catch (NumberFormatException e) {
        met = false;
      }
      body.append(String.format(
          "| Platform threads at 0 / %,d rocks in idle mode, %s JVM | %s | %s | at most %d more (the timer) | %s |%n",
          n, name, shown, r.factOr("idle.plain.threads." + side, "?"), EXTRA_THREADS_TARGET, Report.verdict(met)));
    }
    String trouble = r.factOr(p + ".suspensions", "?");
    boolean held = trouble.equals("none");
    body.append(String.format("| Rocks that suspended or failed in idle mode | %s | | none | %s |%n%n",
        held ? "none" : trouble.equals("?") ? "?" : "some (below)", Report.verdict(held)));
    if (!held) {
      body.append("**Target missed:** ").append(trouble.equals("?") ? "suspensions were not counted" : trouble)
          .append(".\n\n");
      rows.add(new Report.Row(String.format("5. %,d idle rocks held in idle mode without false suspensions", n),
          "not all", "", "", "all held", false));
    }

    body.append(
        "All timers of all rocks in a JVM run on one platform thread, `rocks-timer` (`RockTimer`):"
            + " heartbeats, silence limits, entering idle mode and handshake deadlines; a rock's reader"
            + " and writer are virtual threads that wait without a timeout until it wakes them. So from"
            + " 0 rocks to any number in idle mode a JVM's platform threads may grow by that one thread"
            + " (or by none, if the JVM had used rocks before). The count at 0 rocks is taken after the"
            + " plain socket pairs were closed and after a first profile, so that the harness's own"
            + " threads (JDK Flight Recorder's, which outlive a profile) count in it. Other platform"
            + " threads come with virtual threads themselves, depending on the JDK: their carriers"
            + " (`ForkJoinPool-#-worker-#`, which come and go with the load) and threads that poll"
            + " sockets or wake sleeping virtual threads. The lists below name every kind of platform"
            + " thread whose count changed.\n\n");
    for (String side : List.of("client", "server")) {
      String name = side.equals("client") ? "connecting" : "accepting";
      List<String> change = r.profile(p + ".threads." + side + ".change");
      body.append(String.format("Platform threads that came (+) or went (-) from 0 rocks to %,d in idle mode, %s JVM:%n%n", n, name));
      body.append("```\n");
      if (change.isEmpty()) {
        body.append("(none)\n");
      }
      change.forEach(line -> body.append(line).append('\n'));
      body.append("```\n\n");
    }
  }

  private Stats stats(String key) {
    return Stats.of(r.samples(key, "rock"));
  }

  private boolean allIdle(String key, int n) {
    try {
      return Integer.parseInt(r.factOr(key, "-1")) == n;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
