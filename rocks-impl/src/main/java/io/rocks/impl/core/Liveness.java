package io.rocks.impl.core;

import io.rocks.RockOptions;

/**
 * When one rock sends heartbeats and when it decides its connection is dead, including idle mode:
 * part of the protocol core, with no clock of its own (every method that needs the time takes
 * {@code nowNanos}, a {@link System#nanoTime()} reading) and no thread.
 *
 * <p>A rock that carried no application data, either way, for {@code idleAfter} enters idle
 * mode: its heartbeats stretch to the idle interval, and it tells its peer so with a PACE frame,
 * so the peer waits for {@code failureSensitivity} of those intervals before it suspends. Any
 * application read or write, or data from the peer, ends idle mode at once, with a PACE frame
 * announcing the usual interval again. While written data waits for an acknowledgement, silence
 * of the usual detection time since the later of the last byte from the peer and the last write
 * is a failure whatever the peer's pace: a peer in idle mode answers data at once (the data ends
 * its idle mode), so a cut with data waiting is still noticed within the usual bound.
 *
 * <p>Not thread-safe: owned by a {@link RockSession}, under its driver's lock.
 */
public final class Liveness {
  private long heartbeatNanos;
  private long idleHeartbeatNanos;
  private long idleAfterNanos;
  private int sensitivity;

  private boolean idle;
  /** When the application last read or wrote, or data last came from the peer. */
  private long lastActivityNanos;
  /** When the application last wrote. */
  private long lastWriteNanos;
  /** The peer's heartbeat interval as its last PACE frame announced; 0 before any. */
  private long peerHeartbeatNanos;
  /** The interval to announce in a PACE frame, in milliseconds; 0 when none is due. */
  private int paceDueMillis;

  public Liveness(RockOptions options, long nowNanos) {
    this(
        options.heartbeatInterval().toNanos(),
        options.failureSensitivity(),
        options.idleAfter().toNanos(),
        options.idleHeartbeatInterval().toNanos(),
        nowNanos);
  }

  public Liveness(
      long heartbeatNanos, int sensitivity, long idleAfterNanos, long idleHeartbeatNanos, long nowNanos) {
    configure(heartbeatNanos, sensitivity, idleAfterNanos, idleHeartbeatNanos);
    lastActivityNanos = nowNanos;
    lastWriteNanos = nowNanos;
  }

  /** Takes the timing options; intervals already announced stay until the next change of mode. */
  public void configure(RockOptions options) {
    configure(
        options.heartbeatInterval().toNanos(),
        options.failureSensitivity(),
        options.idleAfter().toNanos(),
        options.idleHeartbeatInterval().toNanos());
  }

  private void configure(long heartbeatNanos, int sensitivity, long idleAfterNanos, long idleHeartbeatNanos) {
    this.heartbeatNanos = heartbeatNanos;
    this.idleHeartbeatNanos = Math.max(heartbeatNanos, idleHeartbeatNanos);
    this.idleAfterNanos = idleAfterNanos;
    this.sensitivity = sensitivity;
  }

  /**
   * The application read or wrote, or data came from the peer. Returns true if that ended idle
   * mode: a PACE frame is then due.
   */
  boolean activity(long nowNanos) {
    lastActivityNanos = nowNanos;
    if (!idle) {
      return false;
    }
    idle = false;
    paceDueMillis = (int) Math.max(1, heartbeatNanos / 1_000_000);
    return true;
  }

  /** The application wrote: as {@link #activity}, and the fast failure rule counts from now. */
  boolean written(long nowNanos) {
    lastWriteNanos = nowNanos;
    return activity(nowNanos);
  }

  /**
   * Enters idle mode if nothing happened for {@code idleAfter} and {@code quiet} (no written data
   * waits for an acknowledgement). Returns true if it did: a PACE frame is then due.
   */
  boolean maybeEnterIdle(long nowNanos, boolean quiet) {
    if (idle || !quiet || nowNanos - lastActivityNanos < idleAfterNanos) {
      return false;
    }
    idle = true;
    paceDueMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, idleHeartbeatNanos / 1_000_000));
    return true;
  }

  /** When idle mode may begin, if nothing happens before. */
  long idleAtNanos() {
    return lastActivityNanos + idleAfterNanos;
  }

  /** The peer announced its heartbeat interval with a PACE frame. */
  void onPace(int heartbeatMillis) {
    peerHeartbeatNanos = heartbeatMillis * 1_000_000L;
  }

  /** Returns the interval a PACE frame should announce now, in milliseconds, or 0; clears it. */
  int takePace() {
    int due = paceDueMillis;
    paceDueMillis = 0;
    return due;
  }

  /**
   * A new connection: the peer's pace counts only once announced on it, and this side's is
   * announced again if it is idle (a PACE frame may have been lost with the old connection).
   */
  void newConnection() {
    peerHeartbeatNanos = 0;
    if (idle) {
      // The peer forgot nothing, but a PACE frame lost with the old connection must come again.
      paceDueMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, idleHeartbeatNanos / 1_000_000));
    }
  }

  public boolean idle() {
    return idle;
  }

  /** How long this side may go without sending before a heartbeat is due. */
  public long heartbeatIntervalNanos() {
    return idle ? idleHeartbeatNanos : heartbeatNanos;
  }

  /** The usual detection time: {@code heartbeatInterval * failureSensitivity}. */
  public long fastLimitNanos() {
    return heartbeatNanos * sensitivity;
  }

  /** How long the peer may be silent before the connection is dead, given the peer's pace. */
  public long silenceLimitNanos() {
    return Math.max(heartbeatNanos, peerHeartbeatNanos) * sensitivity;
  }

  /**
   * Returns how long the peer counts as silent for the fast rule: {@code silentNanos} (since its
   * last byte), but at most the time since the application last wrote.
   */
  long dataWaitNanos(long nowNanos, long silentNanos) {
    return Math.min(silentNanos, nowNanos - lastWriteNanos);
  }
}
