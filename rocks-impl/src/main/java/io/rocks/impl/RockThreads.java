package io.rocks.impl;

import io.rocks.RockId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the virtual threads that serve rocks (reader, writer, supervisor) and counts the ones
 * still running per rock id, so tests and operators can see that a finished rock left no thread
 * behind (virtual threads do not show in {@link Thread#getAllStackTraces()}).
 */
final class RockThreads {
  private static final ConcurrentHashMap<RockId, AtomicInteger> LIVE = new ConcurrentHashMap<>();

  private RockThreads() {}

  static Thread start(String role, RockId id, Runnable task) {
    LIVE.compute(id, (key, count) -> {
      AtomicInteger live = count == null ? new AtomicInteger() : count;
      live.incrementAndGet();
      return live;
    });
    return Thread.ofVirtual()
        .name("rock-" + role + "-" + id)
        .start(
            () -> {
              try {
                task.run();
              } finally {
                LIVE.computeIfPresent(id, (key, count) -> count.decrementAndGet() == 0 ? null : count);
              }
            });
  }

  /** Returns how many threads serve rocks with this id in this JVM (both ends, if both are here). */
  static int live(RockId id) {
    AtomicInteger count = LIVE.get(id);
    return count == null ? 0 : count.get();
  }
}
