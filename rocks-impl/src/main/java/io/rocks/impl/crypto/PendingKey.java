package io.rocks.impl.crypto;

import io.rocks.RockProtocolException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A rock's key, computed when it is first needed. Without a pre-shared secret a rock needs its key
 * only to resume: nothing proves it while the rock connects (the setup is anonymous, see {@code
 * docs/SECURITY.md}), so neither side spends the X25519 shared secret on the way to its first
 * bytes. Each side keeps the handshake's inputs here instead, and the first resume (the connecting
 * side's supervisor, or the accepting side's handshake thread answering RESUME) computes the key
 * from them, once. The key is the same as if it had been computed at setup.
 *
 * <p>Thread-safe: {@link #get} computes under {@link #lock} (about 90 microseconds of arithmetic,
 * no I/O), so a second caller waits for the first and gets the same key.
 */
public final class PendingKey {
  /** Computes the key from inputs it captured; called at most once. */
  @FunctionalInterface
  public interface Derivation {
    ResumeKey derive() throws RockProtocolException;
  }

  private final ReentrantLock lock = new ReentrantLock();
  /** Guarded by lock; null once the key is computed (the inputs are dropped with it). */
  private Derivation derivation;
  /** Guarded by lock; null until computed. */
  private ResumeKey key;

  public PendingKey(Derivation derivation) {
    this.derivation = derivation;
  }

  /**
   * Returns the key, computing it on the first call. Throws if the inputs cannot make one (a
   * low-order public key; such keys are refused when they arrive, so this is a second check); every
   * later call then throws too, saying the key could not be derived.
   */
  public ResumeKey get() throws RockProtocolException {
    lock.lock();
    try {
      if (key == null) {
        if (derivation == null) {
          throw new RockProtocolException("the rock's key could not be derived");
        }
        Derivation inputs = derivation;
        derivation = null;
        key = inputs.derive();
      }
      return key;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "PendingKey[redacted]";
  }
}
