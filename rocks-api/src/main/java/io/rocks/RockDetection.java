package io.rocks;

/** How a connection finds out whether its peer speaks rocks. */
public enum RockDetection {
  /**
   * Find out, without ever sending a plain peer anything it did not ask for. A client's first
   * connection to an endpoint offers the rock handshake on a probe connection and waits for the
   * answer (one round trip, or the detect timeout for a silent plain server); a plain server's
   * probe is closed and a fresh plain connection returned. The verdict is remembered per endpoint,
   * so later connections to a rock pipeline their handshake and pay nothing. A server socket also
   * serves plain clients: bytes that are not a rock handshake, or silence for the detect timeout,
   * make a plain connection.
   */
  DETECT,
  /** The peer is a rock: the handshake is pipelined with the first data and never probed. */
  ASSUME_ROCK,
  /** Never a rock: a plain socket. */
  PLAIN
}
