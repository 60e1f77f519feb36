package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.testkit.Transfer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Both ends of a {@link RockPair} send seeded bytes and then shut their output down, and read until
 * end of stream, all at once, on the pool's threads. Each sender stops at 90% of its bytes until
 * {@link #release} is called, so a test can inject every fault before the transfer can end.
 */
public final class TwoWayTransfer {
  private final long bytesEachWay;
  private final long clientSeed;
  private final long serverSeed;
  private final AtomicLong clientReceived = new AtomicLong();
  private final AtomicLong serverReceived = new AtomicLong();
  private final CountDownLatch released = new CountDownLatch(1);
  private final Future<Transfer.Digest> clientSent;
  private final Future<Transfer.Digest> serverSent;
  private final Future<Transfer.Digest> clientGot;
  private final Future<Transfer.Digest> serverGot;

  TwoWayTransfer(RockPair pair, ExecutorService pool, long bytesEachWay, long clientSeed, long serverSeed) {
    this.bytesEachWay = bytesEachWay;
    this.clientSeed = clientSeed;
    this.serverSeed = serverSeed;
    long holdAt = bytesEachWay * 9 / 10;
    clientSent = pool.submit(() -> RockTransferTest.sendThenShutdown(pair.client, bytesEachWay, clientSeed, holdAt, released));
    serverSent = pool.submit(() -> RockTransferTest.sendThenShutdown(pair.accepted, bytesEachWay, serverSeed, holdAt, released));
    clientGot = pool.submit(() -> Transfer.receive(pair.client.getInputStream(), clientReceived));
    serverGot = pool.submit(() -> Transfer.receive(pair.accepted.getInputStream(), serverReceived));
  }

  /** Returns the bytes both ends have received so far. */
  long received() {
    return clientReceived.get() + serverReceived.get();
  }

  /** Lets both senders write their last 10%. */
  void release() {
    released.countDown();
  }

  /** Asserts that each end sent, and the other received, exactly the seeded bytes (SHA-256). */
  void assertDeliveredExactly(Duration timeout) throws Exception {
    Transfer.Digest fromClient = Transfer.expected(bytesEachWay, clientSeed, 64 * 1024);
    Transfer.Digest fromServer = Transfer.expected(bytesEachWay, serverSeed, 64 * 1024);
    long millis = timeout.toMillis();
    assertEquals(fromClient, clientSent.get(millis, TimeUnit.MILLISECONDS), "what the client sent");
    assertEquals(fromServer, serverSent.get(millis, TimeUnit.MILLISECONDS), "what the server sent");
    assertEquals(fromClient, serverGot.get(millis, TimeUnit.MILLISECONDS), "what the server received");
    assertEquals(fromServer, clientGot.get(millis, TimeUnit.MILLISECONDS), "what the client received");
  }
}
