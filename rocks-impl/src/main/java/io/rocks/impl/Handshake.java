package io.rocks.impl;

import io.rocks.RockId;
import io.rocks.RockProtocolException;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * The rock handshakes: establishing a new rock (HELLO, WELCOME) and resuming a suspended one
 * (RESUME, CHALLENGE, PROOF). See {@code docs/PROTOCOL.md} for the messages and {@code
 * docs/SECURITY.md} for what they protect against.
 *
 * <p>Establishment is pipelined: the connecting side sends HELLO and then data at once, without
 * waiting for WELCOME, so a rock costs no round trip more than a plain socket. Resumption costs one
 * and a half round trips after the TCP connect, and retransmission starts as soon as each side has
 * checked the other's proof.
 *
 * <p>Each method runs on the thread handling that connection and blocks in socket I/O, bounded by
 * the socket timeout its caller set. No lock is held during I/O.
 */
final class Handshake {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Handshake() {}

  /** The connecting side's half of the key agreement, kept until WELCOME arrives. */
  record ClientSetup(KeyAgreement25519 keys, byte[] publicKey, byte[] nonce) {
    @Override
    public String toString() {
      return "ClientSetup[redacted]";
    }
  }

  static RockId newRockId() {
    return new RockId(RANDOM.nextLong(), RANDOM.nextLong());
  }

