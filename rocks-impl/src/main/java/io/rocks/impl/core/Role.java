package io.rocks.impl.core;

/** Which end of a rock this side is: the one that connected, or the one that accepted. */
public enum Role {
  /** Dialed the peer; reconnects when the rock suspends. */
  CONNECTOR,
  /** Accepted the rock through a server socket; waits for the connector to resume. */
  ACCEPTOR
}
