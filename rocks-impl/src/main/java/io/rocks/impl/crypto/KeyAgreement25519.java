package io.rocks.impl.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.List;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * One side's ephemeral X25519 key pair, used once to agree the rock's secret: at setup with a
 * pre-shared secret, else when the rock first resumes ({@link PendingKey}), which keeps the pair
 * until then.
 * Pairs come from {@link KeyPairPool}, which makes them ahead of time and hands each out once.
 * Keys are the 32-byte strings of RFC 7748; public keys travel as they are.
 *
 * <p>The arithmetic is Bouncy Castle's RFC 7748 implementation, which takes about half the time of
 * the JDK's {@code XDH} for a shared secret and a fifth for a key pair (measured side by side on
 * this project's benchmark machine); both are constant-time.
 *
 * <p>Not thread-safe; owned by the thread running the handshake, or by the {@link PendingKey} that
 * computes the shared secret later.
 */
public final class KeyAgreement25519 {
  public static final int PUBLIC_KEY_BYTES = 32;

  /** A private key and its public key, 32 bytes each. */
  record Pair(byte[] privateKey, byte[] publicKey) {
    @Override
    public String toString() {
      return "Pair[redacted]";
    }
  }

  /** The field prime of Curve25519, 2^255 - 19. */
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

  /**
   * The u-coordinates of the points of small order (the curve's 8-torsion), reduced modulo p: 0, 1,
   * the two points of order 8, and p - 1. A shared secret with any of them is all zeros whatever
   * the private key, so it proves nothing. See {@link #checkPublicKey}.
   */
  private static final List<BigInteger> SMALL_ORDER =
      List.of(
          BigInteger.ZERO,
          BigInteger.ONE,
          new BigInteger(
              "325606250916557431795983626356110631294008115727848805560023387167927233504"),
          new BigInteger(
              "39382357235489614581723060781553021112529911719440698176882885853963445705823"),
          P.subtract(BigInteger.ONE));

  private final Pair pair;

  /** Takes a fresh key pair, made ahead of time ({@link KeyPairPool}) or now if none is ready. */
  public KeyAgreement25519() {
    this(KeyPairPool.take());
  }

  public KeyAgreement25519(Pair pair) {
    this.pair = pair;
  }

  /**
   * Does the one-time work of the X25519 arithmetic (Bouncy Castle's table for multiplying the
   * base point) now, so that it does not hold up the first handshakes of a burst, all waiting for
   * it. Safe to call more than once; later calls cost nothing.
   */
  static void precompute() {
    X25519.precompute();
  }

  /** Makes a new key pair from the system's strong randomness. */
  static Pair generate() {
    byte[] privateKey = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(Randomness.get(), privateKey);
    byte[] publicKey = new byte[X25519.POINT_SIZE];
    X25519.generatePublicKey(privateKey, 0, publicKey, 0);
    return new Pair(privateKey, publicKey);
  }

  /** Returns this side's public key, 32 bytes. */
  public byte[] publicKey() {
    return pair.publicKey().clone();
  }

  /**
   * Throws if {@code peerPublicKey} is not 32 bytes or is a point of small order, in any of its
   * encodings (RFC 7748 ignores the top bit and reduces modulo p): with such a key the shared
   * secret would be all zeros. Lets a rock refuse a bad key when it arrives, long before the
   * shared secret is computed (see {@link PendingKey}); {@link #sharedSecret} checks the result as
   * well. Costs a few microseconds.
   */
  public static void checkPublicKey(byte[] peerPublicKey) throws GeneralSecurityException {
    if (peerPublicKey.length != PUBLIC_KEY_BYTES) {
      throw new GeneralSecurityException("X25519 public key must be 32 bytes");
    }
    byte[] bigEndian = new byte[PUBLIC_KEY_BYTES];
    for (int i = 0; i < PUBLIC_KEY_BYTES; i++) {
      bigEndian[i] = peerPublicKey[PUBLIC_KEY_BYTES - 1 - i];
    }
    bigEndian[0] &= 0x7f;
    BigInteger u = new BigInteger(1, bigEndian).mod(P);
    if (SMALL_ORDER.contains(u)) {
      throw new GeneralSecurityException("peer sent a low-order X25519 public key");
    }
  }

  /**
   * Returns the shared secret with the peer's 32-byte public key. Throws if the peer's key is a
   * low-order point (the secret would be all zeros and known to anyone).
   */
  public byte[] sharedSecret(byte[] peerPublicKey) throws GeneralSecurityException {
    if (peerPublicKey.length != PUBLIC_KEY_BYTES) {
      throw new GeneralSecurityException("X25519 public key must be 32 bytes");
    }
    byte[] secret = new byte[X25519.POINT_SIZE];
    if (!X25519.calculateAgreement(pair.privateKey(), 0, peerPublicKey, 0, secret, 0)) {
      throw new GeneralSecurityException("peer sent a low-order X25519 public key");
    }
    return secret;
  }
}
