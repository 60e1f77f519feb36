package io.rocks.impl.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.testkit.Await;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Key pairs made ahead of time: each handed out once, the pool refilled in the background. */
@Timeout(60)
public class KeyPairPoolTest {

  @Test
  void everyPairIsHandedOutOnceEvenToConcurrentCallers() throws Exception {
    int threads = 8;
    int perThread = 3 * KeyPairPool.CAPACITY;
    Set<String> publicKeys = ConcurrentHashMap.newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    Thread[] takers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      takers[t] =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      go.await();
                      for (int i = 0; i < perThread; i++) {
                        publicKeys.add(Arrays.toString(new KeyAgreement25519().publicKey()));
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
    }
    go.countDown();
    for (Thread taker : takers) {
      taker.join();
    }
    assertEquals(threads * perThread, publicKeys.size(), "distinct public keys among all pairs taken");
  }

  @Test
  void theEmptiedPoolIsRefilledAndItsPairsAgree() throws Exception {
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < KeyPairPool.CAPACITY + 1; i++) { // one more than the pool holds
      taken.add(Arrays.toString(new KeyAgreement25519().publicKey()));
    }
    // Refilled to the full capacity, less any pair the last takes got from the refill itself
    // (a take that leaves more than half does not start another refill).
    Await.until(
        Duration.ofSeconds(30),
        "the pool holds more than half of its " + KeyPairPool.CAPACITY + " pairs again",
        () -> KeyPairPool.available() > KeyPairPool.CAPACITY / 2);
    KeyAgreement25519 a = new KeyAgreement25519();
    KeyAgreement25519 b = new KeyAgreement25519();
    assertTrue(
        Arrays.equals(a.sharedSecret(b.publicKey()), b.sharedSecret(a.publicKey())),
        "two pooled pairs agree on one secret");
    taken.add(Arrays.toString(a.publicKey()));
    taken.add(Arrays.toString(b.publicKey()));
    assertEquals(KeyPairPool.CAPACITY + 3, taken.size(), "distinct public keys before and after the refill");
  }
}
