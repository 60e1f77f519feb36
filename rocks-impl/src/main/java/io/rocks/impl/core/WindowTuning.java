package io.rocks.impl.core;

/**
 * How large one rock's receive window and in-flight bound are now: both start at their configured
 * sizes and grow with the path, up to a per-rock maximum and a per-process {@link Budget}, and go
 * back to their starting sizes when the rock goes idle. Part of the protocol core: no clock of its
 * own (methods take {@code nowNanos}), no thread, no I/O.
 *
 * <p><b>Round-trip time.</b> A receiver asks for an echo on an ACK it sends anyway ({@link
 * io.rocks.impl.wire.Wire#ACK_FLAG_ECHO_REQUEST}), at most one outstanding and at most one per
 * {@link #ECHO_INTERVAL_NANOS}; the peer answers with an ACK at once, and the time between is a
 * sample. Samples are smoothed as TCP does (RFC 6298, gain 1/8). An echo outstanding when the
 * connection changes is forgotten: its answer can never come.
 *
 * <p><b>Receive window.</b> Each time the application has read a whole window's worth of bytes
 * since the last check, the time it took is compared with the round trip: less than two round
 * trips means the sender could not keep more in flight than the window (a window per round trip is
 * what a window-limited sender delivers), so the window doubles, if the maximum and the process's
 * budget allow. A window at least twice the bandwidth-delay product takes two round trips or more
 * to read and stops growing; so does one read slowly by its application, which is no sign of a
 * short window. This is the rule of Chromium's QUIC receive-window auto-tuning, counted in bytes
 * read instead of window updates.
 *
 * <p><b>In-flight bound.</b> The sender follows its peer: it may keep as many unacknowledged bytes
 * as the peer's window grants ({@link #peerGranted}), between its starting size and the maximum,
 * so it never stops the peer's window from being used and holds no more than it can send.
 *
 * <p>Not thread-safe: owned by a {@link RockSession}, under its driver's lock. The budget is shared
 * by every rock of the process and is thread-safe itself.
 */
public final class WindowTuning {
  /** At most one echo per this interval: a fresh round trip a few times a second costs nothing. */
  static final long ECHO_INTERVAL_NANOS = 250_000_000L;

  /** Memory that every rock of a process draws on to grow its windows beyond their starting sizes. */
  public interface Budget {
    /** Takes {@code bytes} if that much is left; returns whether it did. */
    boolean tryReserve(long bytes);

    /** Gives back {@code bytes} taken before. */
    void release(long bytes);
  }

  private final int receiveStart;
  private final int sendStart;
  private final int max;
  private final Budget budget;

  private int receiveWindow;
  private int sendBound;

  /** When the outstanding echo was asked for; -1 when none is. */
  private long echoAskedAtNanos = -1;
  private long lastSampleAtNanos;
  private boolean sampled;
  private long smoothedRttNanos;
  private long latestRttNanos;

  /** Where the current measuring of reading speed started: bytes read then, and when; -1 before. */
  private long epochConsumed;
  private long epochStartNanos = -1;

  private int growths;

  /**
   * Windows that start at {@code receiveStart} and {@code sendStart} bytes and grow up to {@code
   * max} (each at least its start) with memory from {@code budget}.
   */
  public WindowTuning(int receiveStart, int sendStart, int max, Budget budget) {
    this.receiveStart = receiveStart;
    this.sendStart = sendStart;
    this.max = Math.max(max, Math.max(receiveStart, sendStart));
    this.budget = budget;
    this.receiveWindow = receiveStart;
    this.sendBound = sendStart;
  }

  /** The most either window may reach. */
  public int max() {
    return max;
  }

  /** The receive window now. */
  public int receiveWindow() {
    return receiveWindow;
  }

  /** How many unacknowledged bytes the sender may hold now. */
  public int sendBound() {
    return sendBound;
  }

  /** How often the receive window grew, for diagnostics and tests. */
  public int growths() {
    return growths;
  }

  /** The smoothed round-trip time, or 0 before the first sample. */
  public long smoothedRttNanos() {
    return smoothedRttNanos;
  }

  /** The latest round-trip sample, or 0 before the first. */
  public long latestRttNanos() {
    return latestRttNanos;
  }

  // ---------------------------------------------------------------- round-trip time

  /** True if an ACK sent now should ask for an echo. */
  boolean echoDue(long nowNanos) {
    return echoAskedAtNanos < 0 && (!sampled || nowNanos - lastSampleAtNanos >= ECHO_INTERVAL_NANOS);
  }

  /** An ACK asking for an echo went into a batch at {@code nowNanos}. */
  void echoAsked(long nowNanos) {
    echoAskedAtNanos = nowNanos;
  }

  /** The echo came back at {@code nowNanos}; an answer to nothing asked is ignored. */
  void echoAnswered(long nowNanos) {
    if (echoAskedAtNanos < 0) {
      return;
    }
    long sample = Math.max(1, nowNanos - echoAskedAtNanos);
    echoAskedAtNanos = -1;
    latestRttNanos = sample;
    lastSampleAtNanos = nowNanos;
    smoothedRttNanos = sampled ? smoothedRttNanos + (sample - smoothedRttNanos) / 8 : sample;
    sampled = true;
  }

  /** A new connection: an echo asked on the old one is never answered. */
  void newConnection() {
    echoAskedAtNanos = -1;
    epochStartNanos = -1;
  }

  // ---------------------------------------------------------------- growth

  /**
   * The application has read {@code consumed} bytes in all by {@code nowNanos}. Returns true if the
   * receive window grew.
   */
  boolean consumed(long consumed, long nowNanos) {
    if (epochStartNanos < 0) {
      epochStartNanos = nowNanos;
      epochConsumed = consumed;
      return false;
    }
    if (consumed - epochConsumed < receiveWindow) {
      return false;
    }
    long took = nowNanos - epochStartNanos;
    epochStartNanos = nowNanos;
    epochConsumed = consumed;
    if (!sampled || receiveWindow >= max || took >= 2 * smoothedRttNanos) {
      return false;
    }
    int grown = (int) Math.min(max, 2L * receiveWindow);
    if (!budget.tryReserve(grown - receiveWindow)) {
      return false;
    }
    receiveWindow = grown;
    growths++;
    return true;
  }

  /**
   * The peer grants {@code granted} bytes beyond what it acknowledged: the in-flight bound grows to
   * it (never beyond the maximum, and only as the budget allows). Returns true if it grew.
   */
  boolean peerGranted(long granted) {
    int target = (int) Math.min(max, granted);
    if (target <= sendBound || !budget.tryReserve(target - sendBound)) {
      return false;
    }
    sendBound = target;
    return true;
  }

  /** The rock went idle: both windows go back to their starting sizes, and the budget gets the rest. */
  void idle() {
    release();
    epochStartNanos = -1;
  }

  /** Gives back to the budget everything grown beyond the starting sizes. */
  void release() {
    long grown = (long) (receiveWindow - receiveStart) + (sendBound - sendStart);
    receiveWindow = receiveStart;
    sendBound = sendStart;
    if (grown > 0) {
      budget.release(grown);
    }
  }
}
