package io.rocks;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * A pre-shared secret that both ends of a rock hold. It is mixed into the rock's key agreement, so
 * each side proves it knows the secret before the other trusts the rock, which authenticates setup
 * without TLS. It never appears in logs or {@link #toString()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class RockSecret {
  /** The shortest accepted secret: 128 bits. */
  public static final int MIN_BYTES = 16;

  private final byte[] bytes;

  private RockSecret(byte[] bytes) {
    if (bytes.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "a pre-shared secret needs at least " + MIN_BYTES + " bytes, got " + bytes.length);
    }
    this.bytes = bytes;
  }

  /**
   * Returns a secret holding a copy of {@code bytes}, so the caller may wipe its array afterwards.
   *
   * @param bytes the secret, at least {@link #MIN_BYTES} long
   * @return the secret
   * @throws IllegalArgumentException if {@code bytes} is shorter than {@link #MIN_BYTES}
   * @throws NullPointerException if {@code bytes} is null
   */
  public static RockSecret of(byte[] bytes) {
    return new RockSecret(bytes.clone());
  }

  /**
   * Returns the secret written in base64, as a configuration file holds it.
   *
   * @param text the secret in standard base64 (RFC 4648, not URL-safe), padding optional;
   *     whitespace before and after is ignored
   * @return the decoded secret
   * @throws IllegalArgumentException if {@code text} is not base64, or decodes to fewer than {@link
   *     #MIN_BYTES} bytes
   * @throws NullPointerException if {@code text} is null
   */
  public static RockSecret fromBase64(String text) {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a pre-shared secret must be base64: " + e.getMessage());
    }
    return new RockSecret(decoded);
  }

  /**
   * Returns a copy of the secret's bytes; the caller should zero it after use, with {@link
   * #wipe(byte[])}.
   *
   * @return a new array holding the secret
   */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Compares in time independent of where the secrets differ. */
  @Override
  public boolean equals(Object other) {
    return other instanceof RockSecret secret && MessageDigest.isEqual(bytes, secret.bytes);
  }

  /** Returns a constant: a hash would leak bits of the secret. */
  @Override
  public int hashCode() {
    return 0x52ec;
  }

  @Override
  public String toString() {
    return "RockSecret[redacted, " + bytes.length + " bytes]";
  }

  /**
   * Zeroes a copy obtained from {@link #bytes()}.
   *
   * @param copy the array to fill with zeros
   */
  public static void wipe(byte[] copy) {
    Arrays.fill(copy, (byte) 0);
  }
}
