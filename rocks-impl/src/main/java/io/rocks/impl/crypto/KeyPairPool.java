package io.rocks.impl.crypto;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Ephemeral X25519 key pairs made ahead of time, so that neither a connecting rock nor a server
 * answering HELLO waits for one: making a pair costs about as much as the key agreement itself
 * (see docs/benchmarks.md), and it does not depend on the peer.
 *
 * <p>Each pair is handed out once and never again. The pool holds at most {@link #CAPACITY}
 * unused pairs; when it falls to half, one virtual thread refills it, off every handshake's path.
 * When it is empty (a burst of connections), the caller makes its pair itself.
 *
 * <p>Thread-safe: {@link #take} is called by any handshake thread and never blocks on another.
 */
public final class KeyPairPool {
  static final int CAPACITY = 16;
  private static final Logger log = LogManager.getLogger(KeyPairPool.class);
  private static final ArrayBlockingQueue<KeyAgreement25519.Pair> POOL = new ArrayBlockingQueue<>(CAPACITY);
  /** True while the refilling thread runs; at most one does. */
  private static final AtomicBoolean REFILLING = new AtomicBoolean();
  /** True once {@link #warmUp} ran in this JVM. */
  private static final AtomicBoolean WARMED = new AtomicBoolean();

  private KeyPairPool() {}

  /** Returns a key pair no one else was or will be given. Never blocks. */
  static KeyAgreement25519.Pair take() {
    KeyAgreement25519.Pair pair = POOL.poll();
    if (POOL.size() <= CAPACITY / 2) {
      refill();
    }
    return pair != null ? pair : generate();
  }

  /**
   * Prepares for a burst of handshakes, off the caller's thread: computes the X25519 tables once
   * and fills the pool. Called when a provider or a server socket is made.
   */
  public static void warmUp() {
    if (WARMED.compareAndSet(false, true)) {
      Thread.ofVirtual().name("rocks-key-pairs-warm-up").start(() -> {
        KeyAgreement25519.precompute();
        refill();
      });
    }
  }

  /** Returns how many pairs wait in the pool, for tests. */
  static int available() {
    return POOL.size();
  }

  static KeyAgreement25519.Pair generate() {
    return KeyAgreement25519.generate();
  }

  private static void refill() {
    if (!REFILLING.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("rocks-key-pairs")
        .start(
            () -> {
              try {
                while (POOL.remainingCapacity() > 0 && POOL.offer(generate())) {
                  // until full
                }
              } catch (RuntimeException e) {
                log.error("could not make X25519 key pairs ahead of time", e);
              } finally {
                REFILLING.set(false);
              }
              if (POOL.size() <= CAPACITY / 2) {
                refill(); // taken from while this thread was finishing: its takers saw it running
              }
            });
  }
}
