package io.rocks.impl.core;

/**
 * How large one rock's receive window and in-flight bound are now: both start at their configured
 * sizes and grow with the path, up to a per-rock maximum and a per-process {@link Budget}, and go
 * back to their starting sizes when the rock goes idle. Part of the protocol core: no clock of its
 * own (methods take {@code nowNanos}), no thread, no I/O.
 *
 * <p><b>Round-trip time.</b> The establishing handshake gives the first sample ({@link
 * #handshakeSample}), taken before bytes queue on the path. Each side also asks for an echo on the
 * first ACK of each connection, and a receiver then on an ACK it sends anyway as bytes come
 * ({@link io.rocks.impl.wire.Wire#ACK_FLAG_ECHO_REQUEST}): at most one outstanding, the first
 * {@link #FIRST_SAMPLES} back to back, then at most one per {@link #ECHO_INTERVAL_NANOS}; the
 * window grows only once the first ones are in (or the handshake's). The peer answers with an ACK
 * at once, and the time between is a sample. The smallest sample on the current connection is the
 * path's round trip: later samples also hold the time the echo waited behind data queued on the
 * way (the sender's socket buffer, a bottleneck's queue), which grows with the window itself, and
 * a window sized from them would keep growing. Samples are also smoothed as TCP does (RFC 6298,
 * gain 1/8), for diagnostics. An echo outstanding when the connection changes is forgotten, and
 * none is asked once a sample shows a path shorter than {@link #SHORT_PATH_NANOS}.
 *
 * <p><b>Receive window.</b> Each time the application has read half a window since the last
 * check, the time it took is compared with how long the sender waits for window updates ({@link
 * #feedbackRttNanos}): less means the sender could not keep more in flight than the window (a
 * window per round trip is what a window-limited sender delivers). The window then grows to what
 * covers the path: twice the fastest reading seen (over 1 to 5 ms from the start of a burst: a
 * window-limited sender sends each window in a burst at the path's rate) times that wait, at least
 * double, as far as the maximum and the process's
 * budget allow (if the budget cannot cover that, it may still cover a doubling). A window that
 * covers the path already stays, however fast half of it was read, and so does every window on a
 * path shorter than {@link #SHORT_PATH_NANOS}: there, bursts of reading from the kernel's buffer
 * look window-limited too, and larger windows only cost. For a round trip after a growth nothing
 * is measured: the sender has not heard of it yet. A window read slowly by its application does
 * not grow either: that is no sign of a short window. A 200 ms path reaches its window in one or
 * two steps. This follows Chromium's QUIC receive-window auto-tuning (a window update sooner than
 * two round trips after the last doubles the window), counted in bytes read, with a bandwidth
 * estimate as BBR makes one.
 *
 * <p><b>In-flight bound.</b> The sender follows its peer: it may keep as many unacknowledged bytes
 * as the peer's window grants ({@link #peerGranted}), between its starting size and the maximum,
 * so it never stops the peer's window from being used and holds no more than it can send.
 *
 * <p><b>Both ways.</b> A side that reads half a window while its in-flight bound has grown beyond
 * its receive window grows the receive window to the bound ({@link #matchSendBound}): ACKs travel
 * behind the data going their way, so each direction's round trip holds the other's queue, and
 * the direction with the smaller window starves.
 *
 * <p>Not thread-safe: owned by a {@link RockSession}, under its driver's lock. The budget is shared
 * by every rock of the process and is thread-safe itself.
 */
public final class WindowTuning {
  /** At most one echo per this interval: a fresh round trip a few times a second costs nothing. */
  static final long ECHO_INTERVAL_NANOS = 250_000_000L;
  /**
   * Echoes asked back to back on a new connection, before the window may grow: one sample can be
   * late (a JVM loading classes for its first connection, an answer queued behind data), and a
   * round trip too long makes a window too large.
   */
  static final int FIRST_SAMPLES = 3;
  /**
   * A path whose round trip is shorter never grows its windows: the starting 1 MiB covers 8 Gbit/s
   * there, and on loopback larger windows only cost (a 32 MiB window moved a third less than 1 MiB,
   * its bytes no longer in the processor's caches).
   */
  static final long SHORT_PATH_NANOS = 1_000_000L;
  /** Reading speed is measured over at least this long: shorter bursts tell nothing reliable. */
  static final long RATE_INTERVAL_MIN_NANOS = 1_000_000L;
  /** ... and over at most this long, or an eighth of the round trip if that is less. */
  static final long RATE_INTERVAL_MAX_NANOS = 5_000_000L;

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

