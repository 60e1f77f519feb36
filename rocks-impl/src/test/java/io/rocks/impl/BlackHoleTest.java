package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockSecret;
import io.rocks.RockState;
import io.rocks.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact delivery across paths that stop draining: the relay stops reading, so each end's kernel
 * buffers fill, its writes block, and neither end sees a FIN or a reset. Both directions stream at
 * once, so a writer is always blocked in a socket write when the path dies; the rock must close
 * that connection without waiting for it, reconnect and resume.
 *
 * <p>Each run injects four faults: twice only the current link dies and a new connection works at
 * once (one route died, another works), and twice the whole path is dead until a reconnection
 * attempt has failed into it.
 */
public class BlackHoleTest {
  private static final long BYTES = 24L * 1024 * 1024;
  /**
   * Windows larger than what the kernel buffers between the two rocks hold (the rock's send
   * buffer grows to 4 MiB on loopback, the relay holds 256 KiB per socket), so a writer blocks
   * in a socket write when the path dies, as on a long path with a large window.
   */
  private static final int WINDOW_BYTES = 16 * 1024 * 1024;
  private static final int FAULTS = 4;

  @TempDir static Path dir;
  private static RockOptions tlsServer;
  private static RockOptions tlsClient;

  @BeforeAll
  static void makeCertificates() throws Exception {
    RockOptions[] serverAndClient = TestCertificates.serverAndClient(dir);
    tlsServer = serverAndClient[0];
    tlsClient = serverAndClient[1];
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aRockResumesExactlyWhenItsPathStopsDraining() throws Exception {
    deliverAcrossBlackHoles(RockOptions.defaults(), RockOptions.defaults());
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aTlsRockResumesExactlyWhenItsPathStopsDraining() throws Exception {
    deliverAcrossBlackHoles(tlsClient, tlsServer);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aRockWithAPreSharedSecretResumesExactlyWhenItsPathStopsDraining() throws Exception {
    RockSecret secret = RockSecret.of("0123456789abcdef0123456789abcdef".getBytes());
    RockOptions options = RockOptions.builder().preSharedSecret(secret).build();
    deliverAcrossBlackHoles(options, options);
  }

  private static RockOptions wide(RockOptions options) {
    return options.toBuilder().inFlightCapacity(WINDOW_BYTES).receiveWindow(WINDOW_BYTES).build();
  }

  private static void deliverAcrossBlackHoles(RockOptions client, RockOptions server) throws Exception {
    try (RockPair pair = new RockPair(wide(client), wide(server));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      AtomicInteger failedAttempts = new AtomicInteger();
      pair.clientRock().addListener(new RockListener() {
        @Override
        public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable cause) {
          failedAttempts.incrementAndGet();
        }
      });
      TwoWayTransfer transfer = new TwoWayTransfer(pair, pool, BYTES, 11, 12); // held at 90% until released

      long step = 2 * BYTES / (FAULTS + 3);
      for (int fault = 0; fault < FAULTS; fault++) {
        long target = (fault + 1) * step;
        int number = fault;
        Await.until(Duration.ofSeconds(60),
            () -> "progress to " + target + " bytes before black hole " + number + "; client "
                + pair.clientRock().describe() + "; server " + pair.serverRock().describe(),
            () -> transfer.received() >= target
                && pair.clientRock().state() == RockState.CONNECTED
                && pair.serverRock().state() == RockState.CONNECTED);
        int suspensions = pair.clientRock().stats().suspensions();
        if (fault % 2 == 0) {
          pair.relay.blackHoleCurrentLinks(); // the old route died; a new connection gets through
        } else {
          int attempts = failedAttempts.get();
          pair.relay.blackHole(); // nothing gets through until the relay is restored
          Await.until(Duration.ofSeconds(30), "a reconnection attempt fails into the black hole " + number,
              () -> failedAttempts.get() > attempts);
          pair.relay.restore();
        }
        Await.until(Duration.ofSeconds(30),
            () -> "both sides resume after black hole " + number + "; client "
                + pair.clientRock().describe() + "; server " + pair.serverRock().describe(),
            () -> pair.clientRock().stats().suspensions() == suspensions + 1
                && pair.clientRock().state() == RockState.CONNECTED
                && pair.serverRock().state() == RockState.CONNECTED);
        pair.relay.restore(); // closes the dead links the rocks left behind
      }
      transfer.release();
      transfer.assertDeliveredExactly(Duration.ofSeconds(60));
      assertEquals(FAULTS, pair.relay.faultsInjected());
      assertEquals(FAULTS, pair.clientRock().stats().suspensions());
      // Both sides shut their output down after sending: the rock ends in order, not failed.
      Await.until(Duration.ofSeconds(10), "both sides end CLOSED",
          () -> pair.clientRock().state() == RockState.CLOSED
              && pair.serverRock().state() == RockState.CLOSED);
    }
  }
}
