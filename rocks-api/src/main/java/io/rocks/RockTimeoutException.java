package io.rocks;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The rock stayed suspended longer than its reconnect timeout and gave up. Each failed reconnection
 * attempt's error is attached with {@link #addSuppressed} (the most recent ones, if there were
 * many). On the accepting side, a rock whose client never showed it had read the server's WELCOME
 * gives up after the handshake timeout instead, with a message that says so.
 */
public final class RockTimeoutException extends RockException {
  private final RockId rockId;
  private final InetSocketAddress peer;
  private final Duration suspendedFor;
  private final int attempts;

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

  /** A timeout with its own message: what was waited for, and which limit ended the wait. */
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

  public RockId rockId() {
    return rockId;
  }

  public InetSocketAddress peer() {
    return peer;
  }

  public Duration suspendedFor() {
    return suspendedFor;
  }

  /** Returns the number of reconnection attempts made (0 on the accepting side, which waits). */
  public int attempts() {
    return attempts;
  }
}
