package io.rocks;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The rocks-aware view of a reliable socket: its identity, state and counters.
 *
 * <p>Obtain it from {@link RockSocket#rock()} or {@link Rocks#rockOf}. All methods are thread-safe
 * and never block.
 */
public interface Rock {
  /**
   * Returns this rock's id. On the connecting side it is chosen before the first byte is sent.
   *
   * @return the id, the same on both sides and for the rock's whole life
   */
  RockId id();

  /**
   * Returns the current state. A rock the application closed reports {@link RockState#CLOSING}
   * until it ends.
   *
   * @return the state at the moment of the call; it may change as soon as this returns
   */
  RockState state();

  /**
   * Returns the address the peer was last reached at: on the connecting side the address of the
   * current or last connection, on the accepting side the address the peer's last connection came
   * from, which changes when the peer reconnects from a new address.
   *
   * @return the peer's address, resolved
   */
  InetSocketAddress peer();

  /**
   * Returns a consistent snapshot of the counters: all of them taken at one moment.
   *
   * @return a new snapshot, which does not change afterwards
   */
  RockStats stats();

  /**
   * Returns the options this rock runs with now: the ones it was made with, or the last given to
   * {@link #setOptions}.
   *
   * @return the current options
   */
  RockOptions options();

  /**
   * Changes the options of this live rock, like {@code setsockopt}. Timing settings (heartbeat
   * interval, failure sensitivity, reconnect timeout, backoff, connect and handshake timeouts) take
   * effect at once, including for a suspension in progress. Buffer sizes are fixed when a rock is
   * made: changing them throws {@link IllegalArgumentException}. Listeners are managed with {@link
   * #addListener}, not here.
   *
   * @param options the new options; their buffer sizes must equal the current ones
   * @throws IllegalArgumentException if {@code options} has a different in-flight capacity or
   *     receive window
   * @throws NullPointerException if {@code options} is null
   */
  void setOptions(RockOptions options);

  /**
   * Drops the current connection at once; the rock suspends and recovers as after a link failure.
   * Does nothing unless the rock is connected. Throws {@link IllegalStateException} once the
   * application closed the rock or it ended.
   */
  void suspend();

  /**
   * Reconnects now. On the connecting side a suspended rock skips the rest of its backoff pause,
   * and a connected one first drops its connection (for when the application knows the network
   * changed, before heartbeats notice). On the accepting side it is {@link #suspend()}: only the
   * peer can reconnect. Throws {@link IllegalStateException} once the application closed the rock
   * or it ended.
   */
  void reconnectNow();

  /**
   * Returns the addresses the connecting side tries when it reconnects, in turn, starting with the
   * first. Initially the address it connected to; on the accepting side, empty.
   *
   * @return an unmodifiable list, never null; empty on the accepting side
   */
  List<InetSocketAddress> reconnectAddresses();

  /**
   * Replaces the addresses the connecting side reconnects to (for example when the peer moved);
   * the next attempt uses the first. An unresolved address (a host name that did not resolve when
   * the address was made, or one from {@link InetSocketAddress#createUnresolved}) is looked up
   * again at each attempt that uses it; one that still does not resolve fails that attempt, and
   * the rock tries again as after any failed attempt. Throws {@link
   * UnsupportedOperationException} on the accepting side and {@link IllegalArgumentException} if
   * the list is empty.
   *
   * @param addresses the addresses to try in turn, not empty; the rock keeps a copy
   * @throws UnsupportedOperationException on the accepting side, which never reconnects
   * @throws IllegalArgumentException if {@code addresses} is empty
   */
  void reconnectAddresses(List<InetSocketAddress> addresses);

  /**
   * Adds a listener for this rock's later events; events already reported are not repeated. A
   * listener added twice is called twice for each event.
   *
   * @param listener the listener to call, on the rock's event thread
   */
  void addListener(RockListener listener);

  /**
   * Removes a listener added earlier, or one from the options the rock was made with; does nothing
   * if it was not added. Events already queued may still reach it.
   *
   * @param listener the listener to stop calling
   */
  void removeListener(RockListener listener);
}
