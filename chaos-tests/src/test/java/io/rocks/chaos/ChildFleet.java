package io.rocks.chaos;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One end of a fleet of rocks in a child JVM ({@link FleetPeer}), driven through its {@link
 * PeerProcess}: the handle a test stops, starves or pauses while the other end runs on. Called by
 * the test's threads; {@link #process} gives the process itself (its pid, stop and continue).
 */
final class ChildFleet implements FleetHandle {
  private final PeerProcess process;

  private ChildFleet(PeerProcess process) {
    this.process = process;
  }

  /**
   * Starts a child that listens on loopback and accepts {@code rocks} rocks, each moving {@code
   * bytesEachWay} bytes each way as allowed; unless {@code gcPause} is zero, the child first fills
   * its heap until a full collection takes about that long ({@link Ballast#sizeFor}).
   */
  static ChildFleet accepting(String name, List<String> jvmOptions, int rocks, long bytesEachWay, Duration gcPause)
      throws IOException {
    return new ChildFleet(
        PeerProcess.start(
            name, List.of(), jvmOptions, FleetPeer.class,
            "accept", "127.0.0.1", Integer.toString(rocks), Long.toString(bytesEachWay), Long.toString(gcPause.toMillis())));
  }

  /** Starts a child that connects {@code rocks} rocks to {@code port} on loopback; as above otherwise. */
  static ChildFleet connecting(
      String name, List<String> jvmOptions, int port, int rocks, long bytesEachWay, Duration gcPause) throws IOException {
    return new ChildFleet(
        PeerProcess.start(
            name, List.of(), jvmOptions, FleetPeer.class,
            "connect", "127.0.0.1", Integer.toString(port), Integer.toString(rocks), Long.toString(bytesEachWay),
            Long.toString(gcPause.toMillis())));
  }

  PeerProcess process() {
    return process;
  }

  /** Waits for the port an accepting child listens on. */
  int awaitListening(Duration limit) throws Exception {
    return process.awaitListening(limit);
  }

  /** Starts a CPU burst in the child ({@link CpuBurst}); {@link #awaitDone} waits for its end. */
  void startBurst(int threads, Duration duration) throws IOException {
    process.command("BURST " + threads + " " + duration.toMillis());
  }

  /** Starts full collections in the child ({@link FullGcs}); {@link #awaitDone} waits for their end. */
  void startFullGcs(int count, Duration gap) throws IOException {
    process.command("GC " + count + " " + gap.toMillis());
  }

  /** Waits for the first {@code DONE command} and returns what it said. */
  Map<String, String> awaitDone(String command, Duration limit) throws Exception {
    return process.awaitDone(limit, command, 0);
  }

  @Override
  public String name() {
    return process.name;
  }

  @Override
  public void allow(long byteCount) throws IOException {
    process.command("ALLOW " + byteCount);
  }

  @Override
  public Map<String, String> status() {
    return process.status();
  }

  @Override
  public String statusAge() {
    return " (" + process.statusAgeMillis() + " ms old)";
  }

  @Override
  public String threadDump() {
    return ThreadDumps.ofChild(process.name, process.pid());
  }

  @Override
  public boolean healthy(Map<String, String> status) {
    process.checkAlive();
    return FleetHandle.super.healthy(status);
  }

  @Override
  public List<RockReport> report(Duration limit) throws Exception {
    return process.report(limit).stream().map(RockReport::parse).toList();
  }

  @Override
  public List<PeerProcess.Event> events(String kind) {
    return process.events(kind);
  }

  /** Continues the child if it is stopped, and ends it. */
  @Override
  public void close() {
    process.close();
  }
}
