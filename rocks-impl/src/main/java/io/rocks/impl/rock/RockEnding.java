package io.rocks.impl.rock;

import io.rocks.RockException;
import io.rocks.RockState;
import io.rocks.impl.core.RockLifecycle;
import io.rocks.impl.core.Role;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * How one rock's connections break and how the rock ends: what a broken connection means (the
 * core's {@link RockLifecycle#lost}: a suspension that the {@link Supervisor} recovers, HELLO said
 * again, a failure, or the end in order), the end itself ({@link #terminate}: the last CLOSE
 * written, the connection closed, the buffers freed, GONE told to an acceptor that may still hold
 * the rock), the end in order once both directions are done ({@link #finishIfDone}), and the
 * acceptor's end on its connector's GONE ({@link #peerGone}).
 *
 * <p>Threads: whichever thread noticed (the reader, the writer, the timer's watch, an application
 * thread, the supervisor's attempt, a handshake thread). It holds no state of its own: it moves
 * the rock's state under the rock's lock ({@link RealRock#lock}) and does the I/O (closing,
 * writing CLOSE) after releasing it. Closing a connection never blocks ({@link Connection#close}).
 */
final class RockEnding {
  private static final Logger log = LogManager.getLogger(RealRock.class);

  private final RealRock rock;

  RockEnding(RealRock rock) {
    this.rock = rock;
  }

  /**
   * Under {@link RealRock#lock}, connecting side: true if a new rock whose connection broke before WELCOME
   * may try again, with a new connection and HELLO ({@link Supervisor#helloAgain}): it is still
   * connecting, has a supervisor, and its time to establish has not run out.
   */
  private boolean mayHelloAgainLocked() {
    return rock.establishment != null
        && rock.life.state() == RockState.CONNECTING
        && rock.supervisor != null
        && rock.establishment.mayHelloAgainLocked(System.nanoTime());
  }

  /**
   * Connecting side, when saying HELLO again failed for good (its time ran out): fails the rock
   * with {@code cause}, the last break or refusal, as the first connection's failure would have.
   */
  void failEstablishing(IOException cause) {
    terminate(
        RockState.FAILED,
        new RockException(
            "rock " + rock.id + " to " + Addresses.format(rock.peer()) + " failed before it was established: " + cause.getMessage(), cause));
  }

  /**
   * The connection of generation {@code gen} failed: suspend, unless a newer connection already
   * replaced it or the rock was never established (then the rock fails: there is no key to resume
   * with).
   */
  void connectionFailed(long gen, IOException cause) {
    Connection broken = null;
    boolean suspendedNow = false;
    boolean ended = false;
    Supervisor recovery = null;
    Supervisor helloAgain = null;
    InetSocketAddress peer;
    boolean failedNow = false;
    rock.lock.lock();
    try {
      peer = rock.peerLocked();
      boolean helloMayHelp =
          !rock.keys.hasKeyLocked() && mayHelloAgainLocked() && !(cause instanceof javax.net.ssl.SSLException);
      switch (rock.life.lost(gen, System.nanoTime(), doneLocked(), rock.keys.hasKeyLocked(), helloMayHelp)) {
        case STALE -> {
          return;
        }
        case ENDED -> {
          // Its last frames are out and the peer's are in: the peer closing the connection as it
          // ends (often with a reset, when our last ACK reached it unread) is no failure.
          ended = true;
        }
        case HELLO_AGAIN -> {
          // Also after the handshake timeout: a server answering a burst of thousands may take
          // longer than that to reach this rock's HELLO. Not after a TLS failure, such as a
          // refused certificate, which would only repeat itself. No key yet, so nothing to resume;
          // but the server made no rock of ours that we know of (the break came before WELCOME),
          // so a new HELLO with the same id may still make it.
          broken = rock.detachLocked();
          helloAgain = rock.supervisor;
        }
        case FAILED -> {
          failedNow =
              failLocked(
                  new RockException(
                      "rock " + rock.id + " to " + Addresses.format(peer) + " failed before it was established: " + cause.getMessage(),
                      cause));
          broken = rock.detachLocked();
        }
        case SUSPENDED -> {
          broken = rock.detachLocked();
          rock.stateChanged.signalAll();
          suspendedNow = true;
          recovery = rock.supervisor;
          rock.post(l -> l.suspended(rock, cause));
        }
      }
    } finally {
      rock.lock.unlock();
    }
    // Logged after the lock is let go: a burst of thousands of suspensions contends for the log's
    // writer, and a rock's lock held meanwhile would stall its timer looks and anyone asking its
    // state.
    if (helloAgain != null) {
      log.debug("rock {} to {}: first connection broke before WELCOME ({}); saying HELLO again", rock.id, Addresses.format(peer), cause.toString());
    } else if (failedNow) {
      log.warn("rock {} to {} failed before it was established: {}", rock.id, Addresses.format(peer), cause.getMessage());
    } else if (suspendedNow) {
      log.debug("rock {} to {} suspended: {}", rock.id, Addresses.format(peer), cause.toString());
    }
    if (ended) {
      terminate(RockState.CLOSED, null);
      return;
    }
    // Recovery first: closing never blocks (Connection#close), but nothing should wait for it.
    if (recovery != null) {
      recovery.suspended();
    }
    if (helloAgain != null) {
      Supervisor establishing = helloAgain;
      IOException why = cause;
      RockThreads.start("establisher", rock.id, () -> establishing.helloAgain(why));
    }
    if (broken != null) {
      broken.close();
    }
    if (isTerminalNow()) {
      ProcessRocks.INSTANCE.ended(rock);
      rock.hooks.terminated(rock);
    } else if (suspendedNow) {
      rock.hooks.suspended(rock);
    }
  }

  /** Moves to FAILED; returns false if the rock had already ended. The caller logs, unlocked. */
  private boolean failLocked(IOException cause) {
    if (!rock.life.fail(cause)) {
      return false;
    }
    rock.generationChangedLocked();
    rock.stateChanged.signalAll();
    rock.streams.endedLocked();
    rock.post(l -> l.failed(rock, cause));
    return true;
  }

  /**
   * Moves to a terminal state, closes the connection and frees the buffers. Safe to call more than
   * once; the first call wins.
   */
  void terminate(RockState terminal, IOException cause) {
    Connection last;
    boolean sendClose;
    boolean abortedHere;
    boolean keyHeld;
    Supervisor recovery;
    boolean failedNow = false;
    InetSocketAddress peer;
    rock.lock.lock();
    try {
      peer = rock.peerLocked();
      if (rock.life.isTerminal()) {
        return;
      }
      // An orderly end needs no CLOSE from here: the side whose batch ended it put one beside its
      // last ACK, and a side that ended on the peer's last ACK leaves a peer that has everything.
      sendClose =
          terminal == RockState.CLOSED
              && rock.connectionLocked() != null
              && !rock.session.closeSent()
              && !rock.session.peerClosed()
              && !rock.session.endedInOrder();
      last = rock.detachLocked();
      abortedHere = rock.session.aborted() && !rock.session.peerClosed();
      keyHeld = rock.keys.hasKeyLocked();
      recovery = rock.supervisor;
      if (terminal == RockState.FAILED) {
        if (rock.role == Role.CONNECTOR && keyHeld && recovery != null
            && !(cause instanceof Handshake.RejectedException)) {
          // Started before the failure shows: an application that exits as soon as it sees it
          // still has its notice waited for (GoneNotices). Starting a thread never blocks.
          recovery.tellGone(Wire.GONE_FAILED);
        }
        failedNow = failLocked(cause);
      } else {
        rock.life.close();
        rock.generationChangedLocked();
        rock.stateChanged.signalAll();
        rock.streams.endedLocked();
        rock.post(l -> l.closed(rock));
      }
      rock.session.discardInFlight();
    } finally {
      rock.lock.unlock();
    }
    if (failedNow) {
      log.warn("rock {} to {} failed: {}", rock.id, Addresses.format(peer), cause.getMessage());
    }
    boolean closeWritten = false;
    if (last != null) {
      if (terminal == RockState.CLOSED) {
        closeWritten = rock.sender.closeAfterLastWrite(last, sendClose);
      }
      last.close();
    }
    // A connector whose acceptor may still hold the rock, suspended or unaware, tells it on a
    // fresh connection (GONE), so it does not wait for a resume until its reconnect timeout.
    if (rock.role == Role.CONNECTOR && keyHeld && recovery != null
        && terminal == RockState.CLOSED && abortedHere && !closeWritten) {
      recovery.tellGone(Wire.GONE_ABORTED); // before abort() returns to the application
    }
    ProcessRocks.INSTANCE.ended(rock);
    rock.hooks.terminated(rock);
  }

  /**
   * Accepting side: the connector proved with GONE that it ended the rock; ends it here too. An
   * aborted rock ends {@code CLOSED} as on the peer's CLOSE (reads then fail with a reset); a
   * failed one ends {@code FAILED}, saying so.
   */
  void peerGone(byte reason, InetSocketAddress from) {
    if (reason == Wire.GONE_ABORTED) {
      rock.lock.lock();
      try {
        rock.session.peerAborted();
      } finally {
        rock.lock.unlock();
      }
      log.debug("rock {} from {}: its client aborted it and said so", rock.id, Addresses.format(from));
      terminate(RockState.CLOSED, null);
    } else {
      terminate(
          RockState.FAILED,
          new RockException(
              "rock " + rock.id + ": its client at " + Addresses.format(from) + " gave up on it (its rock failed) and said so"));
    }
  }

  /**
   * Ends the rock in order when both directions are done: our FIN is acknowledged and the peer's
   * FIN received (and its acknowledgement written), or the application closed and the peer was
   * told with CLOSE, or the peer sent CLOSE.
   */
  void finishIfDone() {
    boolean done;
    rock.lock.lock();
    try {
      done = !rock.life.isTerminal() && doneLocked();
    } finally {
      rock.lock.unlock();
    }
    if (done) {
      terminate(RockState.CLOSED, null);
    }
  }

  /**
   * Under {@link RealRock#lock}: true once the rock has nothing left to do. The frames this depends on may
   * have been put in a batch that is still being written; {@link #terminate} closes the connection
   * only after that write.
   */
  private boolean doneLocked() {
    return rock.session.done();
  }

  private boolean isTerminalNow() {
    rock.lock.lock();
    try {
      return rock.life.isTerminal();
    } finally {
      rock.lock.unlock();
    }
  }
}
