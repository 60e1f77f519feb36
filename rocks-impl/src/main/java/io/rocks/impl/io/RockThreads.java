package io.rocks.impl.io;

import io.rocks.RockId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the virtual threads that serve rocks (reader, writer, supervisor) and counts the ones
 * still running per rock id, so tests and operators can see that a finished rock left no thread
 * behind (virtual threads do not show in {@link Thread#getAllStackTraces()}).
 */
public final class RockThreads {
  private static final ConcurrentHashMap<RockId, AtomicInteger> LIVE = new ConcurrentHashMap<>();

  private RockThreads() {}

  public static Thread start(String role, RockId id, Runnable task) {
    countStart(id);
    return Thread.ofVirtual()
        .name("rock-" + role + "-" + id)
        .start(
            () -> {
              try {
                task.run();
              } finally {
                countEnd(id);
              }
            });
  }

  /**
   * Runs {@code task} on the calling thread as one of the rock's threads, named and counted as
   * {@link #start} would, and gives the thread its old name back afterwards.
   */
  public static void run(String role, RockId id, Runnable task) {
    Thread current = Thread.currentThread();
    String name = current.getName();
    countStart(id);
    current.setName("rock-" + role + "-" + id);
    try {
      task.run();
    } finally {
      current.setName(name);
      countEnd(id);
    }
  }

  private static void countStart(RockId id) {
    LIVE.compute(id, (key, count) -> {
      AtomicInteger live = count == null ? new AtomicInteger() : count;
      live.incrementAndGet();
      return live;
    });
  }

  private static void countEnd(RockId id) {
    LIVE.computeIfPresent(id, (key, count) -> count.decrementAndGet() == 0 ? null : count);
  }

  /** Returns how many threads serve rocks with this id in this JVM (both ends, if both are here). */
  public static int live(RockId id) {
    AtomicInteger count = LIVE.get(id);
    return count == null ? 0 : count.get();
  }
}
