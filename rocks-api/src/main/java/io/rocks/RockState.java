package io.rocks;

/** The life cycle of a rock. A rock moves only forward, except between CONNECTED and SUSPENDED. */
public enum RockState {
  /** The first connection is being made; no byte has been acknowledged yet. */
  CONNECTING,
  /** An underlying TCP connection is up and data flows. */
  CONNECTED,
  /**
   * The underlying connection failed and was closed; the rock is reconnecting (or, on the accepting
   * side, waiting for the peer to reconnect). Reads block; writes fill the in-flight buffer.
   */
  SUSPENDED,
  /** Both sides closed in order, or the application closed the rock. Terminal. */
  CLOSED,
  /** The rock gave up (reconnect timeout, authentication or protocol failure). Terminal. */
  FAILED;

  /** Returns true for CLOSED and FAILED, from which a rock never leaves. */
  public boolean isTerminal() {
    return this == CLOSED || this == FAILED;
  }
}
