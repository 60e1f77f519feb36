package io.rocks.impl.rock;

import io.rocks.RockId;
import io.rocks.RockProtocolException;
import io.rocks.RockRefusal;
import io.rocks.RockSecret;
import io.rocks.impl.core.Resumption;
import io.rocks.impl.crypto.KeyAgreement25519;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.crypto.Randomness;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

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
public final class Handshake {
  private Handshake() {}

  /**
   * The connecting side's half of the key agreement, kept until WELCOME arrives: its keys, the
   * HELLO body (the start of the transcript) and the pre-shared secret, if any.
   */
  public record ClientSetup(KeyAgreement25519 keys, byte[] helloBody, RockSecret preShared) {
    byte[] publicKey() {
      return Arrays.copyOfRange(
          helloBody, Wire.ID_BYTES, Wire.ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES);
    }

    public byte[] nonce() {
      int at = Wire.ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES;
      return Arrays.copyOfRange(helloBody, at, at + Wire.NONCE_BYTES);
    }

    @Override
    public String toString() {
      return "ClientSetup[redacted]";
    }
  }

  public static RockId newRockId() {
    SecureRandom random = Randomness.get();
    return new RockId(random.nextLong(), random.nextLong());
  }

  public static byte[] nonce() {
    byte[] nonce = new byte[Wire.NONCE_BYTES];
    Randomness.get().nextBytes(nonce);
    return nonce;
  }

  /** Sends HELLO for a new rock and returns what is needed to finish when WELCOME arrives. */
  public static ClientSetup sendHello(Connection conn, RockId id, RockSecret preShared) throws IOException {
    KeyAgreement25519 keys = new KeyAgreement25519();
    byte[] body = ResumeKey.concat(ResumeKey.idBytes(id), keys.publicKey(), nonce());
    return sendHello(conn, new ClientSetup(keys, body, preShared));
  }

  /**
   * Says HELLO again with {@code setup}, unchanged: a server that made the rock from the first
   * HELLO and lost its WELCOME with the connection recognises the same HELLO and sends the same
   * WELCOME again ({@link RockKeys#welcomeAgainFor}); one that never saw it makes the rock now.
   */
  public static ClientSetup sendHello(Connection conn, ClientSetup setup) throws IOException {
    sendBody(conn, Wire.HELLO, setup.helloBody());
    return setup;
  }

  /**
   * The connecting side's result of WELCOME: the key, the tag the server's CONFIRM must carry, and
   * the CONFIRM tag to send back once it did.
   */
  public record Established(ResumeKey key, byte[] serverConfirm, byte[] clientConfirm) {}

  /**
   * What WELCOME told the connecting side (the server's public key and nonce), with what it sent
   * in HELLO: everything the key is computed from. The public key was checked when WELCOME was
   * read; {@link #establish} computes the key.
   */
  public record Welcomed(ClientSetup setup, RockId id, byte[] serverPublic, byte[] serverNonce) {
    /** Computes the key (one X25519 shared secret). */
    public ResumeKey key() throws RockProtocolException {
      try {
        return ResumeKey.derive(
            setup.keys().sharedSecret(serverPublic),
            setup.preShared() == null ? null : setup.preShared().bytes(),
            id,
            setup.publicKey(),
            serverPublic,
            setup.nonce(),
            serverNonce);
      } catch (GeneralSecurityException e) {
        throw new RockProtocolException("rock " + id + ": bad key from server: " + e.getMessage());
      }
    }

    /** Computes the key and the confirmation tags both ways. */
    public Established establish() throws RockProtocolException {
      ResumeKey key = key();
      byte[] transcript = ResumeKey.concat(setup.helloBody(), serverPublic, serverNonce);
      return new Established(key, key.serverConfirm(transcript), key.clientConfirm(transcript));
    }

    @Override
    public String toString() {
      return "Welcomed[redacted]";
    }
  }

  /**
   * Reads WELCOME (or throws for a REJECT) and checks the server's public key, without computing
   * the key: without a pre-shared secret it waits until a resume needs it ({@link PendingKey});
   * with one, the caller computes it at once ({@link Welcomed#establish}) to check the server's
   * CONFIRM ({@link #checkServerConfirm}).
   */
  public static Welcomed readWelcome(ClientSetup setup, RockId id, FrameReader in, byte type)
      throws IOException {
    if (type == Wire.REJECT) {
      throw rejected(id, in);
    }
    if (type != Wire.WELCOME) {
      throw new RockProtocolException("expected WELCOME, got " + Wire.typeName(type));
    }
    byte[] serverPublic = in.bodyBytes(0, KeyAgreement25519.PUBLIC_KEY_BYTES);
    byte[] serverNonce = in.bodyBytes(KeyAgreement25519.PUBLIC_KEY_BYTES, Wire.NONCE_BYTES);
    try {
      KeyAgreement25519.checkPublicKey(serverPublic);
    } catch (GeneralSecurityException e) {
      throw new RockProtocolException("rock " + id + ": bad key from server: " + e.getMessage());
    }
    return new Welcomed(setup, id, serverPublic, serverNonce);
  }

