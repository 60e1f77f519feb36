package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An abort ({@code SO_LINGER} 0) tells the peer with a CLOSE frame, written like every other frame
 * by the one thread that holds the rock's send lock, so it can never land inside another thread's
 * batch. The frames are read from what the client wrote on the wire, as an observer records them.
 */
public class AbortTest {
  private static final int RESUME_AND_PROOF_BYTES =
      2 * Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.RESUME) + Wire.handshakeBodyBytes(Wire.PROOF);

  @Test
  @Timeout(60)
  void anAbortTellsThePeerWithACloseFrameAfterTheFramesBeforeIt() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      List<Byte> frames = framesOfAnAbort(pair, false);
      assertEquals(Wire.CLOSE, (byte) frames.getLast(), "frames " + frames);
      Await.until(Duration.ofSeconds(10), "the server ends on the CLOSE",
          () -> pair.serverRock().state() == RockState.CLOSED);
    }
  }

  @Test
  @Timeout(60)
  void anAbortWritesNoCloseInsideABatchAnotherThreadIsWriting() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      // The test thread holds the send lock as a writer between two write calls of one batch does.
      List<Byte> frames = framesOfAnAbort(pair, true);
      assertEquals(List.of(), frames.stream().filter(type -> type == Wire.CLOSE).toList(), "frames " + frames);
    }
  }

  /**
   * Resumes the pair's client over a link the relay records, echoes once, aborts the client
   * (holding its send lock meanwhile if {@code sendLockHeld}) and returns the types of the frames
   * the client wrote on that link after its PROOF, in order.
   */
  private static List<Byte> framesOfAnAbort(RockPair pair, boolean sendLockHeld) throws Exception {
    RockFailureTest.echoOnce(pair);
    pair.relay.recordUpstream(64 * 1024);
    pair.relay.reset();
    Await.until(Duration.ofSeconds(30), "the client resumes over a recorded link",
        () -> pair.clientRock().stats().suspensions() == 1 && pair.clientRock().state() == RockState.CONNECTED);
    RockFailureTest.echoOnce(pair);
    CountDownLatch aborted = new CountDownLatch(1);
    Thread sender = null;
    if (sendLockHeld) {
      CountDownLatch held = new CountDownLatch(1);
      sender = Thread.ofVirtual().start(() -> {
        ReentrantLock sendLock = pair.clientRock().sendLockForTests();
        sendLock.lock();
        try {
          held.countDown();
          aborted.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          sendLock.unlock();
        }
      });
      held.await();
    }
    pair.client.setSoLinger(true, 0);
    pair.client.close();
    aborted.countDown();
    if (sender != null) {
      sender.join();
    }
    assertEquals(RockState.CLOSED, pair.clientRock().state());
    Await.until(Duration.ofSeconds(10), "the recorded link ends", () -> !pair.relay.upstreamRecordings().isEmpty());
    byte[] recorded = pair.relay.upstreamRecordings().getFirst();
    assertEquals(Wire.RESUME, recorded[5]);
    FrameReader reader = new FrameReader(
        new ByteArrayInputStream(recorded, RESUME_AND_PROOF_BYTES, recorded.length - RESUME_AND_PROOF_BYTES));
    List<Byte> types = new ArrayList<>();
    while (true) {
      try {
        types.add(reader.nextFrame()); // a CLOSE inside a frame would make the rest undecodable
      } catch (EOFException end) {
        return types;
      }
    }
  }
}
