package io.rocks.impl.core;

import io.rocks.RockState;
import io.rocks.RockStats;
import java.io.IOException;
import java.time.Duration;

/**
 * One rock's state machine, without sockets, threads, locks or a clock: its {@link RockState},
 * the generation that numbers its connections, why it failed, and the counts of its suspensions.
 * Part of the protocol core: its driver ({@code RealRock}) calls it under the rock's lock, and
 * passes the time in.
 *
 * <p>The states and the moves between them (anything else throws {@link IllegalStateException}):
 *
 * <pre>
 *  CONNECTING --established--> CONNECTED --lost--> SUSPENDED --resumed--> CONNECTED
 *  CONNECTING --lost before WELCOME, may say HELLO again--> CONNECTING (next generation)
 *  CONNECTED  --resumed before this side saw the loss--> CONNECTED (counted as a suspension)
 *  any but CLOSED and FAILED --closed--> CLOSED, --failed--> FAILED
 * </pre>
 *
 * Every connection the rock attaches, and every loss, starts a new generation: whatever a thread
 * of an older connection still does is then ignored ({@link #isCurrent}).
 */
public final class RockLifecycle {
  /** What a rock does when its current connection breaks ({@link #lost}). */
  public enum Loss {
    /** The connection was no longer the current one, or the rock had ended: nothing. */
    STALE,
    /** Both directions were done already: the break is the peer closing as it ends. */
    ENDED,
    /** A new rock whose first connection broke before WELCOME: it says HELLO again. */
    HELLO_AGAIN,
    /** A new rock without a key: nothing to resume with, so it fails. */
    FAILED,
    /** An established rock: it suspends and recovers. */
    SUSPENDED
  }

  /**
   * Written only by the driver, under its lock; volatile so that the driver can report the state
   * without that lock ({@link #state}), to monitors that ask about thousands of rocks at once.
   */
  private volatile RockState state;
  private long generation;
  private IOException failure;
  private int suspensions;
  private long suspendedSinceNanos;
  private long suspendedTotalNanos;
  /**
   * Accepting side: how many CHALLENGEs were sent for this rock ({@link #nextChallenge}), and the
   * number of the one whose resume attached last. A resume is answered in order (RESUME, then
   * CHALLENGE, then PROOF, and the connector starts a new resume only after its previous one
   * ended), so a PROOF that answers an older CHALLENGE than the attached one is stale.
   */
  private long challengesSent;
  private long attachedChallenge = -1;

  public RockLifecycle(RockState initial) {
    if (initial != RockState.CONNECTING && initial != RockState.CONNECTED) {
      throw new IllegalArgumentException("a rock starts CONNECTING or CONNECTED, not " + initial);
    }
    this.state = initial;
  }

  public RockState state() {
    return state;
  }

  public boolean isTerminal() {
    return state.isTerminal();
  }

  /** The generation of the current connection (or of the wait for the next one). */
  public long generation() {
    return generation;
  }

  /** True while {@code gen} is the current generation and the rock has not ended. */
  public boolean isCurrent(long gen) {
    return gen == generation && !state.isTerminal();
  }

  /** Why the rock failed; null unless it is FAILED. */
  public IOException failure() {
    return failure;
  }

  /** When the current suspension began ({@link System#nanoTime()} scale); meaningless otherwise. */
  public long suspendedSinceNanos() {
    return suspendedSinceNanos;
  }

  /**
   * Ends the current generation without a change of state: the threads of the connection it
   * numbered stop.
   */
  void nextGeneration() {
    generation++;
  }

  /** A new rock received WELCOME (and the server's CONFIRM, if any). Returns true if it changed. */
  public boolean established() {
    if (state == RockState.CONNECTING) {
      state = RockState.CONNECTED;
      return true;
    }
    requireLive("be established");
    return false;
  }

