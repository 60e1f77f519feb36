package io.rocks.impl.wire;

import io.rocks.impl.crypto.KeyAgreement25519;
import io.rocks.impl.crypto.ResumeKey;

/**
 * The constants of the rocks wire protocol, version 7. {@code docs/PROTOCOL.md} describes the
 * messages; this class and {@code FrameReader} / {@link FrameWriter} are the only code that knows
 * their layout.
 */
public final class Wire {
  private Wire() {}

  /** "ROCK", the first four bytes of every handshake message. */
  public static final int MAGIC = 0x524f434b;

  public static final byte VERSION = 7;
  public static final int HANDSHAKE_HEADER_BYTES = 6;
  public static final int NONCE_BYTES = 16;
  public static final int ID_BYTES = 16;

  // Handshake message types.
  public static final byte HELLO = 1;
  public static final byte WELCOME = 2;
  public static final byte RESUME = 3;
  public static final byte CHALLENGE = 4;
  public static final byte PROOF = 5;
  public static final byte REJECT = 6;
  /**
   * Connector to acceptor, in place of PROOF: the connector ended the rock (it failed, or its
   * application aborted it) and proves it with the rock's key, so the acceptor ends it too.
   */
  public static final byte GONE = 7;

  // GONE reasons.
  /** The connector's application aborted the rock and no CLOSE frame could tell the acceptor. */
  public static final byte GONE_ABORTED = 1;
  /** The connector's rock failed: its reconnect timeout passed, or an error ended it. */
  public static final byte GONE_FAILED = 2;

  // Frame types, after the handshake.
  public static final byte DATA = 0x10;
  public static final byte ACK = 0x11;
  public static final byte FIN = 0x12;
  public static final byte CLOSE = 0x13;
  public static final byte CONFIRM = 0x14;
  /** DATA that also asks the receiver to acknowledge at once; decoded as {@link #DATA}. */
  static final byte DATA_ACK = 0x15;
  /**
   * How often the sender's heartbeats come from now on, in milliseconds: sent as a rock enters
   * idle mode (a long interval) and as it leaves it (its usual interval). The receiver waits for
   * that many intervals of silence, times its failure sensitivity, before it suspends.
   */
  public static final byte PACE = 0x16;

  public static final int DATA_HEADER_BYTES = 1 + 8 + 4;
  public static final int ACK_BYTES = 1 + 8 + 8 + 1;
  static final int FIN_BYTES = 1 + 8;
  static final int CLOSE_BYTES = 1;
  static final int CONFIRM_BYTES = 1 + ResumeKey.PROOF_BYTES;
  static final int PACE_BYTES = 1 + 4;

  /** The largest DATA payload; a larger length is a protocol error. */
  public static final int MAX_DATA_PAYLOAD = 64 * 1024;

  /**
   * The window every receiver grants until it says otherwise in an ACK, so a client may pipeline
   * this many bytes behind its HELLO. A server with a pre-shared secret grants no more until the
   * client proved the key with CONFIRM.
   */
  public static final int INITIAL_WINDOW = 64 * 1024;

  /** ACK flag: the sender of the ACK has received the peer's FIN. */
  public static final int ACK_FLAG_FIN_RECEIVED = 1;

  /**
   * ACK flag, set by the connector only: it has read WELCOME (and, with a pre-shared secret,
   * checked the acceptor's CONFIRM), so it holds what a resume needs. Until an acceptor has seen it
   * (or a CONFIRM, or a resume), its rock waits for a resume at most the handshake timeout.
   */
  public static final int ACK_FLAG_WELCOMED = 2;

  /**
   * ACK flag: the receiver answers at once with an ACK carrying {@link #ACK_FLAG_ECHO_REPLY}, so the
   * sender of this one measures the round trip (window auto-tuning).
   */
  public static final int ACK_FLAG_ECHO_REQUEST = 4;

  /** ACK flag: the answer to the peer's latest {@link #ACK_FLAG_ECHO_REQUEST}. */
  public static final int ACK_FLAG_ECHO_REPLY = 8;

  // REJECT reasons.
  public static final byte REJECT_UNSUPPORTED_VERSION = 1;
  public static final byte REJECT_UNKNOWN_ROCK = 2;
  public static final byte REJECT_BAD_PROOF = 3;
  public static final byte REJECT_DUPLICATE_ID = 4;
  public static final byte REJECT_BUSY = 5;
  /** HELLO carried a public key of small order, with which no secret can be agreed. */
  public static final byte REJECT_BAD_KEY = 6;

  public static int handshakeBodyBytes(byte type) {
    return switch (type) {
      case HELLO -> ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES + NONCE_BYTES;
      case WELCOME -> KeyAgreement25519.PUBLIC_KEY_BYTES + NONCE_BYTES;
      case RESUME -> ID_BYTES + NONCE_BYTES;
      case CHALLENGE -> NONCE_BYTES + 8 + 1 + ResumeKey.PROOF_BYTES;
      case PROOF -> 8 + 1 + ResumeKey.PROOF_BYTES;
      case REJECT -> 2; // reason, message length; the message follows
      case GONE -> 1 + ResumeKey.PROOF_BYTES;
      default -> -1;
    };
  }

  public static String typeName(byte type) {
    return switch (type) {
      case HELLO -> "HELLO";
      case WELCOME -> "WELCOME";
      case RESUME -> "RESUME";
      case CHALLENGE -> "CHALLENGE";
      case PROOF -> "PROOF";
      case REJECT -> "REJECT";
      case GONE -> "GONE";
      case DATA -> "DATA";
      case ACK -> "ACK";
      case FIN -> "FIN";
      case CLOSE -> "CLOSE";
      case CONFIRM -> "CONFIRM";
      case DATA_ACK -> "DATA_ACK";
      case PACE -> "PACE";
      default -> String.format("0x%02x", type);
    };
  }
}
