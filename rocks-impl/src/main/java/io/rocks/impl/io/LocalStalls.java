package io.rocks.impl.io;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures how long this JVM could not run its virtual threads: garbage-collection pauses, a
 * machine starved of CPU, carrier threads all busy. A peer's heartbeat that this side reads late
 * because it was not running is no sign of a dead link, so failure detection and handshake
 * deadlines count only the time this JVM was running ({@link #since}).
 *
 * <p>One virtual thread per JVM, started on first use, sleeps {@link #TICK_NANOS} at a time and
 * adds to the stalls measured whatever its sleep overran by more than {@link #SLACK_NANOS}. A
 * stall still in progress is counted too: {@link #total} adds the overrun of the sleep under way,
 * so a reader that wakes after a pause before this thread does already sees the pause.
 *
 * <p>Thread-safe and lock-free: one thread writes, any thread reads.
 */
public final class LocalStalls {
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** Lateness a sleeping virtual thread shows on a healthy machine, not counted as a stall. */
  static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final AtomicBoolean STARTED = new AtomicBoolean();
  /** The ticker's last wake-up and the stalls measured up to it, replaced whole by the ticker. */
  private static volatile Tick last = new Tick(System.nanoTime(), 0);

  /** When the ticker woke ({@link System#nanoTime()}) and the stalls measured up to then. */
  private record Tick(long atNanos, long stalledNanos) {}

  private LocalStalls() {}

  /** Starts the ticker if it is not running. Safe to call from any thread, any number of times. */
  public static void start() {
    if (STARTED.compareAndSet(false, true)) {
      last = new Tick(System.nanoTime(), last.stalledNanos());
      Thread.ofVirtual().name("rocks-stall-meter").start(LocalStalls::tick);
    }
  }

  /**
   * Returns the stalls measured since this JVM started using rocks, up to {@code nowNanos}
   * (a {@link System#nanoTime()} reading), including one still in progress. Never decreases.
   */
  public static long total(long nowNanos) {
    Tick tick = last;
    long pending = nowNanos - tick.atNanos() - TICK_NANOS - SLACK_NANOS;
    return tick.stalledNanos() + Math.max(0, pending);
  }

  /**
   * Returns how much of the time from {@code thenNanos} to {@code nowNanos} this JVM was stalled,
   * given {@code stalledAtThen}, the value {@link #total} had at {@code thenNanos}.
   */
  public static long since(long stalledAtThen, long nowNanos) {
    return Math.max(0, total(nowNanos) - stalledAtThen);
  }

  private static void tick() {
    while (true) {
      long before = System.nanoTime();
      try {
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(TICK_NANOS));
      } catch (InterruptedException e) {
        STARTED.set(false);
        return;
      }
      long now = System.nanoTime();
      long overrun = Math.max(0, now - before - TICK_NANOS - SLACK_NANOS);
      last = new Tick(now, last.stalledNanos() + overrun); // one writer: this thread
    }
  }
}
