package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rocks that end in order end without a suspension: thousands of request, response and close
 * cycles, both sides closing at about the same time, as a web client and server do.
 */
public class OrderlyCloseTest {
  private static final int CLIENTS = 4;
  private static final int CYCLES_EACH = 2500;

  /** Counts every lifecycle event of every rock made with the options it is installed in. */
  static final class Tally implements RockListener {
    final AtomicInteger suspended = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final Map<String, Integer> causes = new ConcurrentHashMap<>();

    @Override
    public void suspended(Rock rock, Throwable cause) {
      suspended.incrementAndGet();
      causes.merge("suspended: " + cause, 1, Integer::sum);
    }

    @Override
    public void closed(Rock rock) {
      closed.incrementAndGet();
    }

    @Override
    public void failed(Rock rock, Throwable cause) {
      failed.incrementAndGet();
      causes.merge("failed: " + cause.getMessage(), 1, Integer::sum);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void thousandsOfCloseCyclesEndEveryRockWithoutASuspension() throws Exception {
    Tally clients = new Tally();
    Tally servers = new Tally();
    RockOptions serverOptions = RockOptions.builder().listeners(List.of(servers)).build();
    RockOptions clientOptions = RockOptions.builder().listeners(List.of(clients)).build();
    int total = CLIENTS * CYCLES_EACH;
    // The pool closes last: closing the server socket first ends the accept loop.
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        RockServerSocket server = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), serverOptions)) {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
      pool.submit(() -> {
        while (true) {
          Socket accepted = server.accept();
          pool.submit(() -> answerThenClose(accepted));
        }
      });
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        running.add(pool.submit(() -> {
          for (int cycle = 0; cycle < CYCLES_EACH; cycle++) {
            byte[] request = ("request " + client + "/" + cycle + "\n").getBytes(StandardCharsets.US_ASCII);
            try (Socket socket = Rocks.connectRock(address, clientOptions)) {
              switch (cycle % 3) {
                case 0 -> {
                  socket.getOutputStream().write(request);
                  assertArrayEquals(request, socket.getInputStream().readNBytes(request.length));
                }
                case 1 -> socket.getOutputStream().write(request); // and close at once
                default -> { } // connect and close
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(150, TimeUnit.SECONDS);
      }
      Await.until(Duration.ofSeconds(30),
          () -> "every rock ends: clients closed " + clients.closed + ", servers closed " + servers.closed
              + ", " + clients.causes + " / " + servers.causes,
          () -> clients.closed.get() + clients.failed.get() == total
              && servers.closed.get() + servers.failed.get() == total);
      assertEquals(Map.of(), clients.causes, "client rocks that suspended or failed");
      assertEquals(Map.of(), servers.causes, "server rocks that suspended or failed");
      assertEquals(total, clients.closed.get());
      assertEquals(total, servers.closed.get());
    }
  }

  /** Echoes one line, then closes: the client closes at about the same moment. */
  private static Void answerThenClose(Socket socket) throws Exception {
    try (socket) {
      InputStream in = socket.getInputStream();
      java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        line.write(b);
        if (b == '\n') {
          break;
        }
      }
      socket.getOutputStream().write(line.toByteArray());
    }
    return null;
  }
}
