package io.rocks.impl;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs an action when a deadline passes, unless it was cancelled first: closes a connection whose
 * handshake takes too long, fails a rock whose client never proved its key. A deadline does not
 * count up to its own length of time during which this JVM was stalled ({@link LocalStalls}), so
 * a server starved in a burst of connections does not cut handshakes its clients completed in
 * time, and no deadline waits more than twice its length.
 *
 * <p>Every server socket of the JVM shares one platform thread, which looks at the pending
 * deadlines every {@link #RESOLUTION_MILLIS}. Scheduling and cancelling touch only a concurrent
 * set, never a shared lock: a burst of thousands of handshakes, each scheduling and cancelling a
 * deadline, queued on the lock of a {@link java.util.concurrent.ScheduledThreadPoolExecutor}.
 * Actions run on that thread and must not block (closing a socket, failing a rock).
 */
final class Deadlines {
  private static final Logger log = LogManager.getLogger(Deadlines.class);
  /** How late a deadline may fire: fine for limits of seconds. */
  static final long RESOLUTION_MILLIS = 50;

  private static final Set<Deadline> PENDING = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private Deadlines() {}

  /** A scheduled action; {@link #cancel} it once what it guards is done. */
  static final class Deadline {
    private final Runnable action;
    private final long startNanos;
    private final long stalledAtStart;
    private final long limitNanos;

    private Deadline(Runnable action, long limitNanos) {
      this.action = action;
      this.startNanos = System.nanoTime();
      this.stalledAtStart = LocalStalls.total(startNanos);
      this.limitNanos = limitNanos;
    }

    /**
     * Makes sure the action does not run, if it has not started: returns true if this call
     * cancelled it, false if it ran or runs now, or an earlier call cancelled it. Safe to call more
     * than once, from any thread.
     */
    boolean cancel() {
      return PENDING.remove(this);
    }

    private boolean due(long nowNanos) {
      long stalled = Math.min(limitNanos, LocalStalls.since(stalledAtStart, nowNanos));
      return nowNanos - startNanos - stalled >= limitNanos;
    }
  }

  /** Runs {@code action} once {@code limitMillis} of this JVM's running time have passed. */
  static Deadline schedule(Runnable action, long limitMillis) {
    start();
    Deadline deadline = new Deadline(action, TimeUnit.MILLISECONDS.toNanos(limitMillis));
    PENDING.add(deadline);
    return deadline;
  }

  private static void start() {
    if (STARTED.compareAndSet(false, true)) {
      LocalStalls.start();
      Thread.ofPlatform().daemon().name("rocks-deadlines").start(Deadlines::watch);
    }
  }

  private static void watch() {
    while (true) {
      try {
        Thread.sleep(RESOLUTION_MILLIS);
      } catch (InterruptedException e) {
        log.warn("deadline thread interrupted; carrying on");
        continue;
      }
      long now = System.nanoTime();
      for (Deadline deadline : PENDING) {
        if (deadline.due(now) && PENDING.remove(deadline)) {
          try {
            deadline.action.run();
          } catch (RuntimeException e) {
            log.error("a deadline's action failed", e);
          }
        }
      }
    }
  }
}
