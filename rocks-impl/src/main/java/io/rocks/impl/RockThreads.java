package io.rocks.impl;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the virtual threads that serve rocks and counts the ones still running, so tests and
 * operators can see that a finished rock left no thread behind (virtual threads do not show in
 * {@link Thread#getAllStackTraces()}).
 */
final class RockThreads {
  private static final AtomicInteger LIVE = new AtomicInteger();

  private RockThreads() {}

  static Thread start(String name, Runnable task) {
    LIVE.incrementAndGet();
    return Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              try {
                task.run();
              } finally {
                LIVE.decrementAndGet();
              }
            });
  }

  /** Returns how many rock threads (reader, writer, supervisor) are running in this JVM. */
  static int live() {
    return LIVE.get();
  }
}
