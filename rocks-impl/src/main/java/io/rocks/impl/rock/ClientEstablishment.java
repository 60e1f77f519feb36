package io.rocks.impl.rock;

import io.rocks.RockOptions;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.LocalStalls;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * The connecting side of a new rock until it is established: the key agreement HELLO started,
 * what WELCOME gave until the server's CONFIRM is checked, and how long the rock may go on saying
 * HELLO again when its first connection breaks before WELCOME ({@link Supervisor#helloAgain}).
 *
 * <p>Threads: {@link #setup} is set before a connection is attached, then read and cleared by the
 * thread that owns that connection's input ({@link Connection#inputTaken}), as is {@link
 * #welcomeRead}; the deadline fields are guarded by the rock's lock.
 */
public final class ClientEstablishment {
  /** The least time a new rock keeps saying HELLO again ({@link #windowNanos}). */
  private static final long WINDOW_FLOOR_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final RealRock rock;
  /** When the latest HELLO went out; written before the rock's threads start or under its lock. */
  private volatile long helloSentAtNanos;

  /** The key agreement HELLO started, until WELCOME arrives; then null. */
  private volatile Handshake.ClientSetup setup;
  /** What WELCOME gave, until the server's CONFIRM is checked; then null. */
  private Handshake.Established welcomeRead;
  /**
   * Guarded by the rock's lock: until when the rock may say HELLO again after its connection broke
   * before WELCOME; set when its first connection is attached, {@link #windowNanos} from then. 0
   * before.
   */
  private long deadlineNanos;
  /** When the current connection was attached; its handshake timeout counts from it. */
  private volatile long startNanos;
  /** {@link LocalStalls#total} at {@link #startNanos}: stalls do not count against it. */
  private volatile long startStalled;

  ClientEstablishment(RealRock rock) {
    this.rock = rock;
  }

  /**
   * How long a new rock keeps saying HELLO again: 30 s, or the connect timeout plus the handshake
   * timeout if that is longer, but never longer than the reconnect timeout. A server that answers
   * a burst of thousands of new rocks may take tens of seconds to reach the last (as a full listen
   * queue makes TCP retry a SYN for about two minutes), and the application already holds the
   * rock and has written to it.
   */
  static long windowNanos(RockOptions options) {
    long window = Math.max(
        options.connectTimeout().plus(options.handshakeTimeout()).toNanos(), WINDOW_FLOOR_NANOS);
    return Math.min(window, options.reconnectTimeout().toNanos());
  }

  /** HELLO went out on the connection about to be attached, starting {@code started}. */
  public void helloSent(Handshake.ClientSetup started) {
    helloSent(started, System.nanoTime());
  }

  /** HELLO went out at {@code sentAtNanos}, before the rock was made. */
  public void helloSent(Handshake.ClientSetup started, long sentAtNanos) {
    setup = started;
    helloSentAtNanos = sentAtNanos;
  }

  /** When the latest HELLO went out ({@link System#nanoTime()}). */
  long helloSentAtNanos() {
    return helloSentAtNanos;
  }

  /** The HELLO said and not yet answered by WELCOME, to say again unchanged; or null. */
  Handshake.ClientSetup unansweredHello() {
    return setup;
  }

  /** True while HELLO was said and WELCOME is awaited. */
  boolean helloSaid() {
    return setup != null;
  }

  /** True while the rock waits for WELCOME or the server's CONFIRM. Never blocks. */
  boolean welcomePending() {
    return setup != null || welcomeRead != null;
  }

  /** Under the rock's lock: a connection was attached at {@code now}; its handshake starts. */
  void attachedLocked(long now) {
    startNanos = now;
    LocalStalls.needFine(now);
    startStalled = LocalStalls.total(now);
    if (deadlineNanos == 0) {
      deadlineNanos = now + windowNanos(rock.options());
    }
  }

  /** Under the rock's lock: until when the rock may say HELLO again; 0 before its first attach. */
  long deadlineNanosLocked() {
    return deadlineNanos;
  }

  /** Under the rock's lock: true if the time to say HELLO again has not run out at {@code now}. */
  boolean mayHelloAgainLocked(long now) {
    return setup != null && deadlineNanos != 0 && now - deadlineNanos < 0;
  }

  /**
   * How long this rock has waited for WELCOME (with a pre-shared secret, and the server's
   * CONFIRM), not counting up to one handshake timeout during which this JVM was stalled: a starved
   * client must not give up on a server that answered in time.
   */
  long elapsedNanos() {
    long now = System.nanoTime();
    long timeout = rock.options().handshakeTimeout().toNanos();
    return now - startNanos - Math.min(timeout, LocalStalls.since(startStalled, now));
  }

  /**
   * By the thread that owns the first connection's input (the reader thread, or an application
   * thread in {@code read} or {@code write}): reads WELCOME. Without a pre-shared secret the rock
   * is then established, its key pending. With one, it derives the key (while the server derives
   * its own), then reads the server's CONFIRM and checks it; only then does the rock pass on
   * anything the server sent. {@code inline} says an application thread reads. Returns true once
   * established, false if a read timed out within the handshake timeout (a later call goes on
   * where this one stopped); throws {@link SocketTimeoutException} past it.
   */
  boolean step(Connection conn, boolean inline) throws IOException {
    try {
      if (welcomeRead == null) {
        byte type = conn.reader.nextHandshake();
        Handshake.Welcomed welcomed;
        try {
          welcomed = Handshake.readWelcome(setup, rock.id, conn.reader, type);
        } catch (Handshake.RejectedException e) {
          if (e.reason == Wire.REJECT_BUSY) {
            // The server made no rock: like a break before WELCOME, it may be tried again.
            throw new RefusedForNowException(e);
          }
          throw e;
        }
        setup = null;
        if (welcomed.setup().preShared() == null) {
          rock.keys.established(new PendingKey(welcomed::key));
          return true;
        }
        welcomeRead = welcomed.establish();
      }
      Handshake.checkServerConfirm(rock.id, welcomeRead, conn.reader, conn.reader.nextFrame());
      Handshake.Established done = welcomeRead;
      welcomeRead = null;
      rock.keys.established(done.key(), done.clientConfirm(), inline);
      return true;
    } catch (SocketTimeoutException timeout) {
      long limit = rock.options().handshakeTimeout().toNanos();
      if (elapsedNanos() >= limit) {
        throw new SocketTimeoutException(
            "no answer to the rock handshake within " + TimeUnit.NANOSECONDS.toMillis(limit) + " ms");
      }
      return false;
    }
  }

  /**
   * The server refused a new rock's HELLO for now (REJECT(BUSY): its accept queue was full) and made
   * no rock: an I/O failure of that connection, after which the rock says HELLO again while its
   * time to establish lasts ({@link RealRock#connectionFailed}).
   */
  static final class RefusedForNowException extends IOException {
    RefusedForNowException(Handshake.RejectedException refusal) {
      super(refusal.getMessage(), refusal);
    }
  }
}