  /** When the outstanding echo was asked for, if {@link #echoOutstanding}. */
  private long echoAskedAtNanos;
  /** True while an echo is asked and not answered ({@link System#nanoTime()} may be negative). */
  private boolean echoOutstanding;
  private long lastSampleAtNanos;
  private long smoothedRttNanos;
  private long latestRttNanos;
  /** The smallest sample on the current connection; 0 before one. */
  private long minRttNanos;
  /** Samples on the current connection. */
  private int samples;
  /** True while the handshake's sample showed a path of 1 ms or more and no echo checked it yet. */
  private boolean handshakeUnchecked;

  /** Where the current measuring of reading speed started: bytes read then, and when, if it has. */
  private long epochConsumed;
  private long epochStartNanos;
  private boolean epochOpen;
  /**
   * After a growth, no measuring until then, while {@link #quiet}: for about a round trip the
   * sender has not heard of the larger window, and bytes still come at the old pace.
   */
  private long quietUntilNanos;
  private boolean quiet;

  /** Reading speed over short intervals: where the current interval started, and the fastest yet. */
  private long rateConsumed;
  private long rateStartNanos;
  private boolean rateOpen;
  /** When reading speed was last looked at, and the bytes read by then. */
  private long lastRateNanos;
  private long lastRateConsumed;
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
    return samples > 0;
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

  /**
   * True if an ACK sent now should ask for an echo: never once a sample showed a path shorter than
   * {@link #SHORT_PATH_NANOS}, whose windows never grow (the smallest sample only falls), so a
   * loopback or LAN connect exchanges no echo frames after its first.
   */
  boolean echoDue(long nowNanos) {
    if (echoOutstanding || (samples > 0 && minRttNanos < SHORT_PATH_NANOS)) {
      return false;
    }
    return handshakeUnchecked || samples < FIRST_SAMPLES || nowNanos - lastSampleAtNanos >= ECHO_INTERVAL_NANOS;
  }

  /** An ACK asking for an echo went into a batch at {@code nowNanos}. */
  void echoAsked(long nowNanos) {
    echoAskedAtNanos = nowNanos;
    echoOutstanding = true;
  }

  /** The echo came back at {@code nowNanos}; an answer to nothing asked is ignored. */
  void echoAnswered(long nowNanos) {
    if (!echoOutstanding) {
      return;
    }
    echoOutstanding = false;
    handshakeUnchecked = false;
    record(Math.max(1, nowNanos - echoAskedAtNanos));
    samples++;
    lastSampleAtNanos = nowNanos;
  }

  /**
   * The establishing handshake took {@code nanos} there and back (HELLO to WELCOME, or WELCOME to
   * the connector's first ACK): the cleanest sample there is, taken before bytes queue on the path.
   * It counts as all the first samples. One that shows a path of {@link #SHORT_PATH_NANOS} or more
   * is checked with an echo on the next ACK (the handshake of a JVM's first connection can take
   * milliseconds while classes load, and windows sized from it would grow on loopback); one under
   * that asks for none.
   */
  void handshakeSample(long nanos) {
    if (nanos <= 0) {
      return;
    }
    record(nanos);
    samples = Math.max(samples, FIRST_SAMPLES);
    handshakeUnchecked = nanos >= SHORT_PATH_NANOS;
  }

  /** Takes a round-trip sample into the latest, the smallest and the smoothed round trip. */
  private void record(long sample) {
    latestRttNanos = sample;
    minRttNanos = samples == 0 ? sample : Math.min(minRttNanos, sample);
    smoothedRttNanos = samples == 0 ? sample : smoothedRttNanos + (sample - smoothedRttNanos) / 8;
  }

  /** A new connection: an echo asked on the old one is never answered. */
  void newConnection() {
    echoOutstanding = false;
    handshakeUnchecked = false;
    epochOpen = false;
    minRttNanos = 0; // the new connection may take another path
    samples = 0;
    rateOpen = false;
    maxRateBytesPerSecond = 0;
  }

  // ---------------------------------------------------------------- growth

