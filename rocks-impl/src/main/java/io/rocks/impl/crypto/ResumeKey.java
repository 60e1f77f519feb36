package io.rocks.impl.crypto;

import io.rocks.RockId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret both sides derive for a rock, and the proofs made with it when the rock resumes.
 *
 * <p>The key is HKDF-SHA256 (RFC 5869) of the X25519 shared secret followed by the pre-shared
 * secret, if any, salted with both setup nonces and bound to the rock id and both public keys. With
 * a pre-shared secret each side derives it at setup and proves it with a confirmation tag (HMAC
 * over a role label and the handshake transcript), so a peer that lacks the secret is caught;
 * without one it is derived when the rock first resumes ({@link PendingKey}). A resume proof is
 * HMAC-SHA256 under this key over a role label, the rock id, both fresh resume nonces and the
 * prover's received count, so a proof recorded on one attempt is worthless on any other.
 *
 * <p>Immutable after construction and safe to share; the key bytes never leave this class and are
 * never printed.
 */
public final class ResumeKey {
  public static final int PROOF_BYTES = 32;
  private static final byte[] KEY_INFO = "rocks/1 resume key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SERVER_LABEL = "rocks/1 server".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLIENT_LABEL = "rocks/1 client".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GONE_LABEL = "rocks/1 gone".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SERVER_CONFIRM =
      "rocks/1 server confirm".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLIENT_CONFIRM =
      "rocks/1 client confirm".getBytes(StandardCharsets.US_ASCII);

  private final SecretKeySpec key;

  private ResumeKey(byte[] keyBytes) {
    this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
    Arrays.fill(keyBytes, (byte) 0);
  }

  /**
   * Derives the key from the X25519 secret and the pre-shared secret ({@code null} for none); zeroes
   * both arrays before returning.
   */
  public static ResumeKey derive(
      byte[] sharedSecret,
      byte[] preShared,
      RockId id,
      byte[] clientPublic,
      byte[] serverPublic,
      byte[] clientNonce,
      byte[] serverNonce) {
    try {
      byte[] salt = concat(clientNonce, serverNonce);
      byte[] ikm = preShared == null ? sharedSecret : concat(sharedSecret, preShared);
      byte[] prk = hmac(salt, ikm);
      Arrays.fill(ikm, (byte) 0);
      Arrays.fill(sharedSecret, (byte) 0);
      if (preShared != null) {
        Arrays.fill(preShared, (byte) 0);
      }
      byte[] info = concat(KEY_INFO, idBytes(id), clientPublic, serverPublic, new byte[] {1});
      byte[] okm = hmac(prk, info); // HKDF-Expand, one block: 32 bytes
      Arrays.fill(prk, (byte) 0);
      return new ResumeKey(okm);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  public byte[] serverProof(RockId id, byte[] clientNonce, byte[] serverNonce, long received, boolean fin) {
    return proof(SERVER_LABEL, id, clientNonce, serverNonce, received, fin);
  }

  public byte[] clientProof(RockId id, byte[] clientNonce, byte[] serverNonce, long received, boolean fin) {
    return proof(CLIENT_LABEL, id, clientNonce, serverNonce, received, fin);
  }

  /**
   * Returns the proof of a GONE notice: the connector ended the rock for {@code reason}, on the
   * connection whose RESUME and CHALLENGE carried these nonces (so a recorded notice cannot be
   * replayed on another).
   */
  public byte[] goneProof(RockId id, byte[] clientNonce, byte[] serverNonce, byte reason) {
    return mac(GONE_LABEL, idBytes(id), clientNonce, serverNonce, new byte[] {reason});
  }

  /** Returns the tag by which the server proves, in its CONFIRM, that it derived this key. */
  public byte[] serverConfirm(byte[] transcript) {
    return tag(SERVER_CONFIRM, transcript);
  }

  /** Returns the tag by which the client proves, in CONFIRM, that it derived this key. */
  public byte[] clientConfirm(byte[] transcript) {
    return tag(CLIENT_CONFIRM, transcript);
  }

  private byte[] tag(byte[] label, byte[] transcript) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(label);
      return mac.doFinal(transcript);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Returns a copy of the key's bytes, for the test vectors of PROTOCOL.md §4.5 only. */
  byte[] keyBytesForTests() {
    return key.getEncoded();
  }

  /** Compares in time independent of where the proofs differ. */
  public static boolean matches(byte[] expected, byte[] actual) {
    return MessageDigest.isEqual(expected, actual);
  }

  @Override
  public String toString() {
    return "ResumeKey[redacted]";
  }

  private byte[] proof(
      byte[] label, RockId id, byte[] clientNonce, byte[] serverNonce, long received, boolean fin) {
    byte[] counts = ByteBuffer.allocate(9).putLong(received).put((byte) (fin ? 1 : 0)).array();
    return mac(label, idBytes(id), clientNonce, serverNonce, counts);
  }

  /** Returns HMAC-SHA256 under this key of the parts, in order. */
  private byte[] mac(byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static byte[] hmac(byte[] keyBytes, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(keyBytes, "HmacSHA256"));
    return mac.doFinal(data);
  }

  public static byte[] idBytes(RockId id) {
    return ByteBuffer.allocate(16).putLong(id.high()).putLong(id.low()).array();
  }

  public static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteBuffer out = ByteBuffer.allocate(length);
    for (byte[] part : parts) {
      out.put(part);
    }
    return out.array();
  }
}
