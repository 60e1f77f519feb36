package io.rocks.impl;

import io.rocks.RockServerSocket;

/**
 * Reads the implementation's own leak counters for the chaos tests, which run on the class path
 * and so may share this package: live rock threads, and rocks a server socket still holds.
 */
public final class ImplProbe {
  private ImplProbe() {}

  /** Returns how many rock threads (reader, writer, supervisor) run in this JVM. */
  public static int liveRockThreads() {
    return RockThreads.live();
  }

  /** Returns how many rocks {@code server} holds, connected or suspended. */
  public static int liveRocks(RockServerSocket server) {
    return ((RealRockServerSocket) server).liveRocks();
  }
}
