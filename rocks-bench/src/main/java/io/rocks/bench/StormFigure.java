package io.rocks.bench;

import io.rocks.chaos.PeerStatus;
import io.rocks.chaos.Storm;
import io.rocks.chaos.StormOutcome;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Figure 7: a connection storm ({@link Storm}) of 10,000 rocks between two JVMs through fault
 * relays, with a competing load of two spinning threads: the burst, an idle period, a reset of
 * every link at once, a 5 s black hole of every link, data both ways before and after each fault,
 * and the SHA-256 of every rock compared across the two processes. It records how long the burst
 * took to connect, the suspensions while idle after it (false suspensions), the time from the cut
 * (and from the end of the black hole) to the last rock resumed, the rocks lost, and every problem
 * either side saw, grouped by message. Runs on the harness's thread; the storm's processes log to
 * {@code storm/} beside the results.
 */
final class StormFigure {
  /** Descriptors a storm process needs besides its rocks' sockets (the JVM's own files, the listener). */
  private static final int SPARE_DESCRIPTORS = 1000;

  private final Harness h;

  StormFigure(Harness harness) {
    this.h = harness;
  }

  void run() throws Exception {
    int n = h.settings.stormRocks();
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long limit = unix.getMaxFileDescriptorCount();
      if (limit < n + SPARE_DESCRIPTORS) {
        int fewer = (int) Math.max(100, limit - SPARE_DESCRIPTORS);
        h.results.fact("storm.reduced", "the file descriptor limit is " + limit + ": " + fewer + " rocks instead of " + n);
        n = fewer;
      }
    }
    Duration connectLimit = h.settings.quick() ? Duration.ofSeconds(60) : Duration.ofSeconds(120);
    Storm.Plan plan =
        Storm.Plan.of(n, connectLimit, Duration.ofSeconds(60), Duration.ofSeconds(60), h.workDir.resolve("storm"), line -> h.log("figure 7: %s", line))
            .withIdleWindow(h.settings.stormIdle());
    h.results.fact("storm.rocks", n);
    h.results.fact("storm.connectThreads", plan.connectThreads());
    h.results.fact("storm.loadThreads", plan.loadThreads());
    h.results.fact("storm.segmentBytes", plan.segmentBytes());
    h.results.fact("storm.relays", (n + plan.linksPerRelay() - 1) / plan.linksPerRelay());
    h.results.fact("storm.idleSeconds", plan.idleWindow().toSeconds());
    h.results.fact("storm.blackHoleSeconds", plan.blackHole().toSeconds());
    h.log("figure 7: a storm of %,d rocks", n);
    StormOutcome outcome;
    try {
      outcome = Storm.run(plan);
    } catch (Exception e) {
      h.results.fact("storm.error", e.toString());
      h.log("figure 7: the storm broke off: %s", e);
      return;
    }
    record(outcome);
    h.log("figure 7:%n%s", outcome.describe());
  }

  private void record(StormOutcome o) {
    StormOutcome.Phase connect = o.phase("connect");
    h.results.fact("storm.connect.settled", connect.settled());
    h.results.fact("storm.connect.connected", sides(connect, "CONNECTED"));
    h.results.fact("storm.connect.failed", sides(connect, "FAILED"));
    h.results.fact("storm.connect.threw", connect.client().get("threw"));
    h.results.fact("storm.connect.accepted", connect.server().get("rocks"));
    h.results.fact("storm.connect.millis", o.connectMillis());
    h.results.fact("storm.connect.phaseMillis", connect.took().toMillis());
    h.results.fact("storm.burst.millis", o.burstMillis());
    long[] burst = o.burstSuspensions();
    h.results.fact("storm.burst.suspensions", burst[0] + " / " + burst[1]);
    long[] idle = o.idleSuspensions();
    h.results.fact("storm.idle.suspensions", idle[0] + " / " + idle[1]);
    h.results.fact("storm.idle.suspensionsTotal", idle[0] + idle[1]);
    for (String name : List.of("reset", "restore")) {
      StormOutcome.Phase phase = o.phase(name);
      h.results.fact("storm." + name + ".settled", phase.settled());
      h.results.fact("storm." + name + ".resumed", sides(phase, "resumedSinceMark"));
      h.results.fact("storm." + name + ".live", sides(phase, "live"));
      h.results.fact("storm." + name + ".lastResumedMillis", phase.lastResumedMillis());
      h.results.fact("storm." + name + ".phaseMillis", phase.took().toMillis());
    }
    StormOutcome.Phase hole = o.phase("blackhole");
    h.results.fact("storm.blackhole.suspended", sides(hole, "suspendedSinceMark"));
    StormOutcome.Phase finish = o.phase("finish");
    h.results.fact("storm.finish.settled", finish.settled());
    h.results.fact("storm.final.client", finish.client().states());
    h.results.fact("storm.final.server", finish.server().states());
    h.results.fact("storm.final.failed", sides(finish, "FAILED"));
    h.results.fact("storm.sha.up", o.verification().clientToServerEqual());
    h.results.fact("storm.sha.down", o.verification().serverToClientEqual());
    h.results.fact("storm.kept", o.verification().kept());
    h.results.fact("storm.lost", o.lost());
    h.results.fact("storm.machineLoad", o.machineLoad());
    List<String> cpu = new ArrayList<>();
    for (Map.Entry<String, Duration> e : o.cpu().entrySet()) {
      cpu.add(String.format("%s %.1f s", e.getKey(), e.getValue().toMillis() / 1000.0));
    }
    h.results.fact("storm.cpu", String.join(", ", cpu));
    for (StormOutcome.Phase phase : o.phases()) {
      h.results.profile("storm.phases", phase.summary());
    }
    h.results.profile("storm.groups.client", o.clientGroups().stream().map(g -> g.replace('\t', ' ')).toList());
    h.results.profile("storm.groups.server", o.serverGroups().stream().map(g -> g.replace('\t', ' ')).toList());
    h.results.profile("storm.notKept", o.verification().mismatches());
    h.results.profile("storm.dumps", o.dumps().stream().map(Object::toString).toList());
  }

  /** "CONNECTING SIDE / ACCEPTING SIDE" values of {@code key}. */
  private static String sides(StormOutcome.Phase phase, String key) {
    PeerStatus c = phase.client();
    PeerStatus s = phase.server();
    return c.get(key) + " / " + s.get(key);
  }
}
