package io.rocks.impl.rock;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The GONE notices on their way ({@link Supervisor#tellGone}), each on a virtual thread of its own,
 * and a shutdown hook that lets them finish: an application often exits right after its rock
 * failed (a command-line client whose link stayed down past the reconnect timeout), and the
 * notice, on a virtual thread, would die with the JVM. The hook waits at most {@link #AT_EXIT} in
 * all, and only while notices are on their way; a JVM with none exits as before.
 *
 * <p>Thread-safe: notices start on any thread; the hook runs on the JVM's shutdown thread.
 */
public final class GoneNotices {
  static final Duration AT_EXIT = Duration.ofSeconds(3);

  private static final Set<Thread> ON_THEIR_WAY = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean HOOKED = new AtomicBoolean();

  private GoneNotices() {}

  /**
   * Installs the shutdown hook, once per JVM; called when a connecting rock is made, so that the
   * hook is in place before any notice of that rock, also one that starts as the JVM exits.
   */
  static void hook() {
    if (HOOKED.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(GoneNotices::awaitAtExit, "rocks-gone-at-exit"));
    }
  }

  /** Runs {@code notice} on a new virtual thread named {@code name}, which an exit waits for. */
  static void start(String name, Runnable notice) {
    Thread thread = Thread.ofVirtual().name(name).unstarted(() -> {
      try {
        notice.run();
      } finally {
        ON_THEIR_WAY.remove(Thread.currentThread());
      }
    });
    ON_THEIR_WAY.add(thread);
    thread.start();
  }

  private static void awaitAtExit() {
    long deadline = System.nanoTime() + AT_EXIT.toNanos();
    for (Thread notice : ON_THEIR_WAY) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        notice.join(Duration.ofNanos(left));
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
