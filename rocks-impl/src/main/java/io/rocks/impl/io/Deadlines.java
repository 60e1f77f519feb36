package io.rocks.impl.io;

import java.util.concurrent.TimeUnit;

/**
 * Runs an action when a deadline passes, unless it was cancelled first: closes a connection whose
 * handshake takes too long, fails a rock whose client never proved its key. A deadline does not
 * count up to its own length of time during which this JVM was stalled ({@link LocalStalls}), so
 * a server starved in a burst of connections does not cut handshakes its clients completed in
 * time, and no deadline waits more than twice its length.
 *
 * <p>Deadlines run on the {@link RockTimer}'s thread. Scheduling and cancelling touch only the
 * deadline's own state and the timer's concurrent queue, never a shared lock: a burst of
 * thousands of handshakes, each scheduling and cancelling a deadline, queued on the lock of a
 * {@link java.util.concurrent.ScheduledThreadPoolExecutor}. Each action that comes due runs on a
 * virtual thread of its own (closing a socket, failing a rock), never on the timer thread.
 */
public final class Deadlines {
  private Deadlines() {}

  /** A scheduled action; {@link #cancel} it once what it guards is done. */
  public static final class Deadline {
    private static final int PENDING = 0;
    private static final int CANCELLED = 1;
    private static final int RUN = 2;

    private final Runnable action;
    private final long startNanos;
    private final long stalledAtStart;
    private final long limitNanos;
    private final java.util.concurrent.atomic.AtomicInteger state =
        new java.util.concurrent.atomic.AtomicInteger(PENDING);
    /** The timer entry that looks at this deadline next; replaced when a stall moved it. */
    private volatile RockTimer.Entry entry;

    private Deadline(Runnable action, long limitNanos) {
      this.action = action;
      this.startNanos = System.nanoTime();
      LocalStalls.needFine(startNanos);
      this.stalledAtStart = LocalStalls.total(startNanos);
      this.limitNanos = limitNanos;
    }

    /**
     * Makes sure the action does not run, if it has not started: returns true if this call
     * cancelled it, false if it ran or runs now, or an earlier call cancelled it. Safe to call more
     * than once, from any thread.
     */
    public boolean cancel() {
      if (!state.compareAndSet(PENDING, CANCELLED)) {
        return false;
      }
      RockTimer.Entry scheduled = entry;
      if (scheduled != null) {
        scheduled.cancel(); // frees the timer's queue early; a late look would do nothing anyway
      }
      return true;
    }

    /** Returns the time left before the action is due, this JVM's stalls forgiven; 0 if past. */
    public long remainingNanos() {
      return Math.max(0, leftAt(System.nanoTime()));
    }

    /** The time left at {@code now}, not counting this JVM's stalls since the start; negative if past. */
    private long leftAt(long now) {
      long stalled = Math.min(limitNanos, LocalStalls.since(stalledAtStart, now));
      return limitNanos - (now - startNanos - stalled);
    }

    /** On the timer thread: runs the action if its time has come, else looks again later. */
    private void look() {
      if (state.get() != PENDING) {
        return;
      }
      long now = System.nanoTime();
      long left = leftAt(now);
      if (left > 0) {
        entry = RockTimer.at(now + left, this::look); // this JVM was stalled meanwhile
        return;
      }
      if (state.compareAndSet(PENDING, RUN)) {
        // On a thread of its own: closing a socket waits for the threads blocked in it to leave,
        // and failing a rock may write its CLOSE; the timer thread serves every rock.
        Thread.ofVirtual().name("rocks-deadline").start(action);
      }
    }
  }

  /** Runs {@code action} once {@code limitMillis} of this JVM's running time have passed. */
  public static Deadline schedule(Runnable action, long limitMillis) {
    Deadline deadline = new Deadline(action, TimeUnit.MILLISECONDS.toNanos(limitMillis));
    deadline.entry = RockTimer.at(deadline.startNanos + deadline.limitNanos, deadline::look);
    return deadline;
  }
}
