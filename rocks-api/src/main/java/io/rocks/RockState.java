package io.rocks;

/**
 * The life cycle of a rock. A rock moves only forward, except between CONNECTED and SUSPENDED;
 * once closed by the application it is CLOSING until it ends.
 */
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
  /**
   * The application closed the rock (or its socket); the rock still delivers what was written,
   * across a recovery if need be, and then ends {@code CLOSED} (or {@code FAILED}, if the peer
   * cannot be reached again within the reconnect timeout). Reported from the moment {@code close}
   * returns.
   */
  CLOSING,
  /** Both sides closed in order, or the application's close finished. Terminal. */
  CLOSED,
  /** The rock gave up (reconnect timeout, authentication or protocol failure). Terminal. */
  FAILED;

  /**
   * Returns whether this state ends a rock: no rock ever leaves it.
   *
   * @return true for {@code CLOSED} and {@code FAILED}
   */
  public boolean isTerminal() {
    return this == CLOSED || this == FAILED;
  }
}