  /**
   * Checks the server's first frame after WELCOME, which must be a CONFIRM whose tag proves the
   * server derived the key (and so holds the pre-shared secret, if one is set).
   */
  public static void checkServerConfirm(RockId id, Established established, FrameReader in, byte type)
      throws RockProtocolException {
    if (type != Wire.CONFIRM) {
      throw new RockProtocolException("expected the server's CONFIRM, got " + Wire.typeName(type));
    }
    if (!ResumeKey.matches(established.serverConfirm(), in.bodyBytes(0, ResumeKey.PROOF_BYTES))) {
      throw new RockProtocolException(
          "rock " + id + ": the server could not prove it derived the rock's key (wrong"
              + " pre-shared secret, or a man in the middle)");
    }
  }

  /** The parsed HELLO of a new rock, on the accepting side, with its raw body (transcript). */
  public record Hello(RockId id, byte[] body) {
    public byte[] clientPublic() {
      return Arrays.copyOfRange(body, Wire.ID_BYTES, Wire.ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES);
    }

    byte[] clientNonce() {
      int at = Wire.ID_BYTES + KeyAgreement25519.PUBLIC_KEY_BYTES;
      return Arrays.copyOfRange(body, at, at + Wire.NONCE_BYTES);
    }
  }

  public static Hello readHello(FrameReader in) {
    byte[] body = in.bodyBytes(0, Wire.handshakeBodyBytes(Wire.HELLO));
    return new Hello(new RockId(longAt(body, 0), longAt(body, 8)), body);
  }

  /** What the accepting side sent in WELCOME, kept until it derives the key. */
  public record ServerSetup(KeyAgreement25519 keys, Hello hello, byte[] keyAndNonce) {
    @Override
    public String toString() {
      return "ServerSetup[redacted]";
    }
  }

  /**
   * What the accepting side knows once it derived the key: the key, the tag of its own CONFIRM
   * (which proves it derived the key, and so holds the pre-shared secret if one is set), and the
   * tag the client's CONFIRM must carry.
   */
  public record Welcome(ResumeKey key, byte[] serverConfirm, byte[] expectedClientConfirm) {}

  /**
   * Answers HELLO with WELCOME: this side's public key and nonce, at once (the key pair was made
   * ahead of time). The key agreement comes after, off the path to the client ({@link
   * #deriveServerKey}): right after with a pre-shared secret, at the first resume without one.
   * Unless {@code windowLimit} is negative, the rock's first ACK (nothing received, that window
   * limit) follows WELCOME in the same write.
   */
  public static ServerSetup sendWelcome(Connection conn, Hello hello, long windowLimit) throws IOException {
    KeyAgreement25519 keys = new KeyAgreement25519();
    byte[] keyAndNonce = ResumeKey.concat(keys.publicKey(), nonce());
    FrameWriter out = new FrameWriter();
    out.handshakeHeader(Wire.WELCOME);
    out.putBytes(keyAndNonce, 0, keyAndNonce.length);
    if (windowLimit >= 0) {
      out.ack(0, windowLimit, false); // the new rock's first ACK, in the same write
    }
    conn.send(out);
    if (windowLimit >= 0) {
      // The ACK counts as the connection's last send: its writer thread then sends no heartbeat
      // as soon as it starts, which would wake the client for nothing.
      conn.lastSendNanos = System.nanoTime();
    }
    return new ServerSetup(keys, hello, keyAndNonce);
  }

  /**
   * Sends WELCOME again, the same {@code keyAndNonce} as the first time ({@link
   * ServerSetup#keyAndNonce}), for a HELLO said again after the first WELCOME was lost.
   */
  public static void sendWelcomeAgain(Connection conn, byte[] keyAndNonce) throws IOException {
    sendBody(conn, Wire.WELCOME, keyAndNonce);
  }

  /** Derives the key of a rock whose WELCOME went out (one X25519 shared secret). */
  public static ResumeKey serverKey(ServerSetup setup, RockSecret preShared) throws RockProtocolException {
    Hello hello = setup.hello();
    byte[] keyAndNonce = setup.keyAndNonce();
    byte[] serverPublic = Arrays.copyOfRange(keyAndNonce, 0, KeyAgreement25519.PUBLIC_KEY_BYTES);
    byte[] serverNonce = Arrays.copyOfRange(keyAndNonce, KeyAgreement25519.PUBLIC_KEY_BYTES, keyAndNonce.length);
    try {
      return ResumeKey.derive(
          setup.keys().sharedSecret(hello.clientPublic()),
          preShared == null ? null : preShared.bytes(),
          hello.id(),
          hello.clientPublic(),
          serverPublic,
          hello.clientNonce(),
          serverNonce);
    } catch (GeneralSecurityException e) {
      throw new RockProtocolException("bad key in HELLO: " + e.getMessage());
    }
  }

  /** Derives the key of a rock whose WELCOME went out, and the confirmation tags both ways. */
  public static Welcome deriveServerKey(ServerSetup setup, RockSecret preShared)
      throws RockProtocolException {
    ResumeKey key = serverKey(setup, preShared);
    byte[] transcript = ResumeKey.concat(setup.hello().body(), setup.keyAndNonce());
    return new Welcome(key, key.serverConfirm(transcript), key.clientConfirm(transcript));
  }

