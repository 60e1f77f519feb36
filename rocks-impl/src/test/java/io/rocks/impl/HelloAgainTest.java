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
    try (RockServerSocket server = Rocks.rockServerSocket(0, LOOPBACK, RockOptions.defaults());
        FaultRelay relay = new FaultRelay(new InetSocketAddress(LOOPBACK, server.getLocalPort()))) {
      relay.blackHole(); // the first connection is accepted and never answered
      RockSocket client = Rocks.connectRock(relay.address(), RockOptions.defaults());
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

  /**
   * The server made the rock from HELLO (and the application accepted it and read what came with
   * HELLO), but WELCOME was lost with the connection: the client says the same HELLO again, the
   * server recognises it and sends the same WELCOME again, and the rock carries on, each stream
   * exactly once, instead of being refused as a rock id in use.
   */
  @Test
  @Timeout(60)
  void aRockWhoseWelcomeWasLostIsWelcomedAgain() throws Exception {
    assertWelcomedAgain(RockOptions.defaults());
  }

  /** The same with a pre-shared secret: the server had not given the rock out, and makes it anew. */
  @Test
  @Timeout(60)
  void aRockWithASecretWhoseWelcomeWasLostIsMadeAgain() throws Exception {
    assertWelcomedAgain(RockOptions.builder().preSharedSecret(io.rocks.RockSecret.of("hello again secret".getBytes())).build());
  }

  private static void assertWelcomedAgain(RockOptions options) throws Exception {
    byte[] reply = new byte[200_000];
    new java.util.Random(7).nextBytes(reply);
    try (RockServerSocket server = Rocks.rockServerSocket(0, LOOPBACK, options);
        FaultRelay relay = new FaultRelay(new InetSocketAddress(LOOPBACK, server.getLocalPort()))) {
      relay.dropFromServer(); // HELLO and the request get through; WELCOME does not
      RockSocket client = Rocks.connectRock(relay.address(), options);
      client.getOutputStream().write(REQUEST);
      server.setSoTimeout(20_000);
      RockSocket accepted;
      if (options.preSharedSecret() == null) {
        accepted = server.accept(); // the server made the rock from HELLO alone
        assertArrayEquals(REQUEST, accepted.getInputStream().readNBytes(REQUEST.length));
        accepted.getOutputStream().write(reply); // sent on the first connection, lost
        Await.until(Duration.ofSeconds(10), "the reply went into the void",
            () -> relay.forwardedBytes() >= REQUEST.length && accepted.rock().stats().bytesWritten() == reply.length);
        relay.restore(); // closes the first connection: the client never saw WELCOME
      } else {
        Await.until(Duration.ofSeconds(10), "HELLO reached the server", () -> relay.forwardedBytes() >= REQUEST.length);
        relay.restore();
        accepted = server.accept(); // made anew from the same HELLO, accepted once proved
        assertArrayEquals(REQUEST, accepted.getInputStream().readNBytes(REQUEST.length));
        accepted.getOutputStream().write(reply);
      }
      try (client; accepted) {
        assertArrayEquals(reply, client.getInputStream().readNBytes(reply.length));
        client.getOutputStream().write(5);
        assertEquals(5, accepted.getInputStream().read());
        assertEquals(RockState.CONNECTED, client.rock().state());
        assertEquals(RockState.CONNECTED, accepted.rock().state());
        assertEquals(0, client.rock().stats().suspensions(), "the client was never established before");
        assertEquals(2, relay.acceptedConnections(), "one HELLO more, on a new connection");
        assertEquals(0, accepted.getInputStream().available(), "nothing arrived twice");
        assertEquals(REQUEST.length + 1, accepted.rock().stats().bytesReceived());
        assertEquals(reply.length, client.rock().stats().bytesReceived());
      }
    }
  }

  @Test
  @Timeout(60)
  void aRockRefusedForAFullBacklogGetsInOnceTheApplicationAccepts() throws Exception {
    try (var server = Rocks.rockServerSocket(new InetSocketAddress(LOOPBACK, 0), 1, RockOptions.defaults())) {
      InetSocketAddress address = new InetSocketAddress(LOOPBACK, server.getLocalPort());
      RockSocket first = Rocks.connectRock(address, RockOptions.defaults());
      first.getOutputStream().write(1);
      Await.until(Duration.ofSeconds(10), "the first rock waits to be accepted",
          () -> first.rock().state() == RockState.CONNECTED);
      RockSocket second = Rocks.connectRock(address, RockOptions.defaults()); // refused: backlog full
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
      RockSocket client = Rocks.connectRock(new InetSocketAddress(LOOPBACK, slammer.getLocalPort()), options);
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
