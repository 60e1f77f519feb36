package io.rocks;

/**
 * Why the accepting side of a rock refused a handshake or a resume, as counted by {@link
 * RocksMonitor#refusals()}. PROTOCOL.md §2.7 describes the REJECT reasons on the wire.
 */
public enum RockRefusal {
  /** A HELLO or RESUME of a protocol version this server does not speak. */
  UNSUPPORTED_VERSION(Kind.HANDSHAKE),
  /** A HELLO with the id of a rock that is still alive. */
  DUPLICATE_ID(Kind.HANDSHAKE),
  /** A HELLO while the server's backlog of rocks waiting for {@code accept()} was full. */
  BACKLOG_FULL(Kind.HANDSHAKE),
  /** A HELLO whose public key is not a valid X25519 key. */
  BAD_KEY(Kind.HANDSHAKE),
  /**
   * A connection that ended without a REJECT before it made or resumed a rock: its handshake
   * deadline passed, it sent bytes that are not a rock handshake, TLS failed, it broke, or its
   * valid resume came after a newer one of the same rock.
   */
  HANDSHAKE_FAILED(Kind.HANDSHAKE),
  /**
   * A connection that closed, or stayed silent past the handshake deadline, before it sent a
   * single byte: a port check (a load balancer's TCP health check, a scan) or a client that gave
   * up at once. Counted apart from {@link #HANDSHAKE_FAILED} so that health checks do not look
   * like failing clients.
   */
  EMPTY_CONNECTION(Kind.HANDSHAKE),
  /** A RESUME of a rock this server does not hold (never made, or ended). */
  UNKNOWN_ROCK(Kind.RESUME),
  /** A RESUME of a rock the server dropped to stay within its limit of suspended rocks. */
  DROPPED(Kind.RESUME),
  /**
   * A PROOF or GONE that does not prove the rock's key: forged, replayed from an earlier resume, or
   * answering an earlier challenge.
   */
  BAD_PROOF(Kind.RESUME);

  /** Whether a refusal ended a new rock's handshake or a resume of an existing rock. */
  public enum Kind {
    /** The handshake that makes a new rock (HELLO). */
    HANDSHAKE,
    /** A resume of an existing rock (RESUME, PROOF or GONE). */
    RESUME
  }

  private final Kind kind;

  RockRefusal(Kind kind) {
    this.kind = kind;
  }

  /**
   * Returns whether this reason refuses a new rock's handshake or a resume.
   *
   * @return the kind of exchange this reason ends
   */
  public Kind kind() {
    return kind;
  }
}
