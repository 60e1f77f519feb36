package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.io.Connection;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A new rock whose first connection breaks before WELCOME, or whose HELLO a busy server refuses
 * for now, says HELLO again on a new connection until its time to establish (30 s by default,
 * {@code ClientEstablishment.windowNanos}) runs out: a slow or overloaded server costs it time, not
 * the rock.
 * What the application wrote meanwhile arrives exactly once.
 */
public class HelloAgainTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final byte[] REQUEST = "written before WELCOME\n".getBytes();

  @Test
  @Timeout(60)
  void aRockWhoseFirstConnectionBrokeBeforeWelcomeConnectsOnTheNext() throws Exception {
    try (RockServerSocket server = Rocks.serverSocket(0, LOOPBACK, RockOptions.defaults());
        FaultRelay relay = new FaultRelay(new InetSocketAddress(LOOPBACK, server.getLocalPort()))) {
      relay.blackHole(); // the first connection is accepted and never answered
      RockSocket client = Rocks.connect(relay.address(), RockOptions.defaults());
      client.getOutputStream().write(REQUEST);
      Await.until(Duration.ofSeconds(10), "the first connection reaches the relay", () -> relay.acceptedConnections() == 1);
      relay.restore(); // closes it, before WELCOME
      server.setSoTimeout(20_000);
      try (client; RockSocket accepted = server.accept()) {
        assertArrayEquals(REQUEST, accepted.getInputStream().readNBytes(REQUEST.length));
        accepted.getOutputStream().write(9);
        assertEquals(9, client.getInputStream().read());
        assertEquals(RockState.CONNECTED, client.rock().state());
        assertEquals(0, client.rock().stats().suspensions());
        assertEquals(2, relay.acceptedConnections(), "one HELLO more, on a new connection");
        assertEquals(0, accepted.getInputStream().available(), "nothing arrived twice");
      }
    }
  }

  @Test
  @Timeout(60)
  void aRockRefusedForAFullBacklogGetsInOnceTheApplicationAccepts() throws Exception {
    try (var server = Rocks.serverSocket(new InetSocketAddress(LOOPBACK, 0), 1, RockOptions.defaults())) {
      InetSocketAddress address = new InetSocketAddress(LOOPBACK, server.getLocalPort());
      RockSocket first = Rocks.connect(address, RockOptions.defaults());
      first.getOutputStream().write(1);
      Await.until(Duration.ofSeconds(10), "the first rock waits to be accepted",
          () -> first.rock().state() == RockState.CONNECTED);
      RockSocket second = Rocks.connect(address, RockOptions.defaults()); // refused: backlog full
      second.getOutputStream().write(REQUEST);
      Socket accepted = server.accept(); // makes room; the second says HELLO again
      assertEquals(1, accepted.getInputStream().read());
      server.setSoTimeout(20_000);
      Socket acceptedSecond = server.accept();
      assertArrayEquals(REQUEST, acceptedSecond.getInputStream().readNBytes(REQUEST.length));
      acceptedSecond.getOutputStream().write(7);
      assertEquals(7, second.getInputStream().read());
      for (Socket socket : List.of(first, second, accepted, acceptedSecond)) {
        socket.setSoLinger(true, 0);
        socket.close();
      }
    }
  }

  @Test
  @Timeout(60)
  void aRockGivesUpOnceItsTimeToEstablishRunsOut() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket slammer = new ServerSocket(0, 50, LOOPBACK)) {
      Thread.ofVirtual().start(() -> {
        while (true) {
          try (Socket socket = slammer.accept()) {
            connections.incrementAndGet(); // closes every connection at once, unanswered
          } catch (IOException closed) {
            return;
          }
        }
      });
      // Its time to establish: 30 s, or connect plus handshake timeout if longer, but no longer
      // than the reconnect timeout, here 2 s.
      RockOptions options = RockOptions.builder().connectTimeout(Duration.ofSeconds(1))
          .handshakeTimeout(Duration.ofSeconds(1)).reconnectTimeout(Duration.ofSeconds(2)).build();
      long start = System.nanoTime();
      RockSocket client = Rocks.connect(new InetSocketAddress(LOOPBACK, slammer.getLocalPort()), options);
      IOException failure = assertThrows(IOException.class, () -> client.getInputStream().read());
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(failure.getMessage().contains("failed before it was established: connection closed by the peer's end"),
          failure.getMessage());
      assertEquals(RockState.FAILED, client.rock().state());
      assertTrue(connections.get() > 1, "it said HELLO again: " + connections.get() + " connections");
      assertTrue(tookMillis >= 1_900 && tookMillis < 10_000, "gave up after " + tookMillis + " ms");
    } finally {
      accepted.forEach(Connection::closeQuietly);
    }
  }
}
