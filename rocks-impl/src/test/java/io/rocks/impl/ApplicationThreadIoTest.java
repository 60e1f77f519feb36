package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The application's threads read frames and send acknowledgements themselves while bytes stream
 * (see {@code RockStreams.read}): what must still hold when they stop, are interrupted, or send from a
 * small buffer.
 */
public class ApplicationThreadIoTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  /**
   * A sender whose in-flight buffer is smaller than a quarter of the receiver's window would wait
   * for a heartbeat's acknowledgement every time it filled (16 MiB in 64 KiB steps at 500 ms: over
   * two minutes); its DATA_ACK frames ask for acknowledgements as it goes.
   */
  @Test
  @Timeout(120)
  void aSmallInFlightBufferAsksForAcknowledgements() throws Exception {
    RockOptions small = RockOptions.builder().inFlightCapacity(64 * KIB).build();
    try (RockPair pair = new RockPair(small, RockOptions.defaults());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      long bytes = 16L * MIB;
      long start = System.nanoTime();
      Future<Transfer.Digest> got =
          pool.submit(() -> Transfer.receive(pair.accepted.getInputStream(), new AtomicLong()));
      Transfer.Digest sent = RockTransferTest.sendThenShutdown(pair.client, bytes, 7);
      assertEquals(sent, got.get(60, TimeUnit.SECONDS));
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      assertTrue(seconds < 30, "16 MiB through a 64 KiB in-flight buffer took " + seconds + " s");
      assertEquals(0, pair.clientRock().stats().suspensions());
    }
  }

  /**
   * An application that read for a while and then stops reading leaves the connection to the
   * rock's reader thread: acknowledgements and heartbeats are still read, so the peer's writes
   * complete and nothing suspends.
   */
  @Test
  @Timeout(60)
  void aReaderThatStopsReadingLeavesTheConnectionReadByTheRock() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      CountDownLatch trouble = pair.troubleFromNowOn();
      OutputStream serverOut = pair.accepted.getOutputStream();
      InputStream clientIn = pair.client.getInputStream();
      byte[] chunk = new byte[64 * KIB];
      for (int i = 0; i < 16; i++) { // 1 MiB, read as it comes: the client's thread reads frames
        serverOut.write(chunk);
        clientIn.readNBytes(chunk.length);
      }
      OutputStream clientOut = pair.client.getOutputStream();
      clientOut.write(new byte[512 * KIB]); // acknowledged only if the client side reads frames
      serverOut.write(new byte[512 * KIB]); // fits in the client's window unread
      Await.until(Duration.ofSeconds(20), "the client's 512 KiB acknowledged, nobody reading",
          () -> pair.clientRock().stats().bytesAcknowledged() == 512L * KIB);
      // The observation: for four failure-detection times with nobody reading, neither rock
      // reports a suspension or an end (the listeners count any).
      long heartbeatsWorth = 4 * RockOptions.defaults().failureDetectionTime().toMillis();
      assertFalse(trouble.await(heartbeatsWorth, TimeUnit.MILLISECONDS),
          "a rock suspended or ended while the client's application did not read: " + pair.clientRock().describe());
      assertEquals(RockState.CONNECTED, pair.clientRock().state());
      assertEquals(0, pair.clientRock().stats().suspensions());
      assertEquals(0, pair.serverRock().stats().suspensions());
      assertEquals(512 * KIB, clientIn.readNBytes(512 * KIB).length);
    }
  }

  /**
   * A new rock's first read takes WELCOME on the application's thread; when the server never
   * answers, that read fails the rock once its time to establish runs out (each HELLO waits the
   * handshake timeout, and the rock says HELLO again while the time lasts: here the reconnect
   * timeout bounds it to 2 s), as the reader thread does for an application that does not read.
   */
  @Test
  @Timeout(60)
  void aSilentServerFailsTheHandshakeWhetherOrNotTheApplicationReads() throws Exception {
    RockOptions options = RockOptions.builder()
        .handshakeTimeout(Duration.ofSeconds(1)).reconnectTimeout(Duration.ofSeconds(2)).build();
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      java.net.InetSocketAddress address =
          new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), silent.getLocalPort());
      for (boolean reads : new boolean[] {true, false}) {
        long start = System.nanoTime();
        io.rocks.RockSocket socket = io.rocks.Rocks.connectRock(address, options);
        try (java.net.Socket held = silent.accept()) { // accepted, never answered
          if (reads) {
            IOException error =
                org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> socket.getInputStream().read());
            assertTrue(error.getMessage().contains("no answer to the rock handshake within 1000 ms"), error.getMessage());
          } else {
            Await.until(Duration.ofSeconds(20), "the rock fails without a read",
                () -> socket.rock().state() == RockState.FAILED);
          }
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          assertEquals(RockState.FAILED, socket.rock().state(), reads ? "reading" : "not reading");
          assertTrue(millis >= 1000 && millis < 15_000, "failed after " + millis + " ms");
          socket.close();
        }
      }
    }
  }

  /**
   * A thread interrupted in {@code read} gets an {@link InterruptedIOException}, even when it was
   * reading frames itself (the interrupt then closes the connection's channel under it, for a
   * platform thread as for a virtual one): the rock recovers like from any broken connection, and
   * another thread reads on with nothing lost.
   */
  @ParameterizedTest(name = "virtual {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(120)
  void anInterruptedReaderLosesNothing(boolean virtual) throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      long bytes = 8L * MIB;
      CountDownLatch release = new CountDownLatch(1);
      Future<Transfer.Digest> sent =
          pool.submit(() -> RockTransferTest.sendThenShutdown(pair.accepted, bytes, 11, MIB, release));
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      AtomicLong received = new AtomicLong();
      InputStream in = pair.client.getInputStream();
      CompletableFuture<IOException> firstReaderEnd = new CompletableFuture<>();
      Thread firstReader =
          (virtual ? Thread.ofVirtual() : Thread.ofPlatform())
              .start(
                  () -> {
                    byte[] buf = new byte[32 * KIB];
                    try {
                      while (true) {
                        int n = in.read(buf);
                        synchronized (digest) {
                          digest.update(buf, 0, n);
                        }
                        received.addAndGet(n);
                      }
                    } catch (IOException e) {
                      firstReaderEnd.complete(e);
                    } catch (RuntimeException e) {
                      firstReaderEnd.completeExceptionally(e);
                    }
                  });
      Await.until(Duration.ofSeconds(30), "the first MiB read", () -> received.get() == MIB);
      firstReader.interrupt(); // blocked in read: the sender holds the rest back
      IOException end = firstReaderEnd.get(30, TimeUnit.SECONDS);
      assertInstanceOf(InterruptedIOException.class, end, "what the interrupted reader got: " + end);
      firstReader.join();
      release.countDown();

      Future<Long> rest =
          pool.submit(
              () -> {
                byte[] buf = new byte[32 * KIB];
                long total = 0;
                for (int n; (n = in.read(buf)) >= 0; ) {
                  synchronized (digest) {
                    digest.update(buf, 0, n);
                  }
                  total += n;
                }
                return total;
              });
      assertEquals(bytes - MIB, rest.get(60, TimeUnit.SECONDS));
      Transfer.Digest expected = Transfer.expected(bytes, 11, 64 * KIB);
      assertEquals(expected, sent.get(30, TimeUnit.SECONDS));
      assertEquals(expected, new Transfer.Digest(bytes, HexFormat.of().formatHex(digest.digest())));
    }
  }
}