  /**
   * Resumes {@code rock} over {@code conn} from the connecting side: RESUME, then check the server's
   * proof, then send ours and attach. Throws {@link RejectedException} if the server refused.
   */
  static void clientResume(RealRock rock, Connection conn) throws IOException {
    Resumption.Attempt attempt = new Resumption.Attempt(rock.id, rock.keys.key(), nonce());
    Resumption.Counts server = challenge(rock, attempt, conn);
    Resumption.Counts own = rock.keys.resumeCounts();
    sendBody(conn, Wire.PROOF, attempt.proofBody(own));
    rock.attach(conn, server.received(), server.fin(), true);
  }

  /**
   * Connecting side: sends RESUME for {@code attempt}'s rock and reads the CHALLENGE, whose proof
   * shows the server holds the rock's key. Throws {@link RejectedException} if the server refused.
   */
  private static Resumption.Counts challenge(RealRock rock, Resumption.Attempt attempt, Connection conn)
      throws IOException {
    sendBody(conn, Wire.RESUME, attempt.resumeBody());
    byte type = conn.reader.nextHandshake();
    if (type == Wire.REJECT) {
      throw rejected(rock.id, conn.reader);
    }
    if (type != Wire.CHALLENGE) {
      throw new RockProtocolException("expected CHALLENGE, got " + Wire.typeName(type));
    }
    return attempt.challenged(body(conn.reader, Wire.CHALLENGE), Addresses.format(conn.remote()));
  }

  /**
   * Connecting side, after {@code rock} ended while the acceptor may still hold it: tells the
   * acceptor over {@code conn}, a fresh connection, with RESUME, then GONE in place of PROOF, so
   * it ends the rock too instead of waiting for a resume until its reconnect timeout. Throws
   * {@link RejectedException} if the server no longer holds the rock.
   */
  static void clientGone(RealRock rock, Connection conn, byte reason) throws IOException {
    Resumption.Attempt attempt = new Resumption.Attempt(rock.id, rock.keys.key(), nonce());
    challenge(rock, attempt, conn);
    sendBody(conn, Wire.GONE, attempt.goneBody(reason));
  }

  /**
   * The accepting side's half of a resume, after RESUME was read and its rock found: CHALLENGE,
   * then a PROOF (the rock attaches the connection, unless a newer resume attached first) or a
   * GONE (the rock ends as its connector did). A PROOF or GONE without a valid proof gets
   * REJECT(BAD_PROOF) and changes nothing.
   */
  public static void serverResume(RealRock rock, Connection conn, byte[] clientNonce) throws IOException {
    Resumption.Answer answer =
        new Resumption.Answer(rock.id, rock.keys.key(), clientNonce, nonce(), rock.keys.nextChallenge());
    Resumption.Counts own = rock.keys.resumeCounts();
    sendBody(conn, Wire.CHALLENGE, answer.challengeBody(own));

    byte type = conn.reader.nextHandshake();
    if (type != Wire.PROOF && type != Wire.GONE) {
      throw new RockProtocolException("expected PROOF, got " + Wire.typeName(type));
    }
    byte[] body = body(conn.reader, type);
    try {
      if (type == Wire.GONE) {
        byte reason = answer.gone(body, Addresses.format(conn.remote()));
        conn.close();
        rock.ending.peerGone(reason, conn.remote());
        return;
      }
      Resumption.Counts client = answer.proved(body, Addresses.format(conn.remote()));
      rock.attach(conn, client.received(), client.fin(), true, answer.challenge());
    } catch (Resumption.BadProofException e) {
      reject(conn, RockRefusal.BAD_PROOF, Wire.REJECT_BAD_PROOF, "resume refused");
      throw e;
    }
  }

  private static byte[] body(FrameReader in, byte type) {
    return in.bodyBytes(0, Wire.handshakeBodyBytes(type));
  }

  private static void sendBody(Connection conn, byte type, byte[] body) throws IOException {
    FrameWriter out = new FrameWriter();
    out.handshakeHeader(type);
    out.putBytes(body, 0, body.length);
    conn.send(out);
  }

  /**
   * Refuses a handshake or resume: counts it ({@link ProcessRocks#refused}) and sends REJECT, best
   * effort (the connection is closed next whatever happens).
   */
  public static void reject(Connection conn, RockRefusal refusal, byte reason, String message) {
    ProcessRocks.INSTANCE.refused(refusal);
    conn.refused = true;
    try {
      FrameWriter out = new FrameWriter();
      out.reject(reason, message);
      conn.send(out);
    } catch (IOException ignored) {
      // The peer sees the connection close instead.
    }
  }

  private static RejectedException rejected(RockId id, FrameReader in) {
    return new RejectedException(
        in.rejectReason(), "rock " + id + " refused by the peer: " + in.rejectMessage());
  }

  public static long longAt(byte[] bytes, int at) {
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
}