  /**
   * The current connection, of generation {@code gen}, broke at {@code now}: decides what the rock
   * does, and moves it (a new generation for every outcome but {@link Loss#STALE} and {@link
   * Loss#ENDED}). {@code done} says both directions had ended in order; {@code keyed} that the
   * rock has a key to resume with; {@code mayHelloAgain} that a new rock may still say HELLO again.
   * A {@link Loss#FAILED} outcome leaves the move to {@link #fail}, which records the cause.
   */
  public Loss lost(long gen, long now, boolean done, boolean keyed, boolean mayHelloAgain) {
    if (!isCurrent(gen)) {
      return Loss.STALE;
    }
    if (done) {
      return Loss.ENDED;
    }
    if (!keyed) {
      if (mayHelloAgain && state == RockState.CONNECTING) {
        generation++;
        return Loss.HELLO_AGAIN;
      }
      return Loss.FAILED;
    }
    generation++;
    suspensions++;
    suspendedSinceNanos = now;
    state = RockState.SUSPENDED;
    return Loss.SUSPENDED;
  }

  /**
   * Accepting side, as it answers a RESUME: returns the number of the CHALLENGE it is about to
   * send, for {@link #attached} to tell a stale resume from the latest.
   */
  public long nextChallenge() {
    return challengesSent++;
  }

  /**
   * Returns why a resume that answered CHALLENGE number {@code challenge} must be refused, or null
   * if it may attach: a resume older than the one attached last is stale. -1 is no challenge.
   */
  public String staleResume(long challenge) {
    if (challenge >= 0 && challenge < attachedChallenge) {
      return "it answered challenge " + challenge + ", and the resume of challenge "
          + attachedChallenge + " attached before it";
    }
    return null;
  }

  /**
   * A connection was attached at {@code now}: a new generation. A resumed one ends the suspension;
   * if the rock was still CONNECTED, the peer saw a failure this side had not noticed, which
   * counts as a suspension too. A new rock stays CONNECTING until its handshake completes.
   * Returns how long the rock was suspended: {@link Duration#ZERO} if it had not noticed, and
   * null if this was no resume.
   */
  public Duration attached(long now, boolean resumed, long challenge) {
    requireLive("attach a connection");
    generation++;
    if (challenge >= 0) {
      attachedChallenge = challenge;
    }
    Duration suspendedFor = null;
    if (resumed) {
      if (state == RockState.SUSPENDED) {
        long suspendedNanos = now - suspendedSinceNanos;
        suspendedTotalNanos += suspendedNanos;
        suspendedFor = Duration.ofNanos(suspendedNanos);
      } else {
        suspensions++;
        suspendedFor = Duration.ZERO;
      }
    }
    if (state != RockState.CONNECTING) {
      state = RockState.CONNECTED;
    }
    return suspendedFor;
  }

  /** Fails the rock with {@code cause}. Returns false if it had ended already. */
  public boolean fail(IOException cause) {
    if (state.isTerminal()) {
      return false;
    }
    failure = cause;
    generation++;
    state = RockState.FAILED;
    return true;
  }

  /** Closes the rock. Returns false if it had ended already. */
  public boolean close() {
    if (state.isTerminal()) {
      return false;
    }
    generation++;
    state = RockState.CLOSED;
    return true;
  }

  /** The rock's counters at {@code now}, the byte counts taken from {@code session}. */
  public RockStats stats(RockSession session, long now) {
    long suspendedNanos = suspendedTotalNanos;
    if (state == RockState.SUSPENDED) {
      suspendedNanos += now - suspendedSinceNanos;
    }
    return new RockStats(
        session.written(), session.acked(), session.received(), session.retransmitted(),
        suspensions, Duration.ofNanos(suspendedNanos));
  }

  private void requireLive(String what) {
    if (state.isTerminal()) {
      throw new IllegalStateException("a " + state + " rock cannot " + what);
    }
  }

  @Override
  public String toString() {
    return state + " gen=" + generation;
  }
}
