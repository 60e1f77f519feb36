package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockSocket;
import io.rocks.Rocks;
import io.rocks.policy.RocksPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What socket factories hand out before the address is known: an unbound server socket that
 * becomes the policy's server socket when bound ({@code ServerSocketFactory.createServerSocket()},
 * as gRPC's OkHttp server uses), and an unconnected socket bound to a local address before it
 * connects (plain where detection decides; refused where the policy makes only rocks).
 */
class UnboundAndBoundBeforeConnectTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  @Timeout(30)
  void anUnboundServerSocketBecomesTheRocksServerSocketItsPortGetsWhenBound() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse("rocks { detection = detect }", "test"));
    try (ServerSocket server = provider.unboundServerSocket()) {
      assertFalse(server.isBound());
      assertEquals(-1, server.getLocalPort());
      server.setSoTimeout(300);
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(LOOPBACK, 0));
      assertTrue(server.isBound());
      assertEquals(300, server.getSoTimeout(), "the timeout set before binding is kept");
      assertThrows(SocketTimeoutException.class, server::accept, "and applied");
      assertThrows(SocketException.class, () -> server.bind(new InetSocketAddress(LOOPBACK, 0)), "bound once");
      server.setSoTimeout(0);
      CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return server.accept();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, Thread.ofVirtual()::start);
      try (RockSocket client = Rocks.connectRock(new InetSocketAddress(LOOPBACK, server.getLocalPort()),
          Rocks.defaultOptions());
          Socket served = accepted.get(10, TimeUnit.SECONDS)) {
        assertInstanceOf(RockSocket.class, served, "the bound server socket serves rocks");
        client.getOutputStream().write(new byte[] {1, 2, 3});
        byte[] read = served.getInputStream().readNBytes(3);
        assertArrayEquals(new byte[] {1, 2, 3}, read);
      }
    }
  }

  @Test
  void anUnboundServerSocketClosedBeforeBindingStaysClosed() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse("rocks { detection = detect }", "test"));
    ServerSocket server = provider.unboundServerSocket();
    server.close();
    assertTrue(server.isClosed());
    SocketException e = assertThrows(SocketException.class, () -> server.bind(new InetSocketAddress(LOOPBACK, 0)));
    assertEquals("Socket is closed", e.getMessage());
    assertEquals("Socket is closed", assertThrows(SocketException.class, server::accept).getMessage());
  }

  @Test
  @Timeout(30)
  void aSocketBoundBeforeConnectingConnectsPlainFromThatAddressWhereDetectionDecides() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse("rocks { detection = detect }", "test"));
    try (ServerSocket plainServer = new ServerSocket(0, 5, LOOPBACK);
        ServerSocket fromPort = new ServerSocket(0, 1, LOOPBACK)) {
      int local = fromPort.getLocalPort();
      fromPort.close();
      try (Socket socket = provider.unconnectedSocket()) {
        socket.bind(new InetSocketAddress(LOOPBACK, local));
        assertTrue(socket.isBound());
        socket.connect(new InetSocketAddress(LOOPBACK, plainServer.getLocalPort()), 5000);
        assertTrue(Rocks.rockOf(socket).isEmpty(), "plain: a rock cannot keep a local address");
        assertEquals(local, socket.getLocalPort(), "connected from the address it was bound to");
        try (Socket served = plainServer.accept()) {
          assertEquals(local, served.getPort());
        }
      }
    }
  }

  @Test
  void aSocketBoundBeforeConnectingIsRefusedWhereThePolicyMakesOnlyRocks() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse("rocks { detection = assume-rock }", "test"));
    try (ServerSocket server = new ServerSocket(0, 5, LOOPBACK); Socket socket = provider.unconnectedSocket()) {
      socket.bind(new InetSocketAddress(LOOPBACK, 0));
      SocketException e = assertThrows(SocketException.class,
          () -> socket.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()), 5000));
      assertTrue(e.getMessage().startsWith("a rock cannot keep the local address 127.0.0.1:"), e.getMessage());
      assertTrue(e.getMessage().endsWith("rocks only: exclude them to bind"), e.getMessage());
    }
  }
}
