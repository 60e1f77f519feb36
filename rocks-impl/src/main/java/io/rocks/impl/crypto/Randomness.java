package io.rocks.impl.crypto;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Strong randomness for rock ids, nonces and private keys, from several independent generators so
 * that a burst of handshakes does not queue on one lock.
 *
 * <p>A {@link SecureRandom} serialises its callers: each instance holds a lock while it generates,
 * and the default one on Linux ({@code NativePRNG}) holds a lock shared by every instance. In a
 * burst of thousands of rocks connecting at once, hundreds of handshake threads were found waiting
 * on it. Here each of {@link #STRIPES} {@code DRBG} instances (NIST SP 800-90A, seeded from the
 * system's entropy source; each has its own lock) serves the threads whose id falls on it.
 *
 * <p>Thread-safe; {@link #get} never blocks except on its own stripe's generator.
 */
public final class Randomness {
  /** Enough that two cores' worth of handshake threads rarely meet on one generator. */
  private static final int STRIPES = 16;
  private static final SecureRandom[] GENERATORS = generators();

  private Randomness() {}

  /** Returns a strong generator for the calling thread to use now. */
  public static SecureRandom get() {
    return GENERATORS[(int) (Thread.currentThread().threadId() % STRIPES)];
  }

  private static SecureRandom[] generators() {
    SecureRandom[] generators = new SecureRandom[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      try {
        generators[i] = SecureRandom.getInstance("DRBG");
      } catch (NoSuchAlgorithmException e) {
        generators[i] = new SecureRandom(); // every JDK since 9 has DRBG; this is belt and braces
      }
    }
    return generators;
  }
}
