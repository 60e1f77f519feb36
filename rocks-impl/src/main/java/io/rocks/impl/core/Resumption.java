package io.rocks.impl.core;

import io.rocks.RockId;
import io.rocks.RockProtocolException;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.wire.FrameDecoder;
import io.rocks.impl.wire.Wire;
import java.util.Arrays;

/**
 * The resume handshake of a suspended rock (PROTOCOL.md §7), both sides, without I/O: the bodies
 * of RESUME, CHALLENGE, PROOF and GONE built and checked as byte arrays, and the acceptor's
 * decision to attach the proved connection or refuse it. Part of the protocol core: the shell
 * ({@code Handshake}) moves the bodies over a connection, and the simulator moves the same bodies
 * over its simulated network, replaying, delaying and forging them.
 *
 * <p>One {@link Attempt} is one connecting side's try on one connection; one {@link Answer} is the
 * accepting side's answer to one RESUME. Neither is shared between threads; both are used by the
 * thread that runs that connection's handshake.
 */
public final class Resumption {
  private Resumption() {}

  /** How much of the other side's stream one side holds, as a CHALLENGE or PROOF carries it. */
  public record Counts(long received, boolean fin) {}

  /** The connecting side's half of one resume attempt. */
  public static final class Attempt {
    private final RockId id;
    private final ResumeKey key;
    private final byte[] clientNonce;
    private byte[] serverNonce;

    /** A new attempt for rock {@code id}, with {@code clientNonce} fresh for it. */
    public Attempt(RockId id, ResumeKey key, byte[] clientNonce) {
      this.id = id;
      this.key = key;
      this.clientNonce = clientNonce.clone();
    }

    /** RESUME's body: the rock's id and this attempt's nonce. */
    public byte[] resumeBody() {
      return ResumeKey.concat(ResumeKey.idBytes(id), clientNonce);
    }

    /**
     * Checks CHALLENGE's body: its proof shows the acceptor holds the rock's key and answers this
     * attempt's nonce. Returns the acceptor's counts; throws if the proof does not match.
     */
    public Counts challenged(byte[] body, Object from) throws RockProtocolException {
      requireLength(body, Wire.CHALLENGE);
      byte[] nonce = Arrays.copyOfRange(body, 0, Wire.NONCE_BYTES);
      long received = FrameDecoder.getLong(body, Wire.NONCE_BYTES);
      boolean fin = body[Wire.NONCE_BYTES + 8] != 0;
      byte[] proof = Arrays.copyOfRange(body, Wire.NONCE_BYTES + 9, body.length);
      if (!ResumeKey.matches(key.serverProof(id, clientNonce, nonce, received, fin), proof)) {
        throw new RockProtocolException(
            "rock " + id + ": the server at " + from + " could not prove it holds the rock's key");
      }
      serverNonce = nonce;
      return new Counts(received, fin);
    }

    /** PROOF's body, with this side's counts, once {@link #challenged} passed. */
    public byte[] proofBody(Counts own) {
      byte[] proof = key.clientProof(id, clientNonce, challengedNonce(), own.received(), own.fin());
      return ResumeKey.concat(countBytes(own), proof);
    }

    /** GONE's body, in place of PROOF, once {@link #challenged} passed: the rock ended here. */
    public byte[] goneBody(byte reason) {
      byte[] proof = key.goneProof(id, clientNonce, challengedNonce(), reason);
      return ResumeKey.concat(new byte[] {reason}, proof);
    }

    private byte[] challengedNonce() {
      if (serverNonce == null) {
        throw new IllegalStateException("no CHALLENGE checked yet");
      }
      return serverNonce;
    }
  }

  /**
   * The accepting side's answer to one RESUME: its CHALLENGE, numbered by the rock's {@link
   * RockLifecycle#nextChallenge}, and the check of the PROOF or GONE that answers it.
   */
  public static final class Answer {
    private final RockId id;
    private final ResumeKey key;
    private final byte[] clientNonce;
    private final byte[] serverNonce;
    private final long challenge;

