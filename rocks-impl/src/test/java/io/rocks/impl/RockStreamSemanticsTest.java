package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Concurrent writers, half-close and close behave as on a plain socket, across failures. */
public class RockStreamSemanticsTest {

  @Test
  @Timeout(120)
  void keepsEachWriteWholeWhenSeveralThreadsWriteAcrossFailures() throws Exception {
    int writers = 4;
    int recordsEach = 1500;
    try (RockPair pair = new RockPair(RockOptions.defaults());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      OutputStream out = pair.client.getOutputStream();
      List<Future<?>> writing = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        writing.add(pool.submit(() -> {
          for (int seq = 0; seq < recordsEach; seq++) {
            out.write(record(writer, seq));
          }
          return null;
        }));
      }
      Future<int[]> reading = pool.submit(() -> readRecords(pair, writers, writers * recordsEach));
      for (int fault = 0; fault < 4; fault++) {
        long target = (fault + 1) * 2L * 1024 * 1024;
        Await.until(Duration.ofSeconds(60), "progress before fault " + fault,
            () -> pair.serverRock().stats().bytesReceived() >= target
                && pair.clientRock().state() == RockState.CONNECTED);
        int before = pair.clientRock().stats().suspensions();
        pair.relay.reset();
        Await.until(Duration.ofSeconds(20), "client suspends after reset " + fault,
            () -> pair.clientRock().stats().suspensions() > before);
      }
      for (Future<?> f : writing) {
        f.get(60, TimeUnit.SECONDS);
      }
      int[] perWriter = reading.get(60, TimeUnit.SECONDS);
      for (int w = 0; w < writers; w++) {
        assertEquals(recordsEach, perWriter[w], "records from writer " + w);
      }
      assertEquals(4, pair.clientRock().stats().suspensions());
    }
  }

  /** A record: writer (4 bytes), sequence (4), length (4), then that many seeded bytes. */
  private static byte[] record(int writer, int seq) {
    SplittableRandom random = new SplittableRandom(writer * 1_000_003L + seq);
    int length = 1 + random.nextInt(8 * 1024);
    byte[] payload = new byte[length];
    random.nextBytes(payload);
    return ByteBuffer.allocate(12 + length).putInt(writer).putInt(seq).putInt(length).put(payload).array();
  }

  private static int[] readRecords(RockPair pair, int writers, int total) throws Exception {
    DataInputStream in = new DataInputStream(pair.accepted.getInputStream());
    int[] next = new int[writers];
    for (int i = 0; i < total; i++) {
      int writer = in.readInt();
      int seq = in.readInt();
      int length = in.readInt();
      byte[] payload = new byte[length];
      in.readFully(payload);
      assertEquals(next[writer], seq, "sequence of writer " + writer);
      byte[] expected = record(writer, seq);
      assertArrayEquals(Arrays.copyOfRange(expected, 12, 12 + length), payload,
          "payload of writer " + writer + " record " + seq);
      next[writer]++;
    }
    return next;
  }

  @Test
  @Timeout(120)
  void deliversHalfCloseAndCloseAcrossCuts() throws Exception {
    // Fits in the receive window plus the in-flight buffer, so it is all written before any read.
    long requestBytes = 3L * 512 * 1024;
    long responseBytes = 3L * 1024 * 1024;
    try (RockPair pair = new RockPair(RockOptions.defaults());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Transfer.Digest> request = pool.submit(() -> RockTransferTest.sendThenShutdown(pair.client, requestBytes, 11));
      // Cut once the whole request and the FIN were handed to the rock but before the server read any.
      Await.until(Duration.ofSeconds(60), "request written and output shut down",
          () -> pair.client.isOutputShutdown());
      pair.relay.reset();
      Await.until(Duration.ofSeconds(30), "client suspends", () -> pair.clientRock().stats().suspensions() == 1);

      Transfer.Digest received = Transfer.receive(pair.accepted.getInputStream(), new AtomicLong());
      assertEquals(Transfer.expected(requestBytes, 11, 64 * 1024), received);
      assertEquals(received, request.get(10, TimeUnit.SECONDS));

      Future<Transfer.Digest> response = pool.submit(() -> Transfer.receive(pair.client.getInputStream(), new AtomicLong()));
      Transfer.Digest sent = Transfer.send(pair.accepted.getOutputStream(), responseBytes, 12, 64 * 1024, new AtomicLong());
      pair.relay.cutSilently(); // the close must cross a silent cut too
      pair.accepted.close();
      Await.until(Duration.ofSeconds(30), "client notices the cut", () -> pair.clientRock().stats().suspensions() == 2);
      pair.relay.restore();
      assertEquals(sent, response.get(60, TimeUnit.SECONDS));
      assertEquals(Transfer.expected(responseBytes, 12, 64 * 1024), sent);

      Await.until(Duration.ofSeconds(30), "both sides close in order",
          () -> pair.clientRock().state() == RockState.CLOSED && pair.serverRock().state() == RockState.CLOSED);
      // The server forgets the rock once it has ended, just after its state says so.
      Await.until(Duration.ofSeconds(10), "the server socket forgets the closed rock",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 0);
      assertEquals(-1, pair.client.getInputStream().read());
    }
  }
}
