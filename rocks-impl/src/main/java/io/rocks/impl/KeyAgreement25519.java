package io.rocks.impl;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * One side's ephemeral X25519 key pair, used once to agree the rock's secret and then dropped.
 * Pairs come from {@link KeyPairPool}, which makes them ahead of time and hands each out once.
 * Public keys travel as the 32-byte little-endian u-coordinate of RFC 7748.
 *
 * <p>Not thread-safe; owned by the thread running the handshake.
 */
final class KeyAgreement25519 {
  static final int PUBLIC_KEY_BYTES = 32;

  private final KeyPair keyPair;

  /** Takes a fresh key pair, made ahead of time ({@link KeyPairPool}) or now if none is ready. */
  KeyAgreement25519() {
    this(KeyPairPool.take());
  }

  KeyAgreement25519(KeyPair keyPair) {
    this.keyPair = keyPair;
  }

  /** Returns this side's public key, 32 bytes. */
  byte[] publicKey() {
    BigInteger u = ((XECPublicKey) keyPair.getPublic()).getU();
    byte[] bigEndian = u.toByteArray();
    byte[] out = new byte[PUBLIC_KEY_BYTES];
    for (int i = 0; i < PUBLIC_KEY_BYTES && i < bigEndian.length; i++) {
      out[i] = bigEndian[bigEndian.length - 1 - i];
    }
    return out;
  }

  /**
   * Returns the shared secret with the peer's 32-byte public key. Throws if the peer's key is a
   * low-order point (the secret would be all zeros and known to anyone).
   */
  byte[] sharedSecret(byte[] peerPublicKey) throws GeneralSecurityException {
    if (peerPublicKey.length != PUBLIC_KEY_BYTES) {
      throw new GeneralSecurityException("X25519 public key must be 32 bytes");
    }
    byte[] bigEndian = new byte[PUBLIC_KEY_BYTES + 1]; // leading zero keeps the value positive
    for (int i = 0; i < PUBLIC_KEY_BYTES; i++) {
      bigEndian[PUBLIC_KEY_BYTES - i] = peerPublicKey[i];
    }
    bigEndian[1] &= 0x7f; // RFC 7748 section 5: ignore the top bit of the last byte
    BigInteger u = new BigInteger(bigEndian);
    KeyFactory factory = KeyFactory.getInstance("XDH");
    var peerKey = factory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
    KeyAgreement agreement = KeyAgreement.getInstance("XDH");
    PrivateKey privateKey = keyPair.getPrivate();
    agreement.init(privateKey);
    agreement.doPhase(peerKey, true);
    byte[] secret = agreement.generateSecret();
    byte zeros = 0;
    for (byte b : secret) {
      zeros |= b;
    }
    if (zeros == 0) {
      Arrays.fill(secret, (byte) 0);
      throw new GeneralSecurityException("peer sent a low-order X25519 public key");
    }
    return secret;
  }
}