  static byte[] nonce() {
    byte[] nonce = new byte[Wire.NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return nonce;
  }

  /** Sends HELLO for a new rock and returns what is needed to finish when WELCOME arrives. */
  static ClientSetup sendHello(Connection conn, RockId id, int receiveWindow) throws IOException {
    KeyAgreement25519 keys = new KeyAgreement25519();
    ClientSetup setup = new ClientSetup(keys, keys.publicKey(), nonce());
    FrameWriter out = new FrameWriter();
    out.handshakeHeader(Wire.HELLO);
    out.putBytes(ResumeKey.idBytes(id), 0, Wire.ID_BYTES);
    out.putBytes(setup.publicKey(), 0, KeyAgreement25519.PUBLIC_KEY_BYTES);
    out.putBytes(setup.nonce(), 0, Wire.NONCE_BYTES);
    out.putInt(receiveWindow);
    out.flushTo(conn.out);
    return setup;
  }

  /** Completes establishment on the connecting side with the WELCOME just read. */
  static void clientWelcome(RealRock rock, FrameReader in, byte type) throws IOException {
    if (type == Wire.REJECT) {
      throw rejected(rock.id, in);
    }
    if (type != Wire.WELCOME) {
      throw new RockProtocolException("expected WELCOME, got " + Wire.typeName(type));
    }
    ClientSetup setup = rock.clientSetup;
    byte[] serverPublic = in.bodyBytes(0, KeyAgreement25519.PUBLIC_KEY_BYTES);
    byte[] serverNonce = in.bodyBytes(KeyAgreement25519.PUBLIC_KEY_BYTES, Wire.NONCE_BYTES);
    int window = in.bodyInt(KeyAgreement25519.PUBLIC_KEY_BYTES + Wire.NONCE_BYTES);
    checkWindow(window);
    ResumeKey key;
    try {
      key =
          ResumeKey.derive(
              setup.keys().sharedSecret(serverPublic),
              rock.id,
              setup.publicKey(),
              serverPublic,
              setup.nonce(),
              serverNonce);
    } catch (GeneralSecurityException e) {
      throw new RockProtocolException("rock " + rock.id + ": bad key from server: " + e.getMessage());
    }
    rock.clientSetup = null;
    rock.established(key, window);
  }

  /** The parsed HELLO of a new rock, on the accepting side. */
  record Hello(RockId id, byte[] clientPublic, byte[] clientNonce, int window) {}

  static Hello readHello(FrameReader in) throws RockProtocolException {
    byte[] idBytes = in.bodyBytes(0, Wire.ID_BYTES);
    RockId id = new RockId(longAt(idBytes, 0), longAt(idBytes, 8));
    byte[] clientPublic = in.bodyBytes(Wire.ID_BYTES, KeyAgreement25519.PUBLIC_KEY_BYTES);
    byte[] clientNonce =
        in.bodyBytes(Wire.ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES, Wire.NONCE_BYTES);
    int window = in.bodyInt(Wire.ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES + Wire.NONCE_BYTES);
    checkWindow(window);
    return new Hello(id, clientPublic, clientNonce, window);
  }

  /** Answers HELLO with WELCOME and returns the rock's key. */
  static ResumeKey sendWelcome(Connection conn, Hello hello, int receiveWindow) throws IOException {
    KeyAgreement25519 keys = new KeyAgreement25519();
    byte[] serverPublic = keys.publicKey();
    byte[] serverNonce = nonce();
    ResumeKey key;
    try {
      key =
          ResumeKey.derive(
              keys.sharedSecret(hello.clientPublic()),
              hello.id(),
              hello.clientPublic(),
              serverPublic,
              hello.clientNonce(),
              serverNonce);
    } catch (GeneralSecurityException e) {
      throw new RockProtocolException("bad key in HELLO: " + e.getMessage());
    }
    FrameWriter out = new FrameWriter();
    out.handshakeHeader(Wire.WELCOME);
    out.putBytes(serverPublic, 0, KeyAgreement25519.PUBLIC_KEY_BYTES);
    out.putBytes(serverNonce, 0, Wire.NONCE_BYTES);
    out.putInt(receiveWindow);
    out.flushTo(conn.out);
    return key;
  }

  /**
   * Resumes {@code rock} over {@code conn} from the connecting side: RESUME, then check the server's
   * proof, then send ours and attach. Throws {@link RejectedException} if the server refused.
   */
  static void clientResume(RealRock rock, Connection conn) throws IOException {
    ResumeKey key = rock.key();
    byte[] clientNonce = nonce();
    FrameWriter out = new FrameWriter();
    out.handshakeHeader(Wire.RESUME);
    out.putBytes(ResumeKey.idBytes(rock.id), 0, Wire.ID_BYTES);
    out.putBytes(clientNonce, 0, Wire.NONCE_BYTES);
    out.flushTo(conn.out);

    byte type = conn.reader.nextHandshake();
    if (type == Wire.REJECT) {
      throw rejected(rock.id, conn.reader);
    }
    if (type != Wire.CHALLENGE) {
      throw new RockProtocolException("expected CHALLENGE, got " + Wire.typeName(type));
    }
    byte[] serverNonce = conn.reader.bodyBytes(0, Wire.NONCE_BYTES);
    long serverReceived = conn.reader.bodyLong(Wire.NONCE_BYTES);
    boolean serverFin = conn.reader.bodyBytes(Wire.NONCE_BYTES + 8, 1)[0] != 0;
    byte[] serverProof = conn.reader.bodyBytes(Wire.NONCE_BYTES + 9, ResumeKey.PROOF_BYTES);
    byte[] expected =
        key.serverProof(rock.id, clientNonce, serverNonce, serverReceived, serverFin);
    if (!ResumeKey.matches(expected, serverProof)) {
      throw new RockProtocolException(
          "rock " + rock.id + ": the server at " + conn.remote() + " could not prove it holds the"
              + " rock's key");
    }
    long received = rock.receivedCount();
    boolean fin = rock.peerFinReceived();
    out.handshakeHeader(Wire.PROOF);
    out.putLong(received);
    out.putByte((byte) (fin ? 1 : 0));
    byte[] proof = key.clientProof(rock.id, clientNonce, serverNonce, received, fin);
    out.putBytes(proof, 0, proof.length);
    out.flushTo(conn.out);
    rock.attach(conn, serverReceived, serverFin, true);
  }

  /** The accepting side's half of a resume, after RESUME was read and its rock found. */
  static void serverResume(RealRock rock, Connection conn, byte[] clientNonce) throws IOException {
    ResumeKey key = rock.key();
    byte[] serverNonce = nonce();
    long received = rock.receivedCount();
    boolean fin = rock.peerFinReceived();
    FrameWriter out = new FrameWriter();
    out.handshakeHeader(Wire.CHALLENGE);
    out.putBytes(serverNonce, 0, Wire.NONCE_BYTES);
    out.putLong(received);
    out.putByte((byte) (fin ? 1 : 0));
    byte[] proof = key.serverProof(rock.id, clientNonce, serverNonce, received, fin);
    out.putBytes(proof, 0, proof.length);
    out.flushTo(conn.out);

    byte type = conn.reader.nextHandshake();
    if (type != Wire.PROOF) {
      throw new RockProtocolException("expected PROOF, got " + Wire.typeName(type));
    }
    long clientReceived = conn.reader.bodyLong(0);
    boolean clientFin = conn.reader.bodyBytes(8, 1)[0] != 0;
    byte[] clientProof = conn.reader.bodyBytes(9, ResumeKey.PROOF_BYTES);
    byte[] expected = key.clientProof(rock.id, clientNonce, serverNonce, clientReceived, clientFin);
    if (!ResumeKey.matches(expected, clientProof)) {
      reject(conn, Wire.REJECT_BAD_PROOF, "resume refused");
      throw new BadProofException(
          "rejected resume of rock " + rock.id + " from " + conn.remote() + ": bad proof");
    }
    rock.attach(conn, clientReceived, clientFin, true);
  }

  /** Sends REJECT, best effort: the connection is closed next whatever happens. */
  static void reject(Connection conn, byte reason, String message) {
    try {
      FrameWriter out = new FrameWriter();
      out.reject(reason, message);
      out.flushTo(conn.out);
    } catch (IOException ignored) {
      // The peer sees the connection close instead.
    }
  }

  private static RejectedException rejected(RockId id, FrameReader in) {
    return new RejectedException(
        in.rejectReason(), "rock " + id + " refused by the peer: " + in.rejectMessage());
  }

  private static void checkWindow(int window) throws RockProtocolException {
    if (window < Wire.INITIAL_WINDOW) {
      throw new RockProtocolException(
          "receive window " + window + " is below the protocol minimum " + Wire.INITIAL_WINDOW);
    }
  }

  static long longAt(byte[] bytes, int at) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (bytes[at + i] & 0xff);
    }
    return value;
  }

  /** The peer answered a handshake with REJECT. */
  static final class RejectedException extends RockProtocolException {
    final byte reason;

    RejectedException(byte reason, String message) {
      super(message);
      this.reason = reason;
    }
  }

  /** A resume carried a proof that does not match the rock's key: an impostor or a replay. */
  static final class BadProofException extends RockProtocolException {
    BadProofException(String message) {
      super(message);
    }
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do about a socket that fails to close.
    }
  }
}
