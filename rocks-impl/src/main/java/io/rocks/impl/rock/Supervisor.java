package io.rocks.impl.rock;

import io.rocks.RockException;
import io.rocks.RockOptions;
import io.rocks.RockProtocolException;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.impl.core.Recovery;
import io.rocks.impl.core.Role;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.io.RockTimer;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Recovers one rock when it is suspended.
 *
 * <p>The connecting side reconnects to the peer's last known address with capped exponential
 * backoff and full jitter until the rock resumes or its reconnect timeout passes. The accepting side
 * only waits: its peer comes back through the server socket. When the timeout passes the rock fails
 * with {@link RockTimeoutException}.
 *
 * <p>A suspended rock holds no thread and no socket between attempts: the waits are deadlines on
 * the shared {@link RockTimer}. Each reconnection attempt (a connect and a handshake, which block)
 * runs on a virtual thread of its own, {@code rock-reconnect-<id>}, started when its time comes
 * and ended with the attempt; the accepting side's wait is one deadline. One object per rock keeps
 * the backoff state across suspensions ({@link Recovery}, in the core: when to try, when to give
 * up); {@link #lock} guards it. It is never held during I/O, and
 * it is taken before the rock's lock, never while holding it: the rock calls {@link #suspended}
 * and {@link #reconnectNow} after releasing its own.
 */
public final class Supervisor {
  private static final Logger log = LogManager.getLogger(Supervisor.class);
  private final RealRock rock;
  private final Dialer dialer;
  /** On the accepting side, whether a peer can still come back (its server socket is open). */
  private final BooleanSupplier resumable;
  private final ReentrantLock lock = new ReentrantLock();

  // Guarded by lock.
  /** When to try and when to give up, on the {@link System#nanoTime()} scale. */
  private final Recovery recovery = new Recovery();
  /**
   * The next attempt or deadline on the timer; null while an attempt runs or none waits. Only an
   * attempt that ended schedules the next, so no two attempts of a rock run at once.
   */
  private RockTimer.Entry next;

  /**
   * HELLOs said again for a new rock so far ({@link #helloAgain}), which sets the backoff before
   * the next; only the establishing thread touches it, and only one runs at a time (a rock's
   * connection breaks once per attachment).
   */
  private int helloAttempts;

  /** Opens connections for connecting rocks (TCP, and TLS when the options say so). */
  public interface Dialer {
    Socket dial(InetSocketAddress address, RockOptions options) throws IOException;
  }

  private Supervisor(RealRock rock, Dialer dialer, BooleanSupplier resumable) {
    this.rock = rock;
    this.dialer = dialer;
    this.resumable = resumable;
  }

  /** Supervises a rock on the connecting side, which reconnects through {@code dialer}. */
  public static void startConnector(RealRock rock, Dialer dialer) {
    GoneNotices.hook();
    rock.supervise(new Supervisor(rock, dialer, () -> true));
  }

  /**
   * Supervises a rock on the accepting side; while suspended it waits for its peer, and fails at
   * once when {@code resumable} says the peer can no longer come back.
   */
  public static void startAcceptor(RealRock rock, BooleanSupplier resumable) {
    rock.supervise(new Supervisor(rock, null, resumable));
  }

  /**
   * The rock just suspended (called once per suspension, holding no lock): starts recovering it.
   * Never blocks.
   */
  void suspended() {
    long start = rock.suspendedSinceNanos();
    if (rock.role == Role.ACCEPTOR) {
      if (!resumable.getAsBoolean()) {
        rock.fail(
            new RockException(
                "rock " + rock.id + " to " + Addresses.format(rock.peer()) + " cannot resume: its server socket is closed"));
        return;
      }
      lock.lock();
      try {
        cancelNextLocked();
        recovery.suspended(start, backoff(rock.options()), ThreadLocalRandom.current());
        long current = recovery.episode();
        next = RockTimer.at(recovery.deadline(reconnectTimeoutNanos()), () -> awaitedPeer(current));
      } finally {
        lock.unlock();
      }
      return;
    }
    lock.lock();
    try {
      cancelNextLocked();
      long pause = recovery.suspended(start, backoff(rock.options()), ThreadLocalRandom.current());
      long current = recovery.episode();
      if (pause > 0) {
        scheduleAttemptLocked(current, System.nanoTime() + pause);
      } else {
        startAttemptLocked(current);
      }
    } finally {
      lock.unlock();
    }
  }

  private void cancelNextLocked() {
    if (next != null) {
      next.cancel();
      next = null;
    }
  }

  private long reconnectTimeoutNanos() {
    return rock.options().reconnectTimeout().toNanos();
  }

  static Recovery.Backoff backoff(RockOptions options) {
    return new Recovery.Backoff(
        options.backoffInitial().toNanos(), options.backoffCap().toNanos(), options.backoffJitter());
  }

  /**
   * The application asked to reconnect now: a waiting attempt starts at once. Does nothing while
   * an attempt runs or the rock is not suspended. Never blocks.
   */
  void reconnectNow() {
    if (rock.role != Role.CONNECTOR || rock.lifeState() != RockState.SUSPENDED) {
      return;
    }
    lock.lock();
    try {
      if (next != null && next.cancel()) {
        next = null;
        startAttemptLocked(recovery.episode());
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under {@link #lock}: the next attempt of {@code current} starts at {@code at}. */
  private void scheduleAttemptLocked(long current, long at) {
    next = RockTimer.at(at, () -> {
      lock.lock();
      try {
        if (current == recovery.episode()) {
          next = null;
          startAttemptLocked(current);
        }
      } finally {
        lock.unlock();
      }
    });
  }

  /** Under {@link #lock}: starts an attempt of {@code current} on a thread of its own. */
  private void startAttemptLocked(long current) {
    RockThreads.start("reconnect", rock.id, () -> attemptOnce(current));
  }

  /**
   * On an attempt's thread: one reconnection attempt, or the end of recovery if the reconnect
   * timeout passed. Schedules the next attempt after a failure.
   */
  private void attemptOnce(long current) {
    try {
      attemptOrGiveUp(current);
    } catch (RuntimeException e) {
      log.error("rock {}: reconnecting failed unexpectedly", rock.id, e);
      rock.fail(new RockException("rock " + rock.id + ": internal error in recovery", e));
    }
  }

  private void attemptOrGiveUp(long current) {
    RockOptions options = rock.options(); // read each time: the application may change them
    int step;
    RockTimeoutException timeout = null;
    lock.lock();
    try {
      if (current != recovery.episode() || rock.lifeState() != RockState.SUSPENDED) {
        return;
      }
      step = recovery.attemptStarts(System.nanoTime(), options.reconnectTimeout().toNanos());
      if (step == 0) {
        timeout = timeout(recovery.since(), recovery.attemptsMade(), recovery.errors());
      }
    } finally {
      lock.unlock();
    }
    if (timeout != null) {
      rock.fail(timeout);
      return;
    }
    InetSocketAddress address = rock.nextReconnectAddress();
    Socket socket = null;
    try {
      socket = dialer.dial(resolved(address), options);
      socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
      Handshake.clientResume(rock, new Connection(socket));
      lock.lock();
      try {
        recovery.resumed(step, System.nanoTime());
      } finally {
        lock.unlock();
      }
      return;
    } catch (Handshake.RejectedException e) {
      if (socket != null) {
        Connection.closeQuietly(socket);
      }
      if (e.reason == Wire.REJECT_UNKNOWN_ROCK && rock.deliveredEverything()) {
        // The peer finished and forgot the rock after our last acknowledgement was lost.
        rock.ending.terminate(RockState.CLOSED, null);
      } else {
        rock.fail(e);
      }
      return;
    } catch (IOException e) {
      if (socket != null) {
        Connection.closeQuietly(socket);
      }
      if (rock.lifeState().isTerminal()) {
        return;
      }
      int attemptNumber;
      lock.lock();
      try {
        attemptNumber = recovery.tries();
        if (current == recovery.episode() && rock.lifeState() == RockState.SUSPENDED) {
          long at = recovery.attemptFailed(step, e, System.nanoTime(), backoff(options),
              options.reconnectTimeout().toNanos(), ThreadLocalRandom.current());
          scheduleAttemptLocked(current, at);
        }
      } finally {
        lock.unlock();
      }
      log.debug("rock {}: reconnect attempt {} to {} failed: {}", rock.id, step, Addresses.format(address), e.toString());
      rock.post(l -> l.reconnectAttemptFailed(rock, attemptNumber, address, e));
      if (e instanceof RockProtocolException && !(e instanceof Handshake.RejectedException)) {
        log.warn("rock {}: reconnect attempt {} to {}: {}", rock.id, step, Addresses.format(address), e.getMessage());
      }
    }
  }

  /**
   * A reconnection address given unresolved (a name, from {@link
   * InetSocketAddress#createUnresolved} or one that did not resolve when it was made) is looked up
   * at each attempt that uses it, with no lock held: the name may point elsewhere by then. A name
   * that does not resolve fails the attempt ({@link UnknownHostException}), which is retried.
   */
  static InetSocketAddress resolved(InetSocketAddress address) throws UnknownHostException {
    if (!address.isUnresolved()) {
      return address;
    }
    InetSocketAddress now = new InetSocketAddress(address.getHostString(), address.getPort());
    if (now.isUnresolved()) {
      throw new UnknownHostException("reconnection address " + address.getHostString() + " does not resolve");
    }
    return now;
  }

  /**
   * Connecting side, once the rock ended while its acceptor may still hold it (it failed, or was
   * aborted while no CLOSE could be written): tells the acceptor with GONE on a fresh connection to
   * the next reconnect address, so it ends the rock at once instead of waiting for a resume until
   * its own reconnect timeout (PROTOCOL.md §7.6). Best effort, on a thread of its own, one attempt:
   * it takes at most the connect timeout and two reads of at most the handshake timeout each. A
   * JVM that exits meanwhile waits for it a little ({@link GoneNotices}). Never blocks the caller.
   */
  void tellGone(byte reason) {
    GoneNotices.start("rock-gone-" + rock.id, () -> {
      RockOptions options = rock.options();
      InetSocketAddress address = rock.nextReconnectAddress();
      Socket socket = null;
      try {
        socket = dialer.dial(resolved(address), options);
        socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
        Handshake.clientGone(rock, new Connection(socket), reason);
        log.debug("rock {}: told the server at {} that it ended ({})", rock.id, Addresses.format(address),
            reason == Wire.GONE_ABORTED ? "aborted" : "failed");
      } catch (IOException | RuntimeException e) {
        log.debug("rock {}: could not tell the server at {} that it ended: {}", rock.id, Addresses.format(address), e.toString());
      } finally {
        if (socket != null) {
          Connection.closeQuietly(socket);
        }
      }
    });
  }

  /**
   * On the timer thread, accepting side, at the reconnect timeout of suspension {@code current}:
   * fails the rock if its peer has not come back (its connector may come back until then, also
   * when it never showed that it read WELCOME: such a rock costs time, not the rock, and what
   * such rocks may cost the server is bounded by the suspended-rock cap, which drops them first).
   * A reconnect timeout raised meanwhile moves the deadline. Never blocks.
   */
  private void awaitedPeer(long current) {
    RockTimeoutException timeout;
    lock.lock();
    try {
      if (current != recovery.episode() || rock.lifeState() != RockState.SUSPENDED) {
        return;
      }
      long deadline = recovery.deadline(reconnectTimeoutNanos());
      if (deadline - System.nanoTime() > 0) {
        next = RockTimer.at(deadline, () -> awaitedPeer(current));
        return;
      }
      next = null;
      timeout = timeout(recovery.since(), 0, List.of());
    } finally {
      lock.unlock();
    }
    RockThreads.start("recovery", rock.id, () -> rock.fail(timeout)); // off the timer thread
  }

  /** Returns the error that ends a recovery that ran out of time, every kept attempt error in it. */
  private RockTimeoutException timeout(long sinceNanos, int attempts, List<IOException> errors) {
    Duration suspendedFor = Duration.ofNanos(System.nanoTime() - sinceNanos);
    RockTimeoutException timeout =
        new RockTimeoutException(
            rock.id, rock.peer(), suspendedFor, attempts, errors.isEmpty() ? null : errors.get(errors.size() - 1));
    for (IOException error : errors) {
      timeout.addSuppressed(error);
    }
    return timeout;
  }

  /**
   * Connecting side, for a new rock whose connection broke before WELCOME, or whose HELLO the
   * server refused for now (its accept queue was full, REJECT(BUSY)): the server made no rock of
   * ours that we know of, so this dials the address connected to again and says HELLO again, with
   * the same id and a fresh key pair and nonce, pausing between attempts as reconnection does,
   * until a connection is attached (its reader then waits for WELCOME as on the first) or the
   * rock's time to establish runs out ({@link ClientEstablishment#windowNanos}, from its first
   * connection): the rock then fails with the last error. The bytes the application wrote
   * wait in the in-flight buffer and go out again from offset 0 on the new connection. A server
   * that did make the rock (its WELCOME was lost with the connection) refuses the id as in use, and
   * the rock fails. Runs on a thread of its own ({@code rock-establisher-<id>}).
   */
  void helloAgain(IOException cause) {
    IOException last = cause;
    try {
      while (rock.lifeState() == RockState.CONNECTING) {
        long deadline = rock.establishDeadlineNanos();
        RockOptions options = rock.options();
        int attempt = ++helloAttempts; // across breaks: a server that drops each HELLO is not hammered
        pause(RockState.CONNECTING, backoff(options).pauseNanos(attempt, ThreadLocalRandom.current()), deadline);
        if (rock.lifeState() != RockState.CONNECTING) {
          return;
        }
        if (System.nanoTime() - deadline >= 0) {
          rock.ending.failEstablishing(last);
          return;
        }
        Socket socket = null;
        try {
          socket = dialer.dial(rock.peer(), options);
          Connection conn = new Connection(socket);
          // The same HELLO as before: a server that made the rock and lost its WELCOME knows it.
          Handshake.ClientSetup unanswered = rock.establishment.unansweredHello();
          rock.establishment.helloSent(
              unanswered != null
                  ? Handshake.sendHello(conn, unanswered)
                  : Handshake.sendHello(conn, rock.id, options.preSharedSecret()));
          rock.attach(conn, 0, false, false);
          log.debug("rock {}: said HELLO again to {} (attempt {})", rock.id, Addresses.format(rock.peer()), attempt);
          return;
        } catch (IOException e) {
          if (socket != null) {
            Connection.closeQuietly(socket);
          }
          last = e;
          log.debug("rock {}: HELLO again to {} failed: {}", rock.id, Addresses.format(rock.peer()), e.toString());
        }
      }
    } catch (InterruptedException e) {
      rock.fail(new RockException("rock " + rock.id + ": interrupted while establishing"));
    } catch (RuntimeException e) {
      log.error("rock {}: establishing failed unexpectedly", rock.id, e);
      rock.fail(new RockException("rock " + rock.id + ": internal error while establishing", e));
    }
  }

  /**
   * Waits up to {@code pauseNanos}, but not past the deadline, while the rock stays in {@code
   * while}; wakes early if it changes or the application asks to reconnect now.
   */
  private void pause(RockState during, long pauseNanos, long deadline) throws InterruptedException {
    long until = Math.min(System.nanoTime() + pauseNanos, deadline);
    rock.lock.lock();
    try {
      while (rock.stateLocked() == during) {
        long remaining = until - System.nanoTime();
        if (remaining <= 0 || rock.takeReconnectRequestLocked()) {
          return;
        }
        rock.stateChanged.awaitNanos(remaining);
      }
    } finally {
      rock.lock.unlock();
    }
  }
}
