package io.rocks.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one {@link Storm} measured: each phase with both sides' status at its end, the per-rock
 * SHA-256 comparison, the grouped problems of each side, thread dumps taken where a phase missed
 * its deadline, and the CPU each process used. Immutable; the derived figures are computed from
 * the phases.
 *
 * @param rocks how many rocks the storm opened
 * @param phases the phases in the order run
 * @param verification the comparison of what each side sent with what the other received
 * @param clientGroups the connecting side's problems, {@code COUNT TAB PHASE TAB KIND TAB MESSAGE}
 * @param serverGroups the accepting side's, likewise
 * @param dumps thread dumps written where a phase missed its deadline
 * @param cpu CPU time used by each process, by name
 * @param machineLoad the machine's load averages (1, 5, 15 min) when the storm started and ended
 */
public record StormOutcome(
    int rocks,
    List<Phase> phases,
    Verification verification,
    List<String> clientGroups,
    List<String> serverGroups,
    List<Path> dumps,
    Map<String, Duration> cpu,
    String machineLoad) {

  /**
   * One phase.
   *
   * @param name connect, idle, reset, data2, blackhole, restore, data3, finish
   * @param fromNanos the {@link System#nanoTime} its timings count from: the first connect, the
   *     cut, or the restore
   * @param settled whether its goal was reached before its deadline
   * @param took from {@code fromNanos} to the end of the phase (goal reached or deadline passed)
   * @param client the connecting side's status at the end of the phase
   * @param server the accepting side's
   */
  public record Phase(String name, long fromNanos, boolean settled, Duration took, PeerStatus client, PeerStatus server) {
    /** Returns one line: name, whether settled, time, and both sides' counts by state. */
    public String summary() {
      return String.format(
          "%s: %s after %.1f s; client %s threw=%s suspensionsSinceMark=%d; server %s suspensionsSinceMark=%d",
          name, settled ? "settled" : "DEADLINE PASSED", took.toMillis() / 1000.0, client.states(),
          client.values().getOrDefault("threw", 0L), client.get("suspensionsSinceMark"), server.states(),
          server.get("suspensionsSinceMark"));
    }

    /** From {@code fromNanos} to the latest {@code resumed} event of either side since the phase's mark; -1 if none. */
    public long lastResumedMillis() {
      long last = Math.max(client.get("lastResumedNanos"), server.get("lastResumedNanos"));
      return last == 0 ? -1 : (last - fromNanos) / 1_000_000;
    }
  }

  /**
   * The per-rock comparison of SHA-256 digests across the two processes.
   *
   * @param clientToServerEqual rocks whose accepting side received exactly what the connecting side
   *     sent (all segments, digests equal)
   * @param serverToClientEqual likewise the other way
   * @param kept rocks equal both ways and FAILED on neither side
   * @param mismatches the first few rocks that were not kept, and why
   */
  public record Verification(int clientToServerEqual, int serverToClientEqual, int kept, List<String> mismatches) {}

  /** Returns the phase named {@code name}; throws if the storm did not get that far. */
  public Phase phase(String name) {
    return phases.stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("the storm has no phase " + name + ": " + phases));
  }

  /** Returns the rocks not kept: {@code rocks - kept}. */
  public int lost() {
    return rocks - verification.kept();
  }

  /** From the first connect to the last rock connected on either side; -1 unless every rock connected. */
  public long connectMillis() {
    Phase connect = phase("connect");
    if (!connect.settled() || connect.client().get("CONNECTED") != rocks || connect.server().get("CONNECTED") != rocks) {
      return -1;
    }
    long last = Math.max(connect.client().get("lastConnectedNanos"), connect.server().get("lastConnectedNanos"));
    return (last - connect.client().get("firstConnectNanos")) / 1_000_000;
  }

  /** From the first connect to the last {@code connect} call returning (the burst itself). */
  public long burstMillis() {
    PeerStatus client = phase("connect").client();
    return (client.get("lastConnectReturnedNanos") - client.get("firstConnectNanos")) / 1_000_000;
  }

  /** Suspensions (sum of the rocks' counters) while the rocks connected, on the connecting and accepting side. */
  public long[] burstSuspensions() {
    Phase connect = phase("connect");
    return new long[] {connect.client().get("suspensions"), connect.server().get("suspensions")};
  }

  /** Suspensions while every link was idle and whole after the burst: false suspensions. */
  public long[] idleSuspensions() {
    Phase idle = phase("idle");
    return new long[] {idle.client().get("suspensionsSinceMark"), idle.server().get("suspensionsSinceMark")};
  }

  /** Returns a report of several lines: the phases, the comparison, and the grouped problems. */
  public String describe() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format("storm of %,d rocks:", rocks));
    for (Phase phase : phases) {
      lines.add("  " + phase.summary());
    }
    lines.add(String.format(
        "  SHA-256 equal: client->server %,d, server->client %,d; kept %,d, lost %,d", verification.clientToServerEqual(),
        verification.serverToClientEqual(), verification.kept(), lost()));
    for (String mismatch : verification.mismatches()) {
      lines.add("    not kept: " + mismatch);
    }
    lines.add("  client problems (count, phase, kind, message):");
    clientGroups.forEach(g -> lines.add("    " + g.replace('\t', ' ')));
    lines.add("  server problems (count, phase, kind, message):");
    serverGroups.forEach(g -> lines.add("    " + g.replace('\t', ' ')));
    cpu.forEach((name, time) -> lines.add(String.format("  CPU %s: %.1f s", name, time.toMillis() / 1000.0)));
    lines.add("  machine load average (1 / 5 / 15 min): " + machineLoad);
    dumps.forEach(d -> lines.add("  thread dump: " + d));
    return String.join("\n", lines);
  }
}
