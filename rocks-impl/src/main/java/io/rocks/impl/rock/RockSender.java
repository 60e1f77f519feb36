package io.rocks.impl.rock;

import io.rocks.RockException;
import io.rocks.impl.core.RockSession;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.wire.FrameWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sends one rock's frames on its current connection: from the application's threads while bytes
 * stream ({@link #sendDueInline}), else from a writer virtual thread started on demand ({@link
 * #signalWriterLocked}) that sends acknowledgements, heartbeats, retransmissions, FIN and CLOSE.
 *
 * <p>Locks: every field is guarded by the rock's lock ({@link RealRock#lock}). {@link #sendLock} is
 * held by the one thread that encodes frames and writes them; it is taken before the rock's lock
 * and never while it is held, since its holder does socket I/O. Application threads only ever
 * {@code tryLock} it.
 */
public final class RockSender {
  private static final Logger log = LogManager.getLogger(RockSender.class);
  /** How long the last write as a rock ends may take ({@link #closeAfterLastWrite}). */
  private static final long CLOSE_GRACE_MILLIS = 100;
  /**
   * How long a writer thread with nothing to send waits for more before it ends: long enough that
   * a busy rock keeps its writer, short enough that an idle one has none.
   */
  private static final long WRITER_LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final RealRock rock;
  private final ReentrantLock lock;
  /** Held by whoever encodes and writes frames on the current connection (see the class). */
  private final ReentrantLock sendLock = new ReentrantLock();
  /** Signalled when the writer thread may have frames to send. */
  private final Condition sendable;

  /**
   * Set whenever something may be due, cleared by whoever encodes frames: the writer waits only
   * while it is false, so a wake-up between its look and its wait is not lost.
   */
  private boolean pending;
  /**
   * True while an application thread applies a frame it read itself: a frame that makes sending
   * due then leaves the writer asleep, and that thread sends once it released the lock.
   */
  private boolean inline;
  /**
   * The running writer thread's token and its generation; null if none runs. A writer clears the
   * token only if it is still its own.
   */
  private Object writer;
  private long writerGeneration;

  RockSender(RealRock rock) {
    this.rock = rock;
    this.lock = rock.lock;
    this.sendable = lock.newCondition();
  }

  /** Returns the lock every sender of frames holds, for tests that play a sender. */
  ReentrantLock sendLock() {
    return sendLock;
  }

  /** Under the rock's lock: marks frames as due without waking anyone (the caller sends them). */
  void markPendingLocked() {
    pending = true;
  }

  /** Under the rock's lock: true if frames were marked due and no one has sent them yet. */
  boolean pendingLocked() {
    return pending;
  }

  /** Under the rock's lock: an application thread applies the frame it read ({@link #inline}). */
  void inlineLocked(boolean applying) {
    inline = applying;
  }

  /**
   * Under the rock's lock: true if a writer thread runs for generation {@code gen}; out of idle
   * mode it times the heartbeats itself ({@link #writeLoop}).
   */
  boolean writerRunsLocked(long gen) {
    return writer != null && writerGeneration == gen;
  }

  /** Under the rock's lock, as the generation changes: the previous connection's writer ends. */
  void stopLocked() {
    sendable.signalAll();
  }

  /**
   * Under the rock's lock: frames may be due. While an application thread applies a frame it read
   * ({@link #inline}), the writer is not woken: that thread sends after it released the lock.
   */
  void wakeLocked() {
    pending = true;
    if (!inline) {
      signalWriterLocked();
    }
  }

  /**
   * Under the rock's lock: wakes the current connection's writer thread, or starts one if none
   * runs. A writer runs only while there is something to send and for {@link #WRITER_LINGER_NANOS}
   * after, so an idle rock has none: its heartbeat, every idle interval, starts one.
   */
  void signalWriterLocked() {
    long gen = rock.life.generation();
    if (writer != null && writerGeneration == gen) {
      sendable.signalAll();
      return;
    }
    Connection conn = rock.connectionLocked();
    if (conn == null || rock.life.isTerminal()) {
      return;
    }
    Object token = new Object();
    writer = token;
    writerGeneration = gen;
    RockThreads.start("writer", rock.id, () -> writeLoop(conn, gen, token));
  }

  /**
   * Sends what is due from the calling thread if no other thread is sending, which saves waking
   * the writer thread; one batch if {@code oneRound} (a thread that read sends its
   * acknowledgement, never what others write), else until nothing is due. If another thread holds
   * {@link #sendLock}, marks the frames pending and leaves them to it: every holder looks at
   * {@link #pending} again after it releases the lock, and this thread tries the lock once more
   * after marking, so pending frames are never left behind. Holds no lock when called; blocks in
   * socket I/O like a plain socket's write. A failure of the connection suspends the rock and is
   * not the caller's error (its bytes are buffered).
   */
  void sendDueInline(boolean oneRound) {
    boolean finishAfter = false;
    try {
      while (true) {
        if (!sendLock.tryLock()) {
          lock.lock();
          try {
            pending = true;
          } finally {
            lock.unlock();
          }
          if (!sendLock.tryLock()) {
            return; // its holder sends our frames after its own
          }
        }
        try {
          finishAfter |= sendRounds(oneRound);
        } finally {
          sendLock.unlock();
        }
        lock.lock();
        try {
          if (!pending || rock.connectionLocked() == null || rock.life.isTerminal()) {
            return;
          }
          if (oneRound) {
            signalWriterLocked(); // more is due: the writer thread sends it
            return;
          }
        } finally {
          lock.unlock();
        }
      }
    } finally {
      if (finishAfter) {
        rock.ending.finishIfDone();
      }
    }
  }

  /**
   * Holding {@link #sendLock}: encodes and writes what is due on the current connection, one
   * batch if {@code oneRound}, else until nothing is. Returns true if the rock may be finished.
   */
  private boolean sendRounds(boolean oneRound) {
    boolean finishAfter = false;
    RockSession session = rock.session;
    while (true) {
      Connection conn;
      lock.lock();
      try {
        conn = rock.connectionLocked();
        if (conn == null || rock.life.isTerminal() || conn.writeFailure != null) {
          return finishAfter; // a failed connection's reader suspends the rock (writeFailed)
        }
        pending = false;
        finishAfter |= session.fill(conn.frames, false, System.nanoTime());
        if (conn.frames.size() == 0) {
          return finishAfter;
        }
        if (oneRound && session.dataLeft()) {
          pending = true; // data is left for the next round
        }
      } finally {
        lock.unlock();
      }
      if (!flush(conn)) {
        return finishAfter;
      }
      if (oneRound) {
        return finishAfter;
      }
    }
  }

  /**
   * Holding {@link #sendLock}: writes the batch built in {@code conn.frames} and stamps the time of
   * the connection's last send. Returns false if the write failed, which is left to the reader
   * ({@link #writeFailed}).
   */
  private boolean flush(Connection conn) {
    try {
      conn.send(conn.frames);
      conn.lastSendNanos = System.nanoTime();
      return true;
    } catch (IOException e) {
      writeFailed(conn, e);
      return false;
    }
  }

  /**
   * The writer thread of one connection: sends what no application thread sent itself. Waits on
   * {@link #sendable} holding only the rock's lock; takes {@link #sendLock} to encode and write.
   */
  private void writeLoop(Connection conn, long gen, Object token) {
    try {
      int batches = 0;
      while (true) {
        long waitNanos = sendDue(conn, gen);
        if (waitNanos < 0) {
          return;
        }
        if (waitNanos == 0) {
          batches++;
          continue; // something was sent: look again before waiting
        }
        lock.lock();
        try {
          if (gen != rock.life.generation()) {
            return;
          }
          // Out of idle mode the writer stays and sends the next heartbeat itself when it is due
          // (waitNanos): the shared timer then only watches for silence. In idle mode a writer
          // that sent one batch (a heartbeat) ends at once, and one that sent more waits a while
          // for the next; the timer starts one for the next heartbeat.
          boolean idle = rock.session.liveness.idle();
          long linger = !idle ? waitNanos : batches > 1 ? WRITER_LINGER_NANOS : 0;
          if (!pending && (linger == 0 || sendable.awaitNanos(linger) <= 0) && !pending) {
            if (!rock.session.liveness.idle() && gen == rock.life.generation()) {
              continue; // a heartbeat is due: the loop sends it
            }
            if (writer == token) {
              writer = null; // under the lock: the next wake-up starts a writer
            }
            return;
          }
        } finally {
          lock.unlock();
        }
      }
    } catch (InterruptedException e) {
      rock.ending.connectionFailed(gen, new InterruptedIOException("writer interrupted"));
    } catch (IOException e) {
      writeFailed(conn, e);
    } catch (RuntimeException e) {
      log.error("rock {}: writer failed unexpectedly", rock.id, e);
      rock.fail(gen, new RockException("rock " + rock.id + ": internal error in writer", e));
    } finally {
      lock.lock();
      try {
        if (writer == token) {
          writer = null;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Writer thread: encodes and writes whatever is due on {@code conn}, a heartbeat included if
   * nothing was sent for an interval. Returns -1 if {@code conn} is no longer the rock's
   * connection, 0 if frames were written, else how long to wait, in nanoseconds, until a
   * heartbeat is due. Blocks in socket I/O, holding {@link #sendLock} but not the rock's lock.
   */
  private long sendDue(Connection conn, long gen) throws IOException {
    boolean finishAfter;
    RockSession session = rock.session;
    sendLock.lock();
    try {
      lock.lock();
      try {
        if (gen != rock.life.generation()) {
          return -1;
        }
        pending = false;
        long sinceSend = System.nanoTime() - conn.lastSendNanos;
        boolean heartbeatDue = session.liveness.heartbeatDue(sinceSend);
        if (heartbeatDue) {
          // Nothing was sent for a whole interval: give back memory grown by bulk transfers.
          conn.frames.trim();
          session.trimIdle();
        }
        finishAfter = session.fill(conn.frames, heartbeatDue, System.nanoTime());
        if (conn.frames.size() == 0) {
          return Math.max(1, session.liveness.heartbeatDueInNanos(sinceSend));
        }
      } finally {
        lock.unlock();
      }
      conn.send(conn.frames);
      conn.lastSendNanos = System.nanoTime();
    } finally {
      sendLock.unlock();
    }
    if (finishAfter) {
      rock.ending.finishIfDone();
    }
    return 0;
  }

  /**
   * On the reader thread of {@code conn}, holding no lock, after it applied a heartbeat from the
   * leading peer in idle mode ({@link io.rocks.impl.core.Liveness#answerDue}): sends this side's
   * heartbeat at once, with whatever else is due, so the follower's own timer need not fire. Does
   * nothing if another thread is sending (its batch carries this side's liveness). Then moves the
   * rock's next look to its new deadline. Blocks in a socket write of a few bytes.
   */
  void answerHeartbeat(Connection conn, long gen) {
    if (!sendLock.tryLock()) {
      return;
    }
    boolean finishAfter;
    try {
      lock.lock();
      try {
        if (!rock.life.isCurrent(gen) || rock.connectionLocked() != conn || conn.writeFailure != null) {
          return;
        }
        pending = false;
        finishAfter = rock.session.fill(conn.frames, true, System.nanoTime());
      } finally {
        lock.unlock();
      }
      if (!flush(conn)) {
        return;
      }
    } finally {
      sendLock.unlock();
    }
    lock.lock();
    try {
      rock.watch.movedLocked(conn, gen, System.nanoTime());
      if (pending) {
        signalWriterLocked(); // marked while this thread wrote
      }
    } finally {
      lock.unlock();
    }
    if (finishAfter) {
      rock.ending.finishIfDone();
    }
  }

  /**
   * A write on {@code conn} failed: leaves the failure to whoever reads the connection, which
   * meets it at its next read. What the peer sent before it closed or reset the connection is
   * still buffered and read first: its CLOSE, or the acknowledgement of our FIN, which end the
   * rock in order where acting on the write's "broken pipe" would suspend it. Before WELCOME the
   * peer's last word (a REJECT, a TLS alert refusing our certificate) likewise says why better
   * than a broken pipe. The rock's watch takes the failure if no reader met one of its own within
   * {@link RockWatch#WRITE_FAILURE_GRACE_NANOS} ({@link Connection#writeFailure}).
   */
  void writeFailed(Connection conn, IOException e) {
    log.debug("rock {}: write on {} failed: {}", rock.id, conn, e.toString());
    long now = System.nanoTime();
    conn.writeFailedNanos = now;
    conn.writeFailure = e;
    lock.lock();
    try {
      if (rock.connectionLocked() == conn) {
        rock.watch.lookLocked(conn, rock.life.generation(), now + RockWatch.WRITE_FAILURE_GRACE_NANOS);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * As a rock ends in order, before {@code conn} is closed: waits for the batch another thread may
   * still be writing (it may hold the rock's last ACK or CLOSE, which closing now would lose, so
   * the peer would suspend instead of ending), then, if {@code sendClose}, writes CLOSE to tell the
   * peer the rock ended. Every write holds {@link #sendLock}, as every sender's does: a CLOSE
   * written while another thread is between two write calls of one batch would land inside a
   * frame. Best effort and bounded: a write can block on a stalled link, so the CLOSE is written on
   * a thread of its own and the caller waits at most {@link #CLOSE_GRACE_MILLIS}; if the lock is
   * not free by then, no CLOSE is sent (a connector then tells its peer with GONE, see {@link
   * RealRock#terminate}). Returns true if a CLOSE was written. Never called holding the rock's lock
   * or {@link #sendLock}.
   */
  boolean closeAfterLastWrite(Connection conn, boolean sendClose) {
    assert !sendLock.isHeldByCurrentThread() : "a CLOSE written at the end would wait for this thread";
    if (sendLock.tryLock()) {
      sendLock.unlock(); // no batch is being written
      if (!sendClose) {
        return false;
      }
    }
    AtomicBoolean written = new AtomicBoolean();
    Thread sender =
        Thread.ofVirtual()
            .name("rock-close-" + rock.id)
            .start(
                () -> {
                  try {
                    if (!sendLock.tryLock(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                      return; // a batch is still being written: a CLOSE now could split a frame
                    }
                    try {
                      if (sendClose) {
                        FrameWriter frames = new FrameWriter();
                        frames.close();
                        conn.send(frames);
                        written.set(true);
                      }
                    } finally {
                      sendLock.unlock();
                    }
                  } catch (IOException | InterruptedException ignored) {
                    // The peer learns of the end when it tries to resume.
                  }
                });
    try {
      sender.join(Duration.ofMillis(CLOSE_GRACE_MILLIS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return written.get();
  }
}