  /**
   * The application has read {@code consumed} bytes in all by {@code nowNanos}. Returns true if the
   * receive window grew.
   */
  boolean consumed(long consumed, long nowNanos) {
    measureRate(consumed, nowNanos);
    if (quiet) {
      if (nowNanos - quietUntilNanos < 0) {
        return false;
      }
      quiet = false;
    }
    if (!epochOpen) {
      epochOpen = true;
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
    if (matchSendBound(nowNanos)) {
      return true;
    }
    if (samples < FIRST_SAMPLES
        || minRttNanos < SHORT_PATH_NANOS
        || receiveWindow >= max
        || took >= feedbackRttNanos()) {
      return false;
    }
    // A window-limited sender sends each window in a burst at the path's rate: twice the fastest
    // reading times the round trip covers the path. A window that covers it already stays (on a
    // short path, bursts of reading from the kernel's buffer look window-limited too).
    double covering = 2.0 * maxRateBytesPerSecond * feedbackRttNanos() / 1e9; // no long overflow
    if (covering <= receiveWindow) {
      return false;
    }
    int grown = (int) Math.min(max, Math.max(2.0 * receiveWindow, covering));
    if (!budget.tryReserve(grown - receiveWindow)) {
      grown = (int) Math.min(max, 2L * receiveWindow); // what the budget may still cover
      if (!budget.tryReserve(grown - receiveWindow)) {
        return false;
      }
    }
    grewTo(grown, nowNanos);
    return true;
  }

  /**
   * The receive window is now {@code grown} bytes (the budget already holds the difference): for
   * about a round trip after this, nothing is measured ({@link #quiet}).
   */
  private void grewTo(int grown, long nowNanos) {
    receiveWindow = grown;
    growths++;
    quietUntilNanos = nowNanos + minRttNanos;
    quiet = true;
    epochOpen = false;
  }

  /**
   * Bytes flow both ways and the peer's window let this side's in-flight bound grow beyond what
   * this side lets the peer keep: the receive window grows to the in-flight bound. Each side's
   * acknowledgements travel behind its own data, so the delay a sender sees holds the other
   * direction's queue too, and with windows of different sizes the larger one's queue starves the
   * smaller one's direction (measured through a 10 ms path at 45 MiB/s each way: 45 and 27
   * MiB/s). Equal windows cover both. Looked at each time half a window has been read. Returns
   * true if the window grew.
   */
  private boolean matchSendBound(long nowNanos) {
    if (sendBound <= sendStart || sendBound <= receiveWindow || (samples > 0 && minRttNanos < SHORT_PATH_NANOS)) {
      return false; // on a short path no window grows, however large a fixed-size peer's is
    }
    int target = Math.min(max, sendBound);
    if (target <= receiveWindow || !budget.tryReserve(target - receiveWindow)) {
      return false;
    }
    grewTo(target, nowNanos);
    return true;
  }

  /**
   * How long the sender waits for this side's window updates: the smoothed round trip, which also
   * holds the time ACKs wait behind data going the other way (a rock moving bytes both ways), but
   * no more than twice the path's own (the smallest sample): the rest is the queue this window
   * itself builds, and sizing from it would grow the window without end.
   */
  private long feedbackRttNanos() {
    return Math.min(Math.max(smoothedRttNanos, minRttNanos), 2 * minRttNanos);
  }

  /**
   * Keeps the fastest reading over intervals of an eighth of a round trip, from 1 to 5 ms, each
   * begun after a pause of that long and ended by one (a burst counts if it lasted a millisecond):
   * while a window-limited sender's bursts arrive, that is the path's bandwidth.
   */
  private void measureRate(long consumed, long nowNanos) {
    long least = Math.min(RATE_INTERVAL_MAX_NANOS, Math.max(RATE_INTERVAL_MIN_NANOS, minRttNanos / 8));
    long sinceLast = nowNanos - lastRateNanos;
    if (!rateOpen || sinceLast >= least) {
      // A pause as long as an interval ends a burst: it counts up to its last read, if it lasted
      // long enough to tell, and the next interval starts now, not before the pause.
      if (rateOpen) {
        rateSample(lastRateConsumed - rateConsumed, lastRateNanos - rateStartNanos);
      }
      rateOpen = true;
      rateStartNanos = nowNanos;
      rateConsumed = consumed;
    } else if (nowNanos - rateStartNanos >= least) {
      rateSample(consumed - rateConsumed, nowNanos - rateStartNanos);
      rateStartNanos = nowNanos;
      rateConsumed = consumed;
    }
    lastRateNanos = nowNanos;
    lastRateConsumed = consumed;
  }

  private void rateSample(long bytes, long nanos) {
    if (nanos >= RATE_INTERVAL_MIN_NANOS) {
      maxRateBytesPerSecond = Math.max(maxRateBytesPerSecond, (long) (bytes * 1e9 / nanos));
    }
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
    epochOpen = false;
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
