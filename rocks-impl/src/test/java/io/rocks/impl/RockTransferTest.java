package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Exact delivery through an in-process relay that cuts and resets the link many times. */
public class RockTransferTest {
  private static final long MIB = 1024 * 1024;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void deliversEveryByteBothWaysAcrossTwentyFailures() throws Exception {
    long bytesEachWay = 32 * MIB;
    int faults = 20;
    try (RockPair pair = new RockPair(RockOptions.defaults());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // Each sender stops at 90% until the last fault is injected, so the transfer cannot end
      // while faults remain; every fault's progress target lies below 2 x 90%.
      TwoWayTransfer transfer = new TwoWayTransfer(pair, pool, bytesEachWay, 1, 2);

      long step = 2 * bytesEachWay / (faults + 5);
      for (int fault = 0; fault < faults; fault++) {
        long target = (fault + 1) * step;
        int faultNumber = fault;
        Await.until(Duration.ofMinutes(2),
            () -> "progress to " + target + " bytes before fault " + faultNumber + "; client "
                + pair.clientRock().describe() + "; server " + pair.serverRock().describe(),
            () -> transfer.received() >= target && pair.clientRock().state() == RockState.CONNECTED);
        int suspensionsBefore = pair.clientRock().stats().suspensions();
        String kind = fault % 2 == 0 ? "reset" : "silent cut";
        if (fault % 2 == 0) {
          pair.relay.reset();
        } else {
          pair.relay.cutSilently();
        }
        Await.until(Duration.ofSeconds(20), "client suspends after " + kind + " " + fault,
            () -> pair.clientRock().stats().suspensions() > suspensionsBefore);
        pair.relay.restore();
      }
      transfer.release();
      transfer.assertDeliveredExactly(Duration.ofMinutes(3));
      assertEquals(faults, pair.relay.faultsInjected());
      assertEquals(faults, pair.clientRock().stats().suspensions());
      // Acknowledgements travel after the data: the last ones may still be on their way.
      Await.until(Duration.ofSeconds(10), "every byte acknowledged both ways",
          () -> pair.clientRock().stats().bytesAcknowledged() == bytesEachWay
              && pair.serverRock().stats().bytesAcknowledged() == bytesEachWay);
    }
  }

  static Transfer.Digest sendThenShutdown(Socket socket, long bytes, long seed) throws Exception {
    return sendThenShutdown(socket, bytes, seed, Long.MAX_VALUE, new CountDownLatch(0));
  }

  /** Sends {@code bytes}, waiting for {@code release} before writing past {@code holdAt}. */
  static Transfer.Digest sendThenShutdown(
      Socket socket, long bytes, long seed, long holdAt, CountDownLatch release) throws Exception {
    OutputStream gated =
        new FilterOutputStream(socket.getOutputStream()) {
          private long written;

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (written + len > holdAt) {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while held at " + written + " bytes");
              }
            }
            out.write(b, off, len);
            written += len;
          }
        };
    Transfer.Digest digest = Transfer.send(gated, bytes, seed, 64 * 1024, new AtomicLong());
    socket.shutdownOutput();
    return digest;
  }

  static Transfer.Digest receiveAll(Socket socket) throws Exception {
    InputStream in = socket.getInputStream();
    return Transfer.receive(in, new AtomicLong());
  }
}
