package io.rocks.impl.core;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The recovery of one suspended rock, without threads, timers or a clock: when the connecting side
 * tries to reconnect (capped exponential backoff with jitter), when it gives up (the reconnect
 * timeout, counted from the start of the suspension), and what the give-up reports (attempts,
 * the last errors). Part of the protocol core: the shell ({@code Supervisor}) dials and runs the
 * handshake at the times this returns, on the shared timer; the simulator does the same on its
 * virtual clock. The timeout and the backoff are passed into each call, since the application may
 * change a rock's options while it is suspended.
 *
 * <p>One object per rock keeps its state across suspensions; its owner's lock guards it.
 */
public final class Recovery {
  /** How many attempt errors the give-up keeps. */
  public static final int KEPT_ERRORS = 8;

  /** The pause between attempts: exponential from {@code initialNanos}, capped, with jitter. */
  public record Backoff(long initialNanos, long capNanos, double jitter) {
    /**
     * Returns the pause before attempt {@code attempt} (from 1): exponential from the initial pause,
     * capped, with the {@code jitter} share of it drawn from {@code random} (never below the
     * initial pause).
     */
    public long pauseNanos(int attempt, RandomGenerator random) {
      long ceiling = initialNanos << Math.min(attempt - 1, 30);
      if (ceiling <= 0 || ceiling > capNanos) {
        ceiling = capNanos;
      }
      long randomSpan = (long) ((ceiling - initialNanos) * jitter);
      long fixed = ceiling - randomSpan;
      return fixed + (randomSpan > 0 ? random.nextLong(randomSpan + 1) : 0);
    }
  }

  /** Numbers the suspensions recovered: a deadline of an earlier one does nothing. */
  private long episode;
  /** When the suspension being recovered began. */
  private long since;
  /** The backoff step of the next attempt. */
  private int attempt;
  /** Attempts of this suspension, for the give-up's report. */
  private int tries;
  private final Deque<IOException> errors = new ArrayDeque<>();
  /** Steps of the last reconnection; carried over when the link it made died at once. */
  private int lastAttempts;
  /** When the last reconnection attached, or 0 if none did. */
  private long lastResumeAt;

  /** The suspension being recovered. */
  public long episode() {
    return episode;
  }

  /** When the suspension being recovered began. */
  public long since() {
    return since;
  }

  /** When the suspension being recovered runs out of time. */
  public long deadline(long reconnectTimeoutNanos) {
    return since + reconnectTimeoutNanos;
  }

  /**
   * A suspension began at {@code start}: a new episode. Returns the pause before the connecting
   * side's first attempt: none, unless the connection that the last reconnection made lived
   * shorter than the backoff cap (a link that accepts connections but kills each at once must not
   * be hammered), in which case the backoff goes on from where it was.
   */
  public long suspended(long start, Backoff backoff, RandomGenerator random) {
    boolean diedAtOnce = lastResumeAt != 0 && start - lastResumeAt < backoff.capNanos();
    episode++;
    since = start;
    attempt = 0;
    tries = 0;
    errors.clear();
    if (diedAtOnce) {
      attempt = lastAttempts;
      return backoff.pauseNanos(attempt + 1, random);
    }
    return 0;
  }

  /**
   * An attempt is due at {@code now}: returns its step (from 1), or 0 if the reconnect timeout
   * passed and recovery gives up instead ({@link #attemptsMade}, {@link #errors} then say why).
   */
  public int attemptStarts(long now, long reconnectTimeoutNanos) {
    attempt++;
    tries++;
    if (now - deadline(reconnectTimeoutNanos) >= 0) {
      return 0;
    }
    return attempt;
  }

  /** Attempt {@code step} attached a connection at {@code now}. */
  public void resumed(int step, long now) {
    lastAttempts = step;
    lastResumeAt = now;
  }

  /**
   * Attempt {@code step} failed at {@code now} with {@code error}: returns when the next attempt
   * starts, after the backoff but not after the reconnect timeout (so that the give-up comes on
   * time).
   */
  public long attemptFailed(
      int step, IOException error, long now, Backoff backoff, long reconnectTimeoutNanos, RandomGenerator random) {
    if (errors.size() == KEPT_ERRORS) {
      errors.removeFirst();
    }
    errors.addLast(error);
    long at = now + backoff.pauseNanos(step, random);
    long deadline = deadline(reconnectTimeoutNanos);
    return at - deadline > 0 ? deadline : at;
  }

  /** Attempts made in this suspension before the one that gave up. */
  public int attemptsMade() {
    return Math.max(0, tries - 1);
  }

  /** Attempts of this suspension so far, the current one included. */
  public int tries() {
    return tries;
  }

  /** The last {@link #KEPT_ERRORS} errors of this suspension's attempts, oldest first. */
  public List<IOException> errors() {
    return new ArrayList<>(errors);
  }
}
