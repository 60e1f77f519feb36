package io.rocks.impl.core;

/**
 * How large one rock's receive window and in-flight bound are now: both start at their configured
 * sizes and grow with the path, up to a per-rock maximum and a per-process {@link Budget}, and go
 * back to their starting sizes when the rock goes idle. Part of the protocol core: no clock of its
 * own (methods take {@code nowNanos}), no thread, no I/O.
 *
 * <p><b>Round-trip time.</b> Each side asks for an echo on the first ACK of each connection, and a
 * receiver then on an ACK it sends anyway as bytes come ({@link
 * io.rocks.impl.wire.Wire#ACK_FLAG_ECHO_REQUEST}), at most one outstanding and at most one per
 * {@link #ECHO_INTERVAL_NANOS}; the peer answers with an ACK at once, and the time between is a
 * sample. The smallest sample on the current connection is the path's round trip: later samples
 * also hold the time the echo waited behind data queued on the way (the sender's socket buffer, a
 * bottleneck's queue), which grows with the window itself, and a window sized from them would
 * keep growing. Samples are also smoothed as TCP does (RFC 6298, gain 1/8), for diagnostics. An
 * echo outstanding when the connection changes is forgotten: its answer can never come.
 *
 * <p><b>Receive window.</b> Each time the application has read half a window since the last
 * check, the time it took is compared with the round trip: less means the sender could not keep
 * more in flight than the window (a window per round trip is what a window-limited sender
 * delivers), so the window grows, if the maximum and the process's budget allow (if the budget
 * cannot cover the growth, it may still cover a doubling): to four times its size, or to twice
 * the fastest reading seen (over an eighth of a round trip: a window-limited sender sends each
 * window in a burst at the path's rate) times the round trip, if that is more, so a 200 ms path
 * reaches its window in two or three steps. For a round trip after a growth nothing is measured:
 * the sender has not heard of it yet. A window at least twice the bandwidth-delay product takes a
 * round trip or more per half and stops growing; so does one read slowly by its application,
 * which is no sign of a short window. This follows Chromium's QUIC receive-window auto-tuning (a
 * window update sooner than two round trips after the last doubles the window), counted in bytes
 * read, with a bandwidth estimate as BBR makes one.
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
  /** The smallest sample on the current connection; 0 before one. */
  private long minRttNanos;

  /** Where the current measuring of reading speed started: bytes read then, and when; -1 before. */
  private long epochConsumed;
  private long epochStartNanos = -1;
  /**
   * After a growth, no measuring until then: for about a round trip the sender has not heard of
   * the larger window, and bytes still come at the old pace.
   */
  private long quietUntilNanos;

  /** Reading speed over short intervals: where the current interval started, and the fastest yet. */
  private long rateConsumed;
  private long rateStartNanos = -1;
  /** The fastest reading seen on this connection, in bytes per second; 0 before one. */
  private long maxRateBytesPerSecond;

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

  /** True once the current connection has a round-trip sample. */
  boolean sampled() {
    return sampled;
  }

  /** The smallest round-trip sample on the current connection, or 0 before one. */
  public long minRttNanos() {
    return minRttNanos;
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
    minRttNanos = minRttNanos == 0 ? sample : Math.min(minRttNanos, sample);
    lastSampleAtNanos = nowNanos;
    smoothedRttNanos = sampled ? smoothedRttNanos + (sample - smoothedRttNanos) / 8 : sample;
    sampled = true;
  }

  /** A new connection: an echo asked on the old one is never answered. */
  void newConnection() {
    echoAskedAtNanos = -1;
    epochStartNanos = -1;
    minRttNanos = 0; // the new connection may take another path
    sampled = false;
    rateStartNanos = -1;
    maxRateBytesPerSecond = 0;
  }

  // ---------------------------------------------------------------- growth

  /**
   * The application has read {@code consumed} bytes in all by {@code nowNanos}. Returns true if the
   * receive window grew.
   */
  boolean consumed(long consumed, long nowNanos) {
    measureRate(consumed, nowNanos);
    if (nowNanos - quietUntilNanos < 0) {
      return false;
    }
    if (epochStartNanos < 0) {
      epochStartNanos = nowNanos;
      epochConsumed = consumed;
      return false;
    }
    if (consumed - epochConsumed < receiveWindow / 2) {
      return false;
    }
    long took = nowNanos - epochStartNanos;
    epochStartNanos = nowNanos;
    epochConsumed = consumed;
    if (minRttNanos == 0 || receiveWindow >= max || took >= minRttNanos) {
      return false;
    }
    int factor = 4;
    // A window-limited sender sends each window in a burst at the path's rate: twice the fastest
    // reading times the round trip covers the path, if that is more than four windows.
    long covering = 2 * maxRateBytesPerSecond * minRttNanos / 1_000_000_000L;
    int grown = (int) Math.min(max, Math.max((long) factor * receiveWindow, covering));
    if (!budget.tryReserve(grown - receiveWindow)) {
      grown = (int) Math.min(max, 2L * receiveWindow); // what the budget may still cover
      if (factor == 2 || !budget.tryReserve(grown - receiveWindow)) {
        return false;
      }
    }
    receiveWindow = grown;
    growths++;
    quietUntilNanos = nowNanos + minRttNanos;
    epochStartNanos = -1;
    return true;
  }

  /**
   * Keeps the fastest reading over intervals of an eighth of a round trip (at least a millisecond;
   * 5 ms before the round trip is known): while a window-limited sender's bursts arrive, that is the
   * path's bandwidth.
   */
  private void measureRate(long consumed, long nowNanos) {
    if (rateStartNanos < 0) {
      rateStartNanos = nowNanos;
      rateConsumed = consumed;
      return;
    }
    long interval = nowNanos - rateStartNanos;
    if (interval < (minRttNanos == 0 ? 5_000_000L : Math.max(1_000_000L, minRttNanos / 8))) {
      return;
    }
    long rate = (consumed - rateConsumed) * 1_000_000_000L / interval;
    maxRateBytesPerSecond = Math.max(maxRateBytesPerSecond, rate);
    rateStartNanos = nowNanos;
    rateConsumed = consumed;
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
