package io.rocks;

import java.net.InetSocketAddress;

/**
 * The rocks-aware view of a reliable socket: its identity, state and counters.
 *
 * <p>Obtain it from {@link RockSocket#rock()}. All methods are thread-safe and never block.
 */
public interface Rock {
  /** Returns this rock's id. On the connecting side it is chosen before the first byte is sent. */
  RockId id();

  /** Returns the current state. */
  RockState state();

  /** Returns the address the peer was last reached at (the connecting side reconnects there). */
  InetSocketAddress peer();

  /** Returns a consistent snapshot of the counters. */
  RockStats stats();

  /** Returns the options this rock runs with. */
  RockOptions options();

  /** Adds a listener for this rock's later events. */
  void addListener(RockListener listener);

  /** Removes a listener added earlier; does nothing if it was not added. */
  void removeListener(RockListener listener);
}
