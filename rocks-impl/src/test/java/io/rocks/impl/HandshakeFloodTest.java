package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 connections that never finish the handshake, in waves of 2,000 open at once (the file
 * descriptor limit of one test JVM holds both ends): silent ones, HELLOs cut short, and HELLOs
 * trickled a byte at a time so that no single read times out. Each is closed by the server (a
 * connection it left open times out on the client's side and is not counted), memory stays
 * bounded, and real rocks connect and resume throughout.
 */
public class HandshakeFloodTest {
  private static final int TOTAL = 10_000;
  private static final int WAVE = 2_000;

  /**
   * Sends HELLOs one byte every 400 ms, never finishing them (40 of their bytes in 16 s): each read
   * of the server's gets a byte within its read timeout, so only the deadline on the whole
   * handshake closes such a connection before the client's 15 s read timeout. One timer thread
   * paces every trickling socket; a socket leaves once a write fails (it was closed) or its 40
   * bytes are out.
   */
  private static final class Trickle implements AutoCloseable {
    private static final byte[] HELLO = new byte[Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.HELLO)];

    static {
      byte[] header = {'R', 'O', 'C', 'K', Wire.VERSION, Wire.HELLO};
      System.arraycopy(header, 0, HELLO, 0, header.length);
    }

    private final Map<Socket, Integer> sent = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "flood-trickle"));

    Trickle() {
      timer.scheduleAtFixedRate(this::tick, 400, 400, TimeUnit.MILLISECONDS);
    }

    void add(Socket socket) {
      sent.put(socket, 0);
    }

    private void tick() {
      for (Map.Entry<Socket, Integer> entry : sent.entrySet()) {
        int next = entry.getValue();
        try {
          entry.getKey().getOutputStream().write(HELLO[next]);
          if (next + 1 < 40) {
            entry.setValue(next + 1);
          } else {
            sent.remove(entry.getKey());
          }
        } catch (IOException closed) {
          sent.remove(entry.getKey()); // the server or the test closed it
        }
      }
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }

  @Test
  @Timeout(300)
  void halfOpenHandshakesAreTimedOutWhileRealRocksConnectAndResume() throws Exception {
    RockOptions server = RockOptions.builder().handshakeTimeout(Duration.ofSeconds(1)).build();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (RockPair pair = new RockPair(RockOptions.defaults(), server);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        Trickle trickle = new Trickle()) {
      RockFailureTest.echoOnce(pair);
      System.gc();
      long baseline = memory.getHeapMemoryUsage().getUsed();
      AtomicLong peak = new AtomicLong(baseline);
      AtomicInteger closedByServer = new AtomicInteger();
      int port = pair.server.getLocalPort();
      for (int wave = 0; wave < TOTAL / WAVE; wave++) {
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
          Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
          // Far beyond the server's deadline (1 s, at most twice that when its JVM stalls), so
          // only a server that never closes the connection lets this read time out.
          socket.setSoTimeout(15_000);
          if (i % 4 == 0 || i % 4 == 2) {
            socket.getOutputStream().write(new byte[] {'R', 'O', 'C', 'K', Wire.VERSION, Wire.HELLO, 0, 0}); // a HELLO cut short
          } else if (i % 4 == 1) {
            trickle.add(socket);
          }
          flood.add(socket);
        }
        List<Future<?>> waiting = new ArrayList<>();
        for (Socket socket : flood) {
          waiting.add(pool.submit(() -> {
            try (socket) {
              if (socket.getInputStream().read() < 0) {
                closedByServer.incrementAndGet();
              }
            } catch (SocketTimeoutException notClosed) {
              // The server left it open (its handshake deadline did not fire): not counted.
            } catch (IOException reset) {
              closedByServer.incrementAndGet(); // closed with a reset: closed all the same
            }
            return null;
          }));
        }
        // While this wave is pending, a real rock connects, and the pair survives a reset.
        RockSocket fresh = Rocks.connectRock(pair.relay.address(), RockOptions.defaults());
        RockSocket accepted = (RockSocket) pair.server.accept();
        fresh.getOutputStream().write(wave);
        assertEquals(wave, accepted.getInputStream().read());
        int before = pair.clientRock().stats().suspensions();
        pair.relay.reset();
        Await.until(Duration.ofSeconds(20), "resumed during wave " + wave,
            () -> pair.clientRock().stats().suspensions() > before && pair.clientRock().state() == RockState.CONNECTED);
        RockFailureTest.echoOnce(pair);
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        for (Future<?> f : waiting) {
          f.get(60, TimeUnit.SECONDS);
        }
        fresh.setSoLinger(true, 0);
        fresh.close();
        accepted.setSoLinger(true, 0);
        accepted.close();
      }
      assertEquals(TOTAL, closedByServer.get(), "every half-open connection was closed by the server");
      long growthMiB = (peak.get() - baseline) >> 20;
      System.out.printf("flood: %d half-open connections, heap grew by at most %d MiB%n", TOTAL, growthMiB);
      assertTrue(growthMiB < 256, "heap grew by " + growthMiB + " MiB");
      Await.until(Duration.ofSeconds(20), "only the pair's rock is left",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 1);
    }
  }
}
