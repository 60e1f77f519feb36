package io.rocks.impl.io;

import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one clock of every rock in this JVM: runs tasks at {@link System#nanoTime()} deadlines on a
 * single platform thread, {@code rocks-timer}. Heartbeats, silence limits, idle mode and handshake
 * deadlines ({@link Deadlines}) all come from here, so an idle rock costs no thread that wakes on
 * its own: its reader and writer wait without a timeout, and this thread wakes them when the
 * rock's next deadline comes.
 *
 * <p>Scheduling and cancelling touch only a concurrent skip list and, when the new deadline is the
 * earliest, unpark the timer thread: a burst of thousands of handshakes, each scheduling and
 * cancelling a deadline, does not queue on one lock. Tasks run on the timer thread in deadline
 * order and must not block: they look at a rock under its lock, signal a waiting thread, or start
 * a thread for anything that may wait. Closing a connection is such a thing: the JDK's socket
 * channel close wakes the threads blocked in it and then waits for them to leave, which on a
 * starved machine takes as long as a carrier thread takes to run them; a timer thread that
 * closed ten thousand connections itself was late for every other rock. A task that throws is
 * logged; the timer goes on.
 */
public final class RockTimer {
  private static final Logger log = LogManager.getLogger(RockTimer.class);
  private static final ConcurrentSkipListSet<Entry> PENDING = new ConcurrentSkipListSet<>();
  private static final AtomicLong SEQUENCE = new AtomicLong();
  /**
   * The deadline the timer thread sleeps until; {@link Long#MAX_VALUE} while it looks at the
   * queue, so a task scheduled meanwhile always unparks it.
   */
  private static volatile long sleepingUntil = Long.MAX_VALUE;
  private static final Thread THREAD =
      Thread.ofPlatform().daemon().name("rocks-timer").unstarted(RockTimer::run);

  static {
    LocalStalls.start();
    THREAD.start();
  }

  private RockTimer() {}

  /** A scheduled task; {@link #cancel} it if it is no longer needed. */
  public static final class Entry implements Comparable<Entry> {
    public final long atNanos;
    private final long sequence;
    private final Runnable task;

    private Entry(long atNanos, Runnable task) {
      this.atNanos = atNanos;
      this.sequence = SEQUENCE.getAndIncrement();
      this.task = task;
    }

    /** Returns true if this call kept the task from running; false if it ran or was cancelled. */
    public boolean cancel() {
      return PENDING.remove(this);
    }

    @Override
    public int compareTo(Entry other) {
      int byTime = Long.compare(atNanos, other.atNanos);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }

  /** Runs {@code task} on the timer thread once {@link System#nanoTime()} reaches {@code atNanos}. */
  public static Entry at(long atNanos, Runnable task) {
    Entry entry = new Entry(atNanos, task);
    PENDING.add(entry);
    // The timer thread itself looks at the queue again before it sleeps: no need to wake it.
    if (atNanos < sleepingUntil && Thread.currentThread() != THREAD) {
      LockSupport.unpark(THREAD);
    }
    return entry;
  }

  /** True if the calling thread is the timer thread. */
  static boolean isTimerThread() {
    return Thread.currentThread() == THREAD;
  }

  private static void run() {
    while (true) {
      sleepingUntil = Long.MAX_VALUE;
      Entry first = PENDING.isEmpty() ? null : firstOrNull();
      long now = System.nanoTime();
      if (first == null) {
        LockSupport.park();
        continue;
      }
      long waitNanos = first.atNanos - now;
      if (waitNanos > 0) {
        sleepingUntil = first.atNanos;
        LockSupport.parkNanos(waitNanos); // an earlier task unparks it (at)
        continue;
      }
      if (PENDING.remove(first)) {
        try {
          first.task.run();
        } catch (Throwable t) {
          log.error("a rocks timer task failed; the timer carries on", t);
        }
      }
    }
  }

  private static Entry firstOrNull() {
    try {
      return PENDING.first();
    } catch (java.util.NoSuchElementException e) {
      return null; // removed between the look and the take
    }
  }
}
