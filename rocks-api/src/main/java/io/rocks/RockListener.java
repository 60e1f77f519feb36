package io.rocks;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Receives a rock's life-cycle events. Every method has an empty default, so a listener overrides
 * only what it needs.
 *
 * <p>Callbacks run on a virtual thread owned by the rock, never on its I/O threads, one at a time
 * and in the order the events happened for that rock. Each event is queued at the moment of the
 * change it reports, before any thread can see the rock in its new state, and runs as soon as the
 * JVM's scheduler runs the rock's event thread: within a millisecond or so on an idle machine, and
 * on one busy with thousands of rocks recovering at once, after the work queued before it (each
 * rock's events have a thread of their own, so they do not wait for other rocks' callbacks). A
 * callback that throws is logged and does not affect the rock; a callback that blocks delays only
 * later callbacks of the same rock. Events of different rocks have no order between them.
 */
public interface RockListener {
  /**
   * The rock is established: the handshake with the peer completed.
   *
   * @param rock the rock
   */
  default void connected(Rock rock) {}

  /**
   * The underlying connection failed; the rock is suspended. Reported at every suspension.
   *
   * @param rock the rock
   * @param cause why the connection was given up: its I/O error, the silence the failure detector
   *     noticed, or a {@link RockException} saying that the application asked for it or that the
   *     peer reconnected before this side noticed the failure
   */
  default void suspended(Rock rock, Throwable cause) {}

  /**
   * A reconnection attempt (1-based) to {@code address} failed with {@code error}. Only the
   * connecting side reconnects, so only it reports attempts.
   *
   * @param rock the rock
   * @param attempt the attempt's number in this suspension, from 1
   * @param address the address the attempt tried, as given to {@link Rock#reconnectAddresses(
   *     java.util.List)} (possibly unresolved)
   * @param error why the attempt failed (connect, TLS or handshake)
   */
  default void reconnectAttemptFailed(
      Rock rock, int attempt, InetSocketAddress address, Throwable error) {}

  /**
   * The rock resumed after {@code suspendedFor}, sending {@code bytesRetransmitted} bytes the peer
   * had not received.
   *
   * @param rock the rock
   * @param suspendedFor how long the rock was suspended, from the moment this side noticed the
   *     failure to the resume; zero if the peer reconnected before this side noticed
   * @param bytesRetransmitted how many bytes from the in-flight buffer this side sends again
   */
  default void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {}

  /**
   * The rock closed in order. Terminal.
   *
   * @param rock the rock, now {@link RockState#CLOSED}
   */
  default void closed(Rock rock) {}

  /**
   * The rock gave up with {@code cause}. Terminal.
   *
   * @param rock the rock, now {@link RockState#FAILED}
   * @param cause why, such as a {@link RockTimeoutException} when the peer could not be reached
   *     again within the reconnect timeout, or a {@link RockProtocolException} when the peer broke
   *     the protocol, failed to authenticate or no longer knew the rock
   */
  default void failed(Rock rock, Throwable cause) {}
}
