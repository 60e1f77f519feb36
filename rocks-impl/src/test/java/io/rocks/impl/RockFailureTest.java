package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failure detection, false-suspension resistance, the reconnect timeout, and socket semantics. */
public class RockFailureTest {

  @Test
  @Timeout(60)
  void detectsSilentCutWithinTheConfiguredBound() throws Exception {
    RockOptions options = RockOptions.defaults();
    try (RockPair pair = new RockPair(options)) {
      echoOnce(pair);
      long cutAt = System.nanoTime();
      pair.relay.cutSilently();
      Await.until(Duration.ofSeconds(30), "client suspends",
          () -> pair.clientRock().state() == RockState.SUSPENDED);
      long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
      Await.until(Duration.ofSeconds(30), "server suspends",
          () -> pair.serverRock().state() == RockState.SUSPENDED);
      long bound = options.failureDetectionTime().toMillis();
      // Detection cannot come before the silence threshold; the upper bound allows a loaded machine.
      assertTrue(detectedMillis >= bound - options.heartbeatInterval().toMillis(),
          "detected after " + detectedMillis + " ms, before the " + bound + " ms threshold");
      assertTrue(detectedMillis <= bound + 3_000,
          "detected after " + detectedMillis + " ms, bound " + bound + " ms");
      pair.relay.restore();
      Await.until(Duration.ofSeconds(30), "both resume",
          () -> pair.clientRock().state() == RockState.CONNECTED
              && pair.serverRock().state() == RockState.CONNECTED);
      echoOnce(pair);
      assertEquals(1, pair.clientRock().stats().suspensions());
      assertEquals(1, pair.serverRock().stats().suspensions());
    }
  }

  @Test
  @Timeout(120)
  void staysConnectedWhileTheApplicationDoesNotReadWithTheWindowFull() throws Exception {
    // Idle mode may begin after 1 s, but not here: data waits unread and unacknowledged. The
    // timing rules behind this run in SessionSimulationTest, through read pauses of up to 40 s on
    // a virtual clock; this checks the shell (reader, writer and watch) over 5 s of real time.
    RockOptions options = RockOptions.builder().receiveWindow(64 * 1024).inFlightCapacity(64 * 1024)
        .idleAfter(Duration.ofSeconds(1)).build();
    try (RockPair pair = new RockPair(options);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // The server writes far more than the window and buffer hold; the client reads nothing.
      long total = 8L * 1024 * 1024;
      Future<Transfer.Digest> sent = pool.submit(() -> RockTransferTest.sendThenShutdown(pair.accepted, total, 7));
      Await.until(Duration.ofSeconds(20), "window and in-flight buffer fill",
          () -> pair.serverRock().stats().bytesWritten() == 128 * 1024);
      // For 5 s the application reads nothing: no side may suspend, close or fail meanwhile.
      assertEquals(false, pair.troubleFromNowOn().await(5, TimeUnit.SECONDS),
          "a rock suspended, closed or failed");
      assertEquals(false, pair.clientRock().idle(), "idle with unread data");
      assertEquals(false, pair.serverRock().idle(), "idle with unacknowledged data");
      assertEquals(RockState.CONNECTED, pair.clientRock().state());
      assertEquals(RockState.CONNECTED, pair.serverRock().state());
      assertEquals(0, pair.clientRock().stats().suspensions());
      Transfer.Digest got = Transfer.receive(pair.client.getInputStream(), new AtomicLong());
      assertEquals(Transfer.expected(total, 7, 64 * 1024), got);
      assertEquals(got, sent.get(60, TimeUnit.SECONDS));
      assertEquals(0, pair.clientRock().stats().suspensions());
      assertEquals(0, pair.serverRock().stats().suspensions());
    }
  }

