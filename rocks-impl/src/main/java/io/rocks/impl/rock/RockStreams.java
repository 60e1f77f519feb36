package io.rocks.impl.rock;

import io.rocks.RockException;
import io.rocks.RockProtocolException;
import io.rocks.RockState;
import io.rocks.impl.core.RockSession;
import io.rocks.impl.core.Role;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One rock's blocking reads and writes for the application, and the reading of its current
 * connection: by the connection's reader thread ({@link #readLoop}), or, while bytes stream, by
 * the application's own threads.
 *
 * <p>While bytes stream in, the thread in {@code read} reads the frames from the connection itself
 * instead of waiting for the reader thread to hand them over: a hand-over costs a wake-up of the
 * reader's virtual thread (through the poller and a carrier thread) and then of the application's.
 * The connection's input belongs to one thread at a time ({@link Connection#inputTaken}, under the
 * rock's lock): the reader thread lends it when it delivers bytes to a waiting application thread
 * ({@link #lendInput}), and takes it back once the application has not read for a while ({@link
 * #awaitInputTurn}), so heartbeats and acknowledgements are read whether or not the application
 * reads. A thread in {@code write} waiting for space reads acknowledgements the same way.
 *
 * <p>Locks: every field is guarded by the rock's lock ({@link RealRock#lock}), which no thread holds
 * while it reads from the socket. {@link #writeLock} is held for a whole {@code write} call and
 * taken before the rock's lock.
 */
public final class RockStreams {
  private static final Logger log = LogManager.getLogger(RockStreams.class);
  /**
   * How long the reader thread leaves a lent connection unread after an application thread last
   * read from it before it takes it back ({@link #awaitInputTurn}).
   */
  static final long LEND_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /**
   * How long a new rock's reader thread leaves WELCOME to the application's first read before it
   * reads it itself ({@link #startLentLocked}).
   */
  private static final long WELCOME_LEND_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** The longest the reader thread waits before it looks again at a lent connection in use. */
  private static final long LEND_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final RealRock rock;
  private final RockSession session;
  private final ReentrantLock lock;
  /** Held by an application thread for a whole {@link #write} call; taken before the rock's lock. */
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Signalled when bytes arrive for the application, or input ends. */
  private final Condition readable;
  /** Signalled when the in-flight buffer frees space, or output can no longer be written. */
  private final Condition writable;
  /**
   * Signalled when the reader thread should look again at a connection it lent to the application:
   * the generation changed, the application let go of the input while the reader waited long, or
   * the application stopped reading ({@link #reclaimLocked}).
   */
  private final Condition readerTurn;

  /** Application threads waiting in {@link #read} for bytes while another thread reads frames. */
  private int readersWaiting;
  /** Application threads waiting in {@link #write} for space while another thread reads frames. */
  private int writersWaiting;
  /** {@link System#nanoTime()} when an application thread last read frames or began to wait. */
  private long lastAppInputNanos;
  /**
   * True while the reader thread waits longer than {@link #LEND_MIN_NANOS} because an application
   * thread holds the input: that thread wakes it when it lets go.
   */
  private boolean readerWaitsLong;

  /** Read timeout for the application, in milliseconds; 0 waits forever. */
  private volatile int soTimeoutMillis;

  RockStreams(RealRock rock) {
    this.rock = rock;
    this.session = rock.session;
    this.lock = rock.lock;
    this.readable = lock.newCondition();
    this.writable = lock.newCondition();
    this.readerTurn = lock.newCondition();
  }

  void soTimeout(int millis) {
    soTimeoutMillis = millis;
  }

  int soTimeout() {
    return soTimeoutMillis;
  }

  /** Under the rock's lock: wakes the application threads the session's last calls made due. */
  void wakeLocked(int wakeups) {
    if ((wakeups & RockSession.WAKE_READERS) != 0) {
      readable.signalAll();
    }
    if ((wakeups & RockSession.WAKE_WRITERS) != 0) {
      writable.signalAll();
    }
  }

  /** Under the rock's lock: true if application threads wait in {@code write} for space. */
  boolean writersWaitingLocked() {
    return writersWaiting > 0;
  }

  /** Under the rock's lock, as the rock ends: every waiting application thread looks again. */
  void endedLocked() {
    readable.signalAll();
    writable.signalAll();
  }

  /** Under the rock's lock, as the generation changes: a reader waiting for its turn looks again. */
  void nextGenerationLocked() {
    readerTurn.signalAll();
  }

  // ---------------------------------------------------------------- the application's threads

  /**
   * Reads into {@code dst}; blocks until a byte arrives, input ends, or the read timeout passes.
   * A virtual thread interrupted while it reads frames closes the connection (the JDK closes a
   * socket whose reader is interrupted): the rock then recovers as from any broken connection.
   */
  int read(byte[] dst, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, dst.length);
    if (len == 0) {
      return 0;
    }
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(soTimeoutMillis);
    long now = System.nanoTime();
    long deadline = now + timeoutNanos;
    int n;
    boolean windowUpdate;
    lock.lock();
    try {
      session.activity(now); // a read ends idle mode: the application may wait for a reply
      rock.wakeLocked();
      n = readLocked(dst, off, len, timeoutNanos, deadline);
      windowUpdate = n > 0 && session.windowUpdateDue();
      if (windowUpdate) {
        rock.sender.markPendingLocked();
      }
      if (n < 0) {
        reclaimLocked(); // input ended: the application will not read the frames that follow
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading rock " + rock.id);
    } finally {
      lock.unlock();
    }
    if (windowUpdate) {
      rock.sender.sendDueInline(true); // the peer may wait for this window: tell it from here
    }
    return n;
  }

  /** The body of {@link #read}, under the rock's lock, which it releases while it reads frames. */
  private int readLocked(byte[] dst, int off, int len, long timeoutNanos, long deadline)
      throws IOException, InterruptedException {
    // Once a frame-less wait on the input ends, this thread waits to be woken instead: the reader
    // thread, which waits without a timeout, takes the input back, so a rock whose application
    // waits long in read costs no periodic wake-ups.
    boolean inputQuiet = false;
    while (true) {
      if (session.appClosed()) {
        throw new SocketException("Socket closed");
      }
      int n = session.readBuffered(dst, off, len);
      if (n != 0) {
        return n;
      }
      RockState state = rock.life.state();
      if (state == RockState.FAILED) {
        throw rock.rethrowable(rock.life.failure());
      }
      if (state == RockState.CLOSED) {
        if (session.peerClosed() && session.peerFinAt() < 0) {
          throw new SocketException("Connection reset: rock " + rock.id + " was aborted by the peer");
        }
        return -1;
      }
      long remaining = timeoutNanos == 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new SocketTimeoutException("Read timed out");
      }
      if (!inputQuiet && inputFreeLocked()) {
        int delivered = readInline(remaining, dst, off, len);
        if (delivered > 0) {
          return delivered;
        }
        inputQuiet = delivered < 0;
        continue;
      }
      readersWaiting++;
      lastAppInputNanos = System.nanoTime();
      try {
        if (timeoutNanos == 0) {
          readable.await();
        } else {
          readable.awaitNanos(remaining);
        }
      } finally {
        readersWaiting--;
      }
    }
  }

  /**
   * Copies {@code src} into the in-flight buffer; blocks while it is full (until the peer
   * acknowledges, or the rock fails or is closed). Returns once every byte is buffered: like a
   * plain socket, a return says nothing about delivery. Sends the bytes from this thread when it
   * can ({@link RockSender#sendDueInline}), before waiting for space and before returning.
   */
  void write(byte[] src, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, src.length);
    writeLock.lock(); // one write call's bytes stay together even when it waits for space
    try {
      bufferAndSend(src, off, len);
    } finally {
      writeLock.unlock();
    }
  }

  private void bufferAndSend(byte[] src, int off, int len) throws IOException {
    boolean unsent = false;
    boolean inputQuiet = false;
    lock.lock();
    try {
      while (len > 0) {
        if (session.appClosed()) {
          throw new SocketException("Socket closed");
        }
        if (session.outputShutdown()) {
          throw new SocketException("Socket output is shutdown");
        }
        RockState state = rock.life.state();
        if (state == RockState.FAILED) {
          throw rock.rethrowable(rock.life.failure());
        }
        if (session.peerClosed() || state == RockState.CLOSED) {
          throw new SocketException(
              "Broken pipe: rock " + rock.id + " was closed by the peer " + rock.peerLocked());
        }
        int n = session.buffer(src, off, len, System.nanoTime());
        if (n == 0) {
          if (unsent) {
            lock.unlock();
            try {
              rock.sender.sendDueInline(false);
            } finally {
              lock.lock();
            }
            unsent = false;
            continue;
          }
          if (!inputQuiet && inputFreeLocked()) {
            // Space frees when this thread reads acknowledgements; after a wait with none, it
            // waits to be woken and leaves the input to the reader thread (see readLocked).
            inputQuiet = readInline(Long.MAX_VALUE, null, 0, 0) < 0;
            continue;
          }
          writersWaiting++;
          try {
            writable.await();
          } finally {
            writersWaiting--;
          }
          continue;
        }
        off += n;
        len -= n;
        unsent = true;
        inputQuiet = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing rock " + rock.id);
    } finally {
      lock.unlock();
    }
    if (unsent) {
      rock.sender.sendDueInline(false);
    }
  }

  /**
   * Under the rock's lock: tells the reader thread to take back a lent input at once, because the
   * application stopped reading (input ended, or was shut down or closed).
   */
  void reclaimLocked() {
    lastAppInputNanos = System.nanoTime() - LEND_MAX_NANOS;
    readerTurn.signalAll();
  }

  /**
   * Under the rock's lock: says whether an application thread may read frames from the current
   * connection itself, because its reader thread lent the input and no other thread reads.
   */
  private boolean inputFreeLocked() {
    Connection conn = rock.connectionLocked();
    RockState state = rock.life.state();
    return conn != null
        && !conn.inputTaken
        && (state == RockState.CONNECTED
            || (state == RockState.CONNECTING && rock.role == Role.CONNECTOR));
  }

  /**
   * Under the rock's lock, on an application thread, when {@link #inputFreeLocked}: reads and
   * applies one frame from the connection, releasing the lock meanwhile, then sends whatever the
   * frame made due (an acknowledgement, data the peer's window now lets out) from this thread too.
   * A reader passes {@code dst}: the frame's bytes go there first, and the count is returned; a
   * writer passes null, and sends all that is due where a reader sends one round. Returns -1 if no
   * frame came within {@link #LEND_MAX_NANOS} (or {@code maxWaitNanos}): the caller then waits to
   * be woken, leaving the input to the reader.
   */
  private int readInline(long maxWaitNanos, byte[] dst, int off, int len)
      throws InterruptedIOException {
    Connection conn = rock.connectionLocked();
    long gen = rock.life.generation();
    conn.inputTaken = true;
    if (dst != null) {
      session.beginDirect(dst, off, len);
    }
    boolean writing = dst == null;
    boolean send;
    int delivered;
    boolean applied = false;
    lock.unlock();
    try {
      applied = readFrameDirect(conn, gen, maxWaitNanos);
    } finally {
      lock.lock();
      conn.inputTaken = false;
      if (readerWaitsLong) {
        readerWaitsLong = false;
        readerTurn.signalAll(); // it waits long while the input is held: let it watch again
      }
      delivered = session.endDirect();
      lastAppInputNanos = System.nanoTime();
      send = rock.sender.pendingLocked() && gen == rock.life.generation();
    }
    if (send) {
      lock.unlock();
      try {
        rock.sender.sendDueInline(!writing);
      } finally {
        lock.lock();
      }
    }
    return applied ? delivered : -1;
  }

  /**
   * On an application thread holding the connection's input: reads and applies one frame, waiting
   * at most {@code maxWaitNanos} (and no longer than the failure threshold allows). A broken or
   * silent connection suspends the rock and a protocol violation fails it, as on the reader thread;
   * the caller then finds the new state. Never holds the rock's lock while it reads. Returns false
   * if the wait ended with no frame.
   */
  private boolean readFrameDirect(Connection conn, long gen, long maxWaitNanos)
      throws InterruptedIOException {
    FrameReader reader = conn.reader;
    ClientEstablishment establishment = rock.establishment;
    try {
      if (establishment != null && establishment.welcomePending()) {
        long leftNanos = rock.options().handshakeTimeout().toNanos() - establishment.elapsedNanos();
        long waitNanos = Math.max(1_000_000, Math.min(maxWaitNanos, leftNanos));
        conn.socket.setSoTimeout((int) Math.min(1000, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
        establishment.step(conn, true);
        return true; // the caller looks at the rock again: established, or still waiting
      }
      long silentNanos = silentNanos(reader);
      long limitNanos = rock.silenceLimitNanos();
      int waitMillis =
          (int) Math.min(pollMillis(silentNanos, limitNanos), TimeUnit.NANOSECONDS.toMillis(LEND_MAX_NANOS));
      if (maxWaitNanos < TimeUnit.MILLISECONDS.toNanos(waitMillis)) {
        waitMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(maxWaitNanos + 999_999));
      }
      conn.socket.setSoTimeout(waitMillis);
      byte type;
      try {
        type = reader.nextFrame();
      } catch (SocketTimeoutException timeout) {
        silentNanos = silentNanos(reader);
        if (silentNanos >= limitNanos) {
          rock.ending.connectionFailed(gen, silenceException(silentNanos));
        } else if (conn.writeFailure != null) {
          rock.ending.connectionFailed(gen, conn.writeFailure);
        }
        return false; // the caller checks its own deadline
      }
      rock.onFrame(reader, type, gen, true);
      return true;
    } catch (RockProtocolException e) {
      log.warn("rock {}: closing connection {}: {}", rock.id, conn, e.getMessage());
      rock.fail(gen, e);
    } catch (IOException e) {
      rock.ending.connectionFailed(gen, e);
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted while reading rock " + rock.id);
      }
    } catch (RuntimeException e) {
      log.error("rock {}: reading frames on the application's thread failed unexpectedly", rock.id, e);
      rock.fail(gen, new RockException("rock " + rock.id + ": internal error in reader", e));
    }
    return true; // the rock's state changed: the caller looks again
  }

  static SocketTimeoutException silenceException(long silentNanos) {
    return new SocketTimeoutException(
        "no bytes from the peer for " + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms");
  }

  /**
   * Returns how long the peer has been silent on the connection {@code reader} reads: the time
   * since its last byte, not counting up to one failure-detection period during which this JVM
   * was stalled ({@link FrameReader#silentNanos}). A stall forgives at most that much, so on a
   * machine that stays overloaded a dead link is still found within twice the usual time.
   */
  private long silentNanos(FrameReader reader) {
    return reader.silentNanos(System.nanoTime(), rock.options().failureDetectionTime().toNanos());
  }

  /**
   * Returns how long the next read may wait, in milliseconds, when the peer has been silent for
   * {@code silentNanos}: the time left until the failure threshold, at most 1 s, at least 1 ms.
   */
  private static int pollMillis(long silentNanos, long limitNanos) {
    long leftNanos = limitNanos - silentNanos;
    return (int) Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(leftNanos)));
  }

  // ---------------------------------------------------------------- the connection's reader

  /**
   * Under the rock's lock, as a new rock's first connection is attached at {@code now}: its input
   * starts lent, so the application's first read takes the first frames from the socket itself
   * (woken by the kernel, not by the reader thread). On the connecting side that read usually comes
   * before WELCOME, and the reader takes over after {@link #WELCOME_LEND_NANOS} rather than {@link
   * #LEND_MIN_NANOS}: until WELCOME is read, a broken connection fails the rock, so no one reading
   * must not last long. On the accepting side the read usually follows accept at once, and the
   * reader takes over after {@link #LEND_MIN_NANOS}, as if the application had just read.
   */
  void startLentLocked(Connection conn, long now) {
    lastAppInputNanos = rock.role == Role.CONNECTOR ? now - LEND_MIN_NANOS + WELCOME_LEND_NANOS : now;
    conn.inputTaken = false;
    conn.startsLent = true;
  }

  /**
   * The reader thread of connection {@code conn}, generation {@code gen}: reads frames until the
   * connection breaks or is no longer the rock's, lending its input to the application's threads
   * while they read.
   */
  void readLoop(Connection conn, long gen) {
    FrameReader reader = conn.reader;
    try {
      if (conn.startsLent && !awaitInputTurn(conn, gen)) {
        return; // a new rock's input starts lent: an application thread in read takes WELCOME
      }
      ClientEstablishment establishment = rock.establishment;
      if (establishment != null && !rock.keys.isEstablished()) {
        conn.socket.setSoTimeout((int) Math.max(1, rock.options().heartbeatInterval().toMillis()));
        while (!establishment.step(conn, false)) {
          // each read timed out within the handshake timeout
        }
      }
      // No read timeout: the reader waits for bytes and nothing else. The rock's watch on the
      // shared timer (RockWatch) closes the connection when the peer has been silent too long,
      // which ends this read with an error; an idle rock's reader wakes only for its peer's
      // heartbeats.
      conn.socket.setSoTimeout(0);
      long lastDataNanos = System.nanoTime();
      while (true) {
        byte type;
        try {
          type = reader.nextFrame();
        } catch (SocketTimeoutException timeout) {
          // Only while an application thread that held the input had set its own timeout.
          if (!rock.isCurrent(gen)) {
            return;
          }
          conn.socket.setSoTimeout(0);
          continue;
        }
        if (!rock.onFrame(reader, type, gen, false)) {
          return;
        }
        boolean lent = (type == Wire.DATA || type == Wire.ACK) && lendInput(conn, type);
        if (lent && !awaitInputTurn(conn, gen)) {
          return;
        }
        if (type == Wire.DATA) {
          lastDataNanos = reader.lastByteNanos();
          reader.dataArrived();
        } else if (reader.lastByteNanos() - lastDataNanos > rock.options().heartbeatInterval().toNanos()) {
          reader.trim(); // only heartbeats lately: give back a buffer grown by bulk data
        }
        if (lent) {
          conn.socket.setSoTimeout(0); // the application thread that read set its own timeout
        }
      }
    } catch (RockProtocolException e) {
      log.warn("rock {}: closing connection {}: {}", rock.id, conn, e.getMessage());
      rock.fail(gen, e);
    } catch (IOException e) {
      rock.ending.connectionFailed(gen, e);
    } catch (RuntimeException e) {
      log.error("rock {}: reader failed unexpectedly", rock.id, e);
      rock.fail(gen, new RockException("rock " + rock.id + ": internal error in reader", e));
    }
  }

  /**
   * On the reader thread, after a frame that woke application threads (bytes for a reader, space
   * for a writer): lends the connection's input to the application, so the woken thread reads the
   * next frames itself. Returns true if it did.
   */
  private boolean lendInput(Connection conn, byte type) {
    lock.lock();
    try {
      boolean woke =
          (type == Wire.DATA && readersWaiting > 0)
              || (type == Wire.ACK && writersWaiting > 0 && session.writable() > 0);
      if (!woke) {
        return false;
      }
      conn.inputTaken = false;
      lastAppInputNanos = System.nanoTime();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * On the reader thread, with the input lent: takes it back once no application thread has read
   * frames for {@link #LEND_MIN_NANOS}, so the connection is never left unread for longer than
   * that (its peer may be waiting for acknowledgements, or blocked writing). While an application
   * thread holds the input, blocked in a read, the reader's wait doubles up to {@link
   * #LEND_MAX_NANOS} ({@link #readerWaitsLong}), and that thread wakes it when it lets go: a rock
   * whose application waits in {@code read} costs the reader a few wake-ups a second. Returns false
   * if the connection is no longer current.
   */
  private boolean awaitInputTurn(Connection conn, long gen) throws InterruptedIOException {
    lock.lock();
    try {
      long heldWait = LEND_MIN_NANOS;
      while (true) {
        if (!rock.life.isCurrent(gen)) {
          return false;
        }
        if (conn.inputTaken) {
          readerWaitsLong = heldWait > LEND_MIN_NANOS;
          readerTurn.awaitNanos(heldWait);
          heldWait = Math.min(2 * heldWait, LEND_MAX_NANOS);
          continue;
        }
        long idleNanos = System.nanoTime() - lastAppInputNanos;
        if (idleNanos >= LEND_MIN_NANOS) {
          conn.inputTaken = true;
          readerWaitsLong = false;
          return true;
        }
        readerWaitsLong = false;
        readerTurn.awaitNanos(LEND_MIN_NANOS - idleNanos);
      }
    } catch (InterruptedException e) {
      throw new InterruptedIOException("reader interrupted");
    } finally {
      lock.unlock();
    }
  }
}
