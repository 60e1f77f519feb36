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
 * <p>In idle mode one end of each rock leads and the other follows ({@link #follower}): the
 * leader sends a heartbeat every idle interval, and the follower answers it at once with its own
 * ({@link #answerDue}), sending one on its own timer only if none came for one and a half
 * intervals. Each end still hears from the other every interval, but only one timer fires per
 * rock and interval.
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
  /** True on the end that follows in idle mode (see the class). */
  private boolean follower;

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

  /**
   * Makes this end the follower in idle mode (see the class); the two ends of a rock must choose
   * differently. Only with a failure sensitivity of 2 or more: its fallback heartbeat, one and a
   * half intervals after its last send, must come within the leader's silence limit.
   */
  public void follower(boolean follows) {
    this.follower = follows;
  }

  private boolean following() {
    return follower && idle && sensitivity >= 2;
  }

  /**
   * How long after its last send this side's own timer sends a heartbeat: the interval, or one and
   * a half on the follower in idle mode (a fallback; it answers the leader's).
   */
  long ownHeartbeatAfterNanos() {
    long interval = heartbeatIntervalNanos();
    return following() ? interval + interval / 2 : interval;
  }

  /**
   * How early a heartbeat may go: in idle mode 1/32 of the interval, so that the look that finds
   * one due and the write that follows a moment later do not make the next look come a moment too
   * soon and look twice per interval; none out of idle mode.
   */
  long heartbeatSlackNanos() {
    return idle ? idleHeartbeatNanos / 32 : 0;
  }

  /** True if this side's own heartbeat is due {@code sinceSendNanos} after its last send. */
  public boolean heartbeatDue(long sinceSendNanos) {
    return sinceSendNanos >= ownHeartbeatAfterNanos() - heartbeatSlackNanos();
  }

  /** How long after {@code sinceSendNanos} without sending this side's own heartbeat is due. */
  public long heartbeatDueInNanos(long sinceSendNanos) {
    return Math.max(0, ownHeartbeatAfterNanos() - heartbeatSlackNanos() - sinceSendNanos);
  }

  /**
   * On the follower in idle mode: true if a frame from the peer that came {@code sinceSendNanos}
   * after this side's last send is to be answered at once with a heartbeat (at most one per half
   * interval).
   */
  public boolean answerDue(long sinceSendNanos) {
    return following() && sinceSendNanos >= heartbeatIntervalNanos() / 2;
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
