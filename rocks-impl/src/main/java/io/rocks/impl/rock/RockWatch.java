package io.rocks.impl.rock;

import io.rocks.impl.core.Liveness;
import io.rocks.impl.core.RockSession;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.LocalStalls;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.io.RockTimer;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One rock's clock while it is connected: a look at its current connection on the shared {@link
 * RockTimer}, rescheduled after each look at the session's next deadline ({@link
 * RockSession#look}). A look suspends the rock if the peer has been silent past its limit, or past
 * the usual detection time while written data waits for an acknowledgement, or if a write failed
 * and no reader met the failure itself; enters idle mode when it is time; and wakes the writer
 * when a heartbeat is due.
 *
 * <p>Threads and locks: every field is guarded by the rock's lock ({@link RealRock#lock}). A look
 * runs on the timer thread and never blocks there: a silent connection is confirmed dead, and the
 * rock suspended, by a virtual thread ({@link #confirmDead}).
 */
public final class RockWatch {
  private static final Logger log = LogManager.getLogger(RockWatch.class);
  /**
   * How long a failed write waits for a reader to meet the failure itself (reading first what the
   * peer sent before it closed: its CLOSE, or the acknowledgement of our FIN) before the watch acts
   * on it ({@link RockSender#writeFailed}).
   */
  static final long WRITE_FAILURE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** How soon the watch looks again at a silent connection whose bytes wait unread. */
  private static final long STARVED_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The grid idle looks are rounded up to ({@link #idleSlot}). */
  static final long IDLE_SLOT_NANOS = TimeUnit.MILLISECONDS.toNanos(128);
  /** The least time between two looks. */
  private static final long MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final RealRock rock;
  private final ReentrantLock lock;
  /** The next look on the shared timer; null while none is scheduled. */
  private RockTimer.Entry entry;
  /** The connection {@link #entry} looks at. */
  private Connection watched;
  /** Numbers the looks: a look that is no longer the latest does nothing. */
  private long looks;

  RockWatch(RealRock rock) {
    this.rock = rock;
    this.lock = rock.lock;
  }

  /**
   * Under the rock's lock: makes the watch look at {@code conn} at {@code atNanos}, in place of any
   * look already scheduled, unless an earlier look at it is scheduled anyway.
   */
  void lookLocked(Connection conn, long gen, long atNanos) {
    if (entry != null) {
      if (entry.atNanos <= atNanos && watched == conn) {
        return; // an earlier look is due anyway, and it schedules the next
      }
      entry.cancel();
    }
    long look = ++looks;
    watched = conn;
    entry = RockTimer.at(atNanos, () -> look(conn, gen, look));
  }

  /**
   * Under the rock's lock, after a heartbeat this side sent at {@code now} outside the watch (an
   * answer to the peer's, {@link RockSender#answerHeartbeat}): moves the next look to the session's
   * next deadline, later than the one scheduled, so a follower's own timer does not fire while it
   * answers. If the look finds anything to act on, it looks now instead.
   */
  void movedLocked(Connection conn, long gen, long now) {
    if (!rock.life.isCurrent(gen) || rock.connectionLocked() != conn) {
      return;
    }
    RockSession.Look verdict = verdictLocked(conn, now, rock.sender.writerRunsLocked(gen));
    long at = verdict.dead() || verdict.enteredIdle() || verdict.heartbeatDue() ? now : verdict.nextAtNanos();
    if (entry != null) {
      entry.cancel();
      entry = null;
    }
    at = Math.max(at, now + MIN_NANOS);
    lookLocked(conn, gen, rock.session.liveness.idle() ? idleSlot(at) : at);
  }

  /**
   * In idle mode a look may come a little late: its time is rounded up to the next multiple of
   * {@link #IDLE_SLOT_NANOS}, so the looks of thousands of idle rocks fall due together and the
   * timer, the writers they start and the peers' readers wake once for many instead of once
   * each. The delay is at most {@link #IDLE_SLOT_NANOS}, under 1% of the idle interval.
   */
  static long idleSlot(long atNanos) {
    return Math.floorDiv(atNanos + IDLE_SLOT_NANOS - 1, IDLE_SLOT_NANOS) * IDLE_SLOT_NANOS;
  }

  /** Under the rock's lock: the rock has no connection to watch any more. */
  void cancelLocked() {
    if (entry != null) {
      entry.cancel();
      entry = null;
    }
    looks++;
    watched = null;
  }

  /**
   * Under the rock's lock: the session's look at {@code conn} at {@code now}, with the silence its
   * reader measured (up to one detection time of this JVM's stalls forgiven).
   */
  private RockSession.Look verdictLocked(Connection conn, long now, boolean writerKeepsTime) {
    RockSession session = rock.session;
    return session.look(
        now,
        conn.reader.silentNanos(now, session.liveness.fastLimitNanos()),
        now - conn.lastSendNanos,
        writerKeepsTime);
  }

  /** On the timer thread, never blocking: one look at {@code conn} (see the class). */
  private void look(Connection conn, long gen, long look) {
    long now = System.nanoTime();
    IOException dead = null;
    boolean keepAlive = false;
    lock.lock();
    try {
      if (look != looks || !rock.life.isCurrent(gen) || rock.connectionLocked() != conn) {
        return;
      }
      entry = null;
      Liveness liveness = rock.session.liveness;
      if (!liveness.idle()) {
        LocalStalls.needFine(now); // silence limits of a second or two: stalls measured finely
      }
      long next;
      if (rock.establishment != null && rock.establishment.welcomePending()) {
        next = liveness.heartbeatIntervalNanos(); // the handshake timeout is the reader's to watch
      } else {
        RockSession.Look verdict = verdictLocked(conn, now, rock.sender.writerRunsLocked(gen));
        if (verdict.dead() && conn.bytesWaiting()) {
          // Bytes came and no thread has read them yet: on a starved machine the reader may run
          // late, and the silence is this side's, not the peer's. Look again soon.
          lookLocked(conn, gen, now + STARVED_LOOK_NANOS);
          return;
        }
        if (verdict.dead()) {
          dead = RockStreams.silenceException(verdict.silenceNanos());
          return;
        }
        IOException writeFailure = conn.writeFailure;
        if (writeFailure != null && now - conn.writeFailedNanos >= WRITE_FAILURE_GRACE_NANOS) {
          dead = writeFailure;
          return;
        }
        if (verdict.enteredIdle()) {
          keepAlive = rock.options().tcpKeepAlive();
          log.debug("rock {}: idle; heartbeats every {} ms", rock.id, liveness.heartbeatIntervalNanos() / 1_000_000);
        }
        rock.wakeLocked();
        if (verdict.heartbeatDue()) {
          rock.sender.wakeLocked(); // the writer sends the heartbeat
        }
        next = verdict.nextAtNanos() - now;
        if (writeFailure != null) {
          next = Math.min(next, WRITE_FAILURE_GRACE_NANOS);
        }
      }
      long at = now + Math.max(MIN_NANOS, next);
      lookLocked(conn, gen, liveness.idle() ? idleSlot(at) : at);
    } finally {
      lock.unlock();
      if (dead != null) {
        // Confirmed on a virtual thread, not acted on here: that thread runs only once this JVM's
        // carrier threads get to it, as the connection's reader would, and looks again then (with
        // the stalls of this JVM meanwhile forgiven, LocalStalls), so a machine too busy to run
        // the rocks' threads does not suspend them for silence it caused. Closing the connection
        // also waits for the threads blocked in it, which the timer thread must never do.
        IOException cause = dead;
        RockThreads.start("suspend", rock.id, () -> confirmDead(conn, gen, cause));
      } else if (keepAlive) {
        conn.keepAlive(rock.options().idleHeartbeatInterval(), rock.options().failureSensitivity());
      }
    }
  }

  /**
   * On a virtual thread, after a look found {@code conn} dead: looks once more, and suspends the
   * rock only if the connection is still silent past its limit and no bytes wait unread; else the
   * watch goes on. A failed write is final and needs no second look.
   */
  private void confirmDead(Connection conn, long gen, IOException cause) {
    if (!(cause instanceof SocketTimeoutException)) {
      rock.ending.connectionFailed(gen, cause);
      return;
    }
    long now = System.nanoTime();
    lock.lock();
    try {
      if (!rock.life.isCurrent(gen) || rock.connectionLocked() != conn) {
        return;
      }
      if (!verdictLocked(conn, now, true).dead() || conn.bytesWaiting()) {
        lookLocked(conn, gen, now + STARVED_LOOK_NANOS);
        return;
      }
    } finally {
      lock.unlock();
    }
    rock.ending.connectionFailed(gen, cause);
  }
}
