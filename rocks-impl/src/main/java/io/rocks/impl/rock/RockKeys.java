package io.rocks.impl.rock;

import io.rocks.RockProtocolException;
import io.rocks.impl.core.Resumption;
import io.rocks.impl.core.RockSession;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.Addresses;

/**
 * One rock's key and what its handshakes need of the rock: the key (computed, or pending until a
 * resume needs it), the results of establishment on either side, the HELLO and WELCOME kept for a
 * HELLO said again, the acceptor's wait for the connector's proof, and the counts and challenge
 * numbers a resume exchange carries ({@link Handshake}, {@code ServerHandshake}).
 *
 * <p>Threads: handshake threads, the connection's reader (WELCOME, CONFIRM), the application's
 * thread that reads WELCOME inline, and the thread that resumes. Every field is guarded by the
 * rock's lock ({@link RealRock#lock}); the key itself is computed outside it ({@link #key}).
 */
public final class RockKeys {
  private final RealRock rock;

  // Guarded by rock.lock.
  /** The key, once computed; see {@link #key()}. */
  private ResumeKey key;
  /**
   * Without a pre-shared secret: the inputs of the key, computed at the first resume ({@link
   * #key()}); null once it is, and with a secret, whose key is computed at setup.
   */
  private PendingKey pendingKey;
  /**
   * Accepting side: the body of the HELLO that made the rock, and of the WELCOME that answered it
   * (null with a pre-shared secret), kept until the connector shows it read WELCOME, so that the
   * same HELLO said again after a lost WELCOME is recognised ({@link #welcomeAgainFor}).
   */
  private byte[] helloBody;
  private byte[] welcomeBody;
  /** Accepting side: set once the handshake that made the rock has finished ({@link #welcomed}). */
  private boolean welcomeSent;

  RockKeys(RealRock rock) {
    this.rock = rock;
  }

  /** Under the rock's lock: true once the rock has a key, computed or pending. */
  boolean hasKeyLocked() {
    return rock.session.keyed();
  }

  /**
   * Under the rock's lock, accepting side, after an ACK: once the connector showed it read WELCOME
   * it will not say HELLO again, so the kept HELLO and WELCOME go.
   */
  void forgetHelloLocked() {
    if (helloBody != null && rock.session.peerWelcomed()) {
      helloBody = null;
      welcomeBody = null;
    }
  }

  /** Fails the rock if its peer has not proved the key by now (the acceptor's confirm deadline). */
  public void failIfUnconfirmed() {
    rock.lock.lock();
    try {
      if (rock.session.confirmed() || rock.life.isTerminal()) {
        return;
      }
    } finally {
      rock.lock.unlock();
    }
    rock.fail(
        new RockProtocolException(
            "rock " + rock.id + " from " + Addresses.format(rock.peer()) + ": the client did not prove the rock's key within "
                + rock.options().handshakeTimeout().toMillis() + " ms"));
  }

