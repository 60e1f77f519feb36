package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Idle mode on real sockets: a rock with no application data stretches its heartbeats and says so
 * with PACE, its peer waits accordingly, the kernel's keepalive comes on, and any read or write
 * brings fast detection back at once. The timing rules themselves run in {@link
 * SessionSimulationTest} on a virtual clock; these tests check the shell around them.
 */
@Timeout(60)
public class IdleModeTest {
  /** Idle after 1 s, then a heartbeat every 2 s: a silent cut is then noticed after 6 s. */
  private static final RockOptions OPTIONS =
      RockOptions.defaults().toBuilder()
          .idleAfter(Duration.ofSeconds(1))
          .idleHeartbeatInterval(Duration.ofSeconds(2))
          .reconnectTimeout(Duration.ofSeconds(30))
          .build();

  @Test
  void anIdleRockSendsFewerHeartbeatsTurnsOnKeepaliveAndStaysConnected() throws Exception {
    try (RockPair pair = new RockPair(OPTIONS)) {
      awaitIdle(pair);
      assertTrue(pair.clientRock().keepAliveOn(), "client keepalive");
      assertTrue(pair.serverRock().keepAliveOn(), "server keepalive");
      CountDownLatch trouble = pair.troubleFromNowOn();
      long before = pair.relay.forwardedBytes();
      // 6 s idle: at most one heartbeat (an ACK, 18 bytes) per 2 s each way, so about 108 bytes;
      // the usual 500 ms would have sent 432.
      assertFalse(trouble.await(6, TimeUnit.SECONDS), "an idle rock suspended or ended");
      long bytes = pair.relay.forwardedBytes() - before;
      assertTrue(bytes <= 4 * 2 * Wire.ACK_BYTES, "bytes in 6 s of idle mode: " + bytes);
      assertEquals(RockState.CONNECTED, pair.client.rock().state());
      assertEquals(RockState.CONNECTED, pair.accepted.rock().state());
    }
  }

  @Test
  void aSilentCutOfAnIdleRockIsNoticedAfterThePeersIdleLimit() throws Exception {
    try (RockPair pair = new RockPair(OPTIONS)) {
      awaitIdle(pair);
      AtomicReference<Throwable> cause = new AtomicReference<>();
      CountDownLatch suspended = suspension(pair.client.rock(), cause);
      long cutAt = System.nanoTime();
      pair.relay.blackHole();
      assertTrue(suspended.await(20, TimeUnit.SECONDS), "the client never noticed the cut");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
      // Not at the usual 1.5 s: the peer announced 2 s heartbeats, so 3 of them may be missing.
      assertTrue(millis >= 3_500, "noticed after " + millis + " ms, before the idle limit");
      assertTrue(cause.get().getMessage().startsWith("no bytes from the peer for "), cause.get().getMessage());
      pair.relay.restore();
      Await.until(Duration.ofSeconds(20), "resumed", () -> pair.client.rock().state() == RockState.CONNECTED);
    }
  }

  @Test
  void aWriteEndsIdleModeAndACutWithDataWaitingIsNoticedFast() throws Exception {
    try (RockPair pair = new RockPair(OPTIONS)) {
      awaitIdle(pair);
      AtomicReference<Throwable> cause = new AtomicReference<>();
      CountDownLatch suspended = suspension(pair.client.rock(), cause);
      pair.relay.blackHole();
      byte[] request = "are you there?".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      long writtenAt = System.nanoTime();
      pair.client.getOutputStream().write(request);
      assertFalse(pair.clientRock().idle(), "a write ends idle mode at once");
      assertTrue(suspended.await(20, TimeUnit.SECONDS), "the client never noticed the cut");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - writtenAt);
      // Within the usual detection time (1.5 s) plus scheduling, far below the idle limit of 6 s.
      assertTrue(millis < 4_000, "noticed " + millis + " ms after the write");
      pair.relay.restore();
      InputStream in = pair.accepted.getInputStream();
      byte[] got = in.readNBytes(request.length);
      assertArrayEquals(request, got);
    }
  }

  @Test
  void aReadEndsIdleModeOnItsOwnSideAndDataEndsItOnTheOther() throws Exception {
    try (RockPair pair = new RockPair(OPTIONS)) {
      awaitIdle(pair);
      pair.accepted.setSoTimeout(50);
      try {
        pair.accepted.getInputStream().read();
      } catch (java.net.SocketTimeoutException expected) {
        // nothing was sent: the read only ends idle mode
      }
      assertFalse(pair.serverRock().idle(), "a read ends idle mode at once");
      // The server's PACE tells the client, which stays idle itself: its own side had no data.
      Await.until(Duration.ofSeconds(5), "client still idle", () -> pair.clientRock().idle());
      pair.client.getOutputStream().write(1);
      assertEquals(1, readOne(pair));
      Await.until(Duration.ofSeconds(5), "data ended the client's idle mode", () -> !pair.clientRock().idle());
    }
  }

  private static int readOne(RockPair pair) throws Exception {
    pair.accepted.setSoTimeout(10_000);
    return pair.accepted.getInputStream().read() == 1 ? 1 : 0;
  }

  /**
   * Waits until both rocks are idle and each has read the other's PACE: until then its silence
   * limit is still the usual 1.5 s.
   */
  private static void awaitIdle(RockPair pair) throws Exception {
    long idleLimit = 3 * OPTIONS.idleHeartbeatInterval().toNanos();
    Await.until(Duration.ofSeconds(15), "both rocks idle, each with the other's PACE",
        () -> pair.clientRock().idle() && pair.serverRock().idle()
            && pair.clientRock().silenceLimitNanos() == idleLimit
            && pair.serverRock().silenceLimitNanos() == idleLimit);
  }

  private static CountDownLatch suspension(Rock rock, AtomicReference<Throwable> cause) {
    CountDownLatch suspended = new CountDownLatch(1);
    rock.addListener(
        new RockListener() {
          @Override
          public void suspended(Rock r, Throwable why) {
            cause.compareAndSet(null, why);
            suspended.countDown();
          }
        });
    return suspended;
  }
}