    public Answer(RockId id, ResumeKey key, byte[] clientNonce, byte[] serverNonce, long challenge) {
      this.id = id;
      this.key = key;
      this.clientNonce = clientNonce.clone();
      this.serverNonce = serverNonce.clone();
      this.challenge = challenge;
    }

    /** The number of this answer's CHALLENGE, for {@link #admit}. */
    public long challenge() {
      return challenge;
    }

    /** CHALLENGE's body: this side's nonce and counts, and the proof that it holds the key. */
    public byte[] challengeBody(Counts own) {
      byte[] proof = key.serverProof(id, clientNonce, serverNonce, own.received(), own.fin());
      return ResumeKey.concat(serverNonce, countBytes(own), proof);
    }

    /**
     * Checks PROOF's body: returns the peer's counts, or throws {@link BadProofException} if its
     * proof is not the key holder's answer to this CHALLENGE (an impostor, or a PROOF replayed
     * from another resume).
     */
    public Counts proved(byte[] body, Object from) throws RockProtocolException {
      requireLength(body, Wire.PROOF);
      long received = FrameDecoder.getLong(body, 0);
      boolean fin = body[8] != 0;
      byte[] proof = Arrays.copyOfRange(body, 9, body.length);
      if (!ResumeKey.matches(key.clientProof(id, clientNonce, serverNonce, received, fin), proof)) {
        throw new BadProofException("rejected resume of rock " + id + " from " + from + ": bad proof");
      }
      return new Counts(received, fin);
    }

    /** Checks GONE's body: returns its reason, or throws if its proof does not match. */
    public byte gone(byte[] body, Object from) throws RockProtocolException {
      requireLength(body, Wire.GONE);
      byte reason = body[0];
      byte[] proof = Arrays.copyOfRange(body, 1, body.length);
      if (!ResumeKey.matches(key.goneProof(id, clientNonce, serverNonce, reason), proof)) {
        throw new BadProofException("rejected GONE for rock " + id + " from " + from + ": bad proof");
      }
      return reason;
    }
  }

  /** What the accepting side does with a proved resume ({@link #admit}). */
  public enum Admission {
    /** Attach the new connection. */
    ATTACH,
    /** Refuse it and carry on: a newer resume attached already. */
    STALE,
    /** The peer's counts cannot be true: the rock fails. */
    IMPOSSIBLE
  }

  /** The decision of {@link #admit} and, unless it is {@link Admission#ATTACH}, why. */
  public record Decision(Admission admission, String reason) {
    static final Decision ATTACH = new Decision(Admission.ATTACH, null);
  }

  /**
   * Decides whether a resume that answered CHALLENGE number {@code challenge} (-1 on the connecting
   * side, which has no numbers) and carried the peer's {@code counts} may attach: not if a newer
   * resume attached first, nor if the counts contradict what this side sent.
   */
  public static Decision admit(RockLifecycle life, RockSession session, long challenge, Counts counts) {
    String stale = life.staleResume(challenge);
    if (stale != null) {
      return new Decision(Admission.STALE, stale);
    }
    String impossible = session.checkPeerCounts(counts.received(), counts.fin());
    if (impossible != null) {
      return new Decision(Admission.IMPOSSIBLE, impossible);
    }
    return Decision.ATTACH;
  }

  /** A PROOF or GONE whose proof does not match the rock's key: an impostor or a replay. */
  public static final class BadProofException extends RockProtocolException {
    public BadProofException(String message) {
      super(message);
    }
  }

  private static byte[] countBytes(Counts counts) {
    byte[] bytes = new byte[9];
    long value = counts.received();
    for (int i = 7; i >= 0; i--) {
      bytes[i] = (byte) value;
      value >>>= 8;
    }
    bytes[8] = (byte) (counts.fin() ? 1 : 0);
    return bytes;
  }

  private static void requireLength(byte[] body, byte type) throws RockProtocolException {
    if (body.length != Wire.handshakeBodyBytes(type)) {
      throw new RockProtocolException(
          Wire.typeName(type) + " body of " + body.length + " bytes, expected " + Wire.handshakeBodyBytes(type));
    }
  }
}
