package io.rocks.impl.io;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures how long this JVM could not run its virtual threads: garbage-collection pauses, a
 * machine starved of CPU, carrier threads all busy. A peer's heartbeat that this side reads late
 * because it was not running is no sign of a dead link, so failure detection and handshake
 * deadlines count only the time this JVM was running ({@link #since}).
 *
 * <p>One virtual thread per JVM, started on first use, sleeps at a time {@link #TICK_NANOS} while
 * something needs stalls measured finely ({@link #needFine}: a rock out of idle mode, whose
 * silence limit is a second or two, or a handshake deadline) and {@link #COARSE_TICK_NANOS}
 * otherwise, and adds to the stalls measured whatever its sleep overran by more than {@link
 * #SLACK_NANOS}. Ten thousand rocks in idle mode, whose silence limits are a minute or more, so
 * cost the JVM four wake-ups a second instead of fifty. A stall still in progress is counted too:
 * {@link #total} adds the overrun of the sleep under way, so a reader that wakes after a pause
 * before this thread does already sees the pause.
 *
 * <p>Thread-safe and lock-free: one thread writes, any thread reads.
 */
public final class LocalStalls {
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** Lateness a sleeping virtual thread shows on a healthy machine, not counted as a stall. */
  static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** The sleep while nothing needs stalls measured finely. */
  static final long COARSE_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** How long one call of {@link #needFine} keeps the fine ticks. */
  static final long FINE_FOR_NANOS = TimeUnit.SECONDS.toNanos(2);

  private static final AtomicBoolean STARTED = new AtomicBoolean();
  /** The ticker's last wake-up and the stalls measured up to it, replaced whole by the ticker. */
  private static volatile Tick last = new Tick(System.nanoTime(), 0, TICK_NANOS);
  /** Until when ({@link System#nanoTime()}) the ticker sleeps {@link #TICK_NANOS} at a time. */
  private static volatile long fineUntilNanos = System.nanoTime() + FINE_FOR_NANOS;

  /**
   * When the ticker woke ({@link System#nanoTime()}), the stalls measured up to then, and how long
   * it sleeps next.
   */
  private record Tick(long atNanos, long stalledNanos, long sleepNanos) {}

  private LocalStalls() {}

  /** Starts the ticker if it is not running. Safe to call from any thread, any number of times. */
  public static void start() {
    if (STARTED.compareAndSet(false, true)) {
      last = new Tick(System.nanoTime(), last.stalledNanos(), TICK_NANOS);
      Thread.ofVirtual().name("rocks-stall-meter").start(LocalStalls::tick);
    }
  }

  /**
   * Keeps stalls measured to {@link #TICK_NANOS} for the next {@link #FINE_FOR_NANOS} from {@code
   * nowNanos}: called by whatever counts time against a limit of a few seconds. Cheap: a volatile
   * read, and a write at most once a second.
   */
  public static void needFine(long nowNanos) {
    if (fineUntilNanos - nowNanos < FINE_FOR_NANOS / 2) {
      fineUntilNanos = nowNanos + FINE_FOR_NANOS;
    }
  }

  /**
   * Returns the stalls measured since this JVM started using rocks, up to {@code nowNanos}
   * (a {@link System#nanoTime()} reading), including one still in progress. Never decreases.
   */
  public static long total(long nowNanos) {
    Tick tick = last;
    long pending = nowNanos - tick.atNanos() - tick.sleepNanos() - SLACK_NANOS;
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
      long sleep = last.sleepNanos();
      try {
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(sleep));
      } catch (InterruptedException e) {
        STARTED.set(false);
        return;
      }
      long now = System.nanoTime();
      long overrun = Math.max(0, now - before - sleep - SLACK_NANOS);
      long next = now - fineUntilNanos < 0 ? TICK_NANOS : COARSE_TICK_NANOS;
      last = new Tick(now, last.stalledNanos() + overrun, next); // one writer: this thread
    }
  }
}