  @Test
  @Timeout(90)
  void failsWithRockTimeoutExceptionAfterTheReconnectTimeoutAndLeaksNothing() throws Exception {
    RockOptions options = RockOptions.builder()
        .reconnectTimeout(Duration.ofSeconds(3))
        .connectTimeout(Duration.ofMillis(500))
        .handshakeTimeout(Duration.ofMillis(500))
        .build();
    RockPair pair = new RockPair(options);
    try {
      echoOnce(pair);
      pair.client.getOutputStream().write(new byte[1000]); // in flight when the link dies
      pair.relay.cutSilently();
      CompletableFuture<Throwable> blockedRead = CompletableFuture.supplyAsync(() -> {
        try {
          pair.client.getInputStream().read();
          return null;
        } catch (Throwable t) {
          return t;
        }
      }, Executors.newVirtualThreadPerTaskExecutor());
      Throwable readError = blockedRead.get(60, TimeUnit.SECONDS);
      RockTimeoutException timeout = assertInstanceOf(RockTimeoutException.class, readError);
      assertEquals(pair.client.rock().id(), timeout.rockId());
      assertEquals(pair.relay.address(), timeout.peer());
      assertTrue(timeout.attempts() >= 1, "attempts " + timeout.attempts());
      assertTrue(timeout.suspendedFor().compareTo(Duration.ofSeconds(3)) >= 0,
          "suspended for " + timeout.suspendedFor());
      assertTrue(timeout.getSuppressed().length >= 1, "attempt errors kept as suppressed");
      assertTrue(timeout.getMessage().contains(pair.client.rock().id().toString()), timeout.getMessage());
      assertEquals(RockState.FAILED, pair.clientRock().state());
      assertThrows(RockTimeoutException.class, () -> pair.client.getOutputStream().write(1));

      Await.until(Duration.ofSeconds(30), "server side fails too",
          () -> pair.serverRock().state() == RockState.FAILED);
      // Bytes that reached the server before the cut are still readable, then the failure shows.
      byte[] drain = new byte[4096];
      long[] drained = {0};
      IOException serverError = assertThrows(IOException.class, () -> {
        int n;
        while ((n = pair.accepted.getInputStream().read(drain)) >= 0) {
          drained[0] += n;
        }
      });
      assertTrue(drained[0] <= 1000, "drained " + drained[0]);
      RockTimeoutException serverTimeout = assertInstanceOf(RockTimeoutException.class, serverError);
      assertEquals(0, serverTimeout.attempts());
      assertEquals(pair.client.rock().id(), serverTimeout.rockId());
    } finally {
      pair.close();
    }
    RockId id = pair.client.rock().id();
    assertTrue(RockThreads.live(id) > 0 || pair.clientRock().state().isTerminal());
    Await.until(Duration.ofSeconds(30), "every thread of the rock ends, on both sides",
        () -> RockThreads.live(id) == 0);
    assertEquals(0, ((RealRockServerSocket) pair.server).liveRocks());
  }

  @Test
  @Timeout(60)
  void readTimesOutLikeAPlainSocketAndTheRockCarriesOn() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      pair.client.setSoTimeout(200);
      InputStream in = pair.client.getInputStream();
      SocketTimeoutException e = assertThrows(SocketTimeoutException.class, in::read);
      assertEquals("Read timed out", e.getMessage());
      assertEquals(RockState.CONNECTED, pair.clientRock().state());
      pair.accepted.getOutputStream().write(42);
      assertEquals(42, in.read());
    }
  }

  @Test
  @Timeout(60)
  void closingWakesBlockedReaderAndNeverHangsWhileSuspended() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      echoOnce(pair);
      CompletableFuture<Throwable> blockedRead = CompletableFuture.supplyAsync(() -> {
        try {
          pair.client.getInputStream().read();
          return null;
        } catch (Throwable t) {
          return t;
        }
      }, Executors.newVirtualThreadPerTaskExecutor());
      pair.relay.cutSilently();
      Await.until(Duration.ofSeconds(30), "client suspends",
          () -> pair.clientRock().state() == RockState.SUSPENDED);
      long start = System.nanoTime();
      pair.client.close();
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1_000, "close returned at once");
      Throwable error = blockedRead.get(10, TimeUnit.SECONDS);
      SocketException closed = assertInstanceOf(SocketException.class, error);
      assertEquals("Socket closed", closed.getMessage());
      assertTrue(pair.client.isClosed());
    }
  }

  /** Sends one byte each way and checks it arrives, proving the rock carries data now. */
  static void echoOnce(RockPair pair) throws IOException {
    OutputStream clientOut = pair.client.getOutputStream();
    clientOut.write(7);
    assertEquals(7, pair.accepted.getInputStream().read());
    pair.accepted.getOutputStream().write(9);
    assertEquals(9, pair.client.getInputStream().read());
  }
}
