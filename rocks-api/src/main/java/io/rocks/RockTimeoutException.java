package io.rocks;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The rock stayed suspended longer than its reconnect timeout and gave up. Each failed reconnection
 * attempt's error is attached with {@link #addSuppressed} (the most recent ones, if there were
 * many). The accepting side, which waits for its peer instead of reconnecting, gives up after the
 * same timeout and reports no attempts.
 */
public final class RockTimeoutException extends RockException {
  /** The rock that gave up. */
  private final RockId rockId;
  /** The address the peer was last reached at. */
  private final InetSocketAddress peer;
  /** How long the rock had been suspended when it gave up. */
  private final Duration suspendedFor;
  /** How many reconnection attempts were made; 0 on the accepting side. */
  private final int attempts;

  /**
   * Makes the exception of a rock that gave up reconnecting, with a message that names the rock,
   * the peer, the time suspended and the number of attempts, and says to raise the reconnect
   * timeout if outages last longer.
   *
   * @param rockId the rock that gave up
   * @param peer the address the peer was last reached at
   * @param suspendedFor how long the rock had been suspended
   * @param attempts how many reconnection attempts were made, 0 on the accepting side
   * @param cause the last attempt's error, or null if no attempt failed with one
   */
  public RockTimeoutException(
      RockId rockId, InetSocketAddress peer, Duration suspendedFor, int attempts, Throwable cause) {
    super(
        "rock "
            + rockId
            + " to "
            + hostPort(peer)
            + " gave up after "
            + suspendedFor.toMillis()
            + " ms suspended and "
            + attempts
            + " reconnection attempt(s); raise the reconnect timeout if outages last longer",
        cause);
    this.rockId = rockId;
    this.peer = peer;
    this.suspendedFor = suspendedFor;
    this.attempts = attempts;
  }

  /**
   * Makes a timeout with its own message: what was waited for, and which limit ended the wait. It
   * has no cause and reports no attempts.
   *
   * @param rockId the rock that gave up
   * @param peer the address the peer was last reached at
   * @param suspendedFor how long the rock had been suspended
   * @param message what was waited for and which limit ended the wait
   */
  public RockTimeoutException(
      RockId rockId, InetSocketAddress peer, Duration suspendedFor, String message) {
    super(message, null);
    this.rockId = rockId;
    this.peer = peer;
    this.suspendedFor = suspendedFor;
    this.attempts = 0;
  }

  /**
   * {@code host:port}, {@code [v6]:port} for IPv6, as the implementation's messages write addresses
   * ({@link InetSocketAddress#toString()} would write {@code /10.0.0.1:7000}).
   */
  private static String hostPort(InetSocketAddress address) {
    if (address == null) {
      return "?";
    }
    String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /**
   * Returns the id of the rock that gave up.
   *
   * @return the rock's id
   */
  public RockId rockId() {
    return rockId;
  }

  /**
   * Returns the address the peer was last reached at.
   *
   * @return the peer's last address
   */
  public InetSocketAddress peer() {
    return peer;
  }

  /**
   * Returns how long the rock had been suspended when it gave up: at least the reconnect timeout
   * for a rock that gave up reconnecting.
   *
   * @return the time suspended
   */
  public Duration suspendedFor() {
    return suspendedFor;
  }

  /**
   * Returns the number of reconnection attempts made (0 on the accepting side, which waits).
   *
   * @return the number of attempts in the suspension that timed out
   */
  public int attempts() {
    return attempts;
  }
}
