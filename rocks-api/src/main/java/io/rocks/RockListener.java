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
  /** The rock is established: the handshake with the peer completed. */
  default void connected(Rock rock) {}

  /** The underlying connection failed; the rock is suspended. */
  default void suspended(Rock rock, Throwable cause) {}

  /**
   * A reconnection attempt (1-based) to {@code address} failed with {@code error}. Only the
   * connecting side reconnects, so only it reports attempts.
   */
  default void reconnectAttemptFailed(
      Rock rock, int attempt, InetSocketAddress address, Throwable error) {}

  /**
   * The rock resumed after {@code suspendedFor}, sending {@code bytesRetransmitted} bytes the peer
   * had not received.
   */
  default void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {}

  /** The rock closed in order. Terminal. */
  default void closed(Rock rock) {}

  /** The rock gave up with {@code cause}. Terminal. */
  default void failed(Rock rock, Throwable cause) {}
}