  /**
   * What this side holds of the peer's stream, for a CHALLENGE or PROOF: both counts read under
   * one hold of the lock, so a FIN never goes with a count short of it.
   */
  Resumption.Counts resumeCounts() {
    rock.lock.lock();
    try {
      return new Resumption.Counts(rock.session.received(), rock.session.peerFinReceived());
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Returns the rock's key, or null before the handshake produced one; computes it first if it is
   * still pending ({@link PendingKey}: about 90 microseconds, once, on the thread that resumes).
   * Throws, and fails the rock, if it cannot be computed.
   */
  public ResumeKey key() throws RockProtocolException {
    PendingKey pending;
    rock.lock.lock();
    try {
      if (key != null || pendingKey == null) {
        return key;
      }
      pending = pendingKey;
    } finally {
      rock.lock.unlock();
    }
    ResumeKey computed;
    try {
      computed = pending.get(); // outside the lock: arithmetic only, but not under the rock's lock
    } catch (RockProtocolException e) {
      rock.fail(e);
      throw e;
    }
    rock.lock.lock();
    try {
      key = computed;
      pendingKey = null;
      return key;
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Under {@link RealRock#lock}, connecting side, once WELCOME was read: the acceptor learns it from the
   * next ACK, which goes along with the next DATA or is the next heartbeat, whichever comes first.
   * Nothing is woken for it: sending it at once cost measurably on the connect path (an extra
   * write and a wake-up of the writer thread per rock; docs/benchmarks.md).
   */
  private void tellWelcomed() {
    rock.session.welcomed(System.nanoTime() - rock.establishment.helloSentAtNanos());
  }

  /**
   * Accepting side: true once the connector showed that it read WELCOME, so it can resume: an ACK
   * with the WELCOMED flag, a verified CONFIRM or a verified resume. Until then a suspension waits
   * for a resume at most the handshake timeout ({@link Supervisor}).
   */
  public boolean peerWelcomed() {
    rock.lock.lock();
    try {
      return rock.session.peerWelcomed();
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Connecting side without a pre-shared secret, when WELCOME arrived: the rock is connected, and
   * its key waits until a resume needs it. Nothing is sent for it (there is no CONFIRM to send).
   */
  public void established(PendingKey pending) {
    rock.lock.lock();
    try {
      pendingKey = pending;
      rock.session.keyed(true, null);
      if (rock.life.established()) {
        rock.stateChanged.signalAll();
      }
      tellWelcomed();
      rock.post(l -> l.connected(rock));
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Accepting side without a pre-shared secret, before the first connection is attached: the key
   * waits until a resume needs it, and the rock is connected from the start (the client has
   * nothing to prove, so no CONFIRM is expected). WELCOME carried the rock's first ACK, which
   * advertised {@code windowLimit}.
   */
  public void keyPending(PendingKey pending, long windowLimit) {
    rock.lock.lock();
    try {
      pendingKey = pending;
      rock.session.keyed(true, null);
      rock.session.welcomeAdvertised(windowLimit, System.nanoTime());
      rock.post(l -> l.connected(rock));
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Connecting side with a pre-shared secret, when WELCOME arrived and the server's CONFIRM proved
   * it holds the same key: records the key and queues our own CONFIRM tag. {@code inline} says an
   * application thread read the server's CONFIRM itself and sends our CONFIRM after it (see {@code RockStreams.readInline}), so the
   * writer is not woken for it.
   */
  public void established(ResumeKey resumeKey, byte[] clientConfirm, boolean inline) {
    rock.lock.lock();
    try {
      key = resumeKey;
      rock.session.keyed(true, clientConfirm); // the CONFIRM proves it read WELCOME; later ACKs too
      if (rock.life.established()) {
        rock.stateChanged.signalAll();
      }
      if (inline) {
        rock.sender.markPendingLocked();
      } else {
        rock.sender.wakeLocked();
      }
      rock.post(l -> l.connected(rock));
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Accepting side, once the key is derived (after WELCOME went out and the rock was attached):
   * records the key and the client's CONFIRM tag to expect, and sends this side's CONFIRM, the
   * first frame it sends, from the calling thread unless another thread is sending. Until then
   * nothing is sent (see {@link RockSession#fill}). Blocks in a socket write like any rock.sender.
   */
  public void keyDerived(ResumeKey resumeKey, byte[] serverConfirm, byte[] clientConfirm) {
    rock.lock.lock();
    try {
      if (rock.life.isTerminal()) {
        return;
      }
      key = resumeKey;
      rock.session.keyed(false, serverConfirm);
      rock.session.expectConfirm(clientConfirm);
      rock.sender.markPendingLocked();
    } finally {
      rock.lock.unlock();
    }
    // The calling handshake thread sends the CONFIRM itself (with the first ACK behind it) instead
    // of waking the writer; the application gets the rock only once the client's CONFIRM came.
    rock.sender.sendDueInline(true);
  }

  /**
   * Accepting side, as WELCOME goes out: the bodies of the HELLO that made the rock and of the
   * WELCOME that answered it ({@code welcome} null with a pre-shared secret), kept so that the
   * same HELLO said again is recognised.
   */
  public void welcomed(byte[] hello, byte[] welcome) {
    rock.lock.lock();
    try {
      helloBody = hello.clone();
      welcomeBody = welcome == null ? null : welcome.clone();
      welcomeSent = true;
      rock.stateChanged.signalAll();
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Accepting side, as a HELLO with this rock's id arrives: waits, at most {@code timeoutNanos},
   * until the handshake that made the rock has sent WELCOME and attached its connection ({@link
   * #welcomed}), or the rock ended. Holds no lock while it waits; never waits on I/O.
   */
  public void awaitWelcomed(long timeoutNanos) throws java.io.InterruptedIOException {
    rock.lock.lock();
    try {
      long remaining = timeoutNanos;
      while (!welcomeSent && !rock.life.isTerminal() && remaining > 0) {
        remaining = rock.stateChanged.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while the rock's first handshake finished");
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Accepting side, when a HELLO arrives with this rock's id: what the connector said again is the
   * HELLO that made the rock, unchanged, and it has not shown that it read WELCOME, so its first
   * connection broke before WELCOME reached it. Returns the WELCOME body to send again, unchanged
   * (the connector then derives the key this side derives), or null if this HELLO is not that: a
   * different HELLO with the id in use, a connector that was welcomed, a rock with a pre-shared
   * secret (see {@link #unconfirmedFrom}), or a rock that ended.
   */
  public byte[] welcomeAgainFor(byte[] hello) {
    rock.lock.lock();
    try {
      if (rock.life.isTerminal() || welcomeBody == null || rock.session.peerWelcomed()
          || !java.util.Arrays.equals(hello, helloBody)) {
        return null;
      }
      return welcomeBody.clone();
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Accepting side, with a pre-shared secret: true if {@code hello} is the HELLO that made this
   * rock, unchanged, and the connector has not proved the secret yet, so the application has not
   * got the rock: the server may then end it and make the rock anew from this HELLO.
   */
  public boolean unconfirmedFrom(byte[] hello) {
    rock.lock.lock();
    try {
      return !rock.life.isTerminal() && welcomeBody == null && helloBody != null && !rock.session.confirmed()
          && java.util.Arrays.equals(hello, helloBody);
    } finally {
      rock.lock.unlock();
    }
  }

  /** True once the rock's key has been computed (not merely pending). */
  public boolean keyComputed() {
    rock.lock.lock();
    try {
      return key != null;
    } finally {
      rock.lock.unlock();
    }
  }

  /** True once the handshake gave the rock a key (computed or pending), so it can resume. */
  public boolean isEstablished() {
    rock.lock.lock();
    try {
      return hasKeyLocked();
    } finally {
      rock.lock.unlock();
    }
  }

  /**
   * Accepting side, as it answers a RESUME: returns the number of the CHALLENGE it is about to
   * send, for {@link RealRock#attach} to tell a stale resume from the latest.
   */
  long nextChallenge() {
    rock.lock.lock();
    try {
      return rock.life.nextChallenge();
    } finally {
      rock.lock.unlock();
    }
  }
}
