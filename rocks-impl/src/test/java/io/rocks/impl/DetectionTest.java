package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.Rocks;
import io.rocks.RocksSocketFactory;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.policy.RocksPolicy;
import io.rocks.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rocks and plain peers meet without corrupting each other's streams, in both directions and for
 * both protocol styles (client speaks first, server speaks first).
 */
public class DetectionTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final RocksPolicy DETECT = RocksPolicy.parse("rocks.detect-timeout = 300 ms", "test.conf");

  /** A plain server that records what each connection sent and optionally greets first. */
  private static final class PlainServer implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
    final List<byte[]> received = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();

    PlainServer(String greeting) throws IOException {
      Thread.ofVirtual().start(() -> {
        while (true) {
          Socket socket;
          try {
            socket = server.accept();
          } catch (IOException closed) {
            return;
          }
          accepted.incrementAndGet();
          Thread.ofVirtual().start(() -> {
            try (socket) {
              if (greeting != null) {
                socket.getOutputStream().write(greeting.getBytes(StandardCharsets.US_ASCII));
              }
              ByteArrayOutputStream got = new ByteArrayOutputStream();
              InputStream in = socket.getInputStream();
              int b;
              while ((b = in.read()) >= 0) {
                got.write(b);
                if (b == '\n') {
                  socket.getOutputStream().write(("echo " + got.size() + "\n").getBytes(StandardCharsets.US_ASCII));
                }
              }
              received.add(got.toByteArray());
            } catch (IOException ignored) {
              // The probe connection may be closed under us.
            }
          });
        }
      });
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @Test
  @Timeout(30)
  void fallsBackToPlainForAClientFirstServerWithoutCorruptingTheStream() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(DETECT);
    try (PlainServer http = new PlainServer(null)) {
      byte[] request = "GET / HTTP/1.0\n".getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 2; i++) {
        try (Socket socket = provider.connect("127.0.0.1", http.port())) {
          assertFalse(socket instanceof RockSocket, "a plain server gets a plain socket");
          socket.getOutputStream().write(request);
          assertEquals("echo 15", readLine(socket.getInputStream()));
        }
      }
      // One probe (closed unused), then one plain connection per connect; the cache skips the second probe.
      Await.until(Duration.ofSeconds(10), "connections recorded", () -> http.received.size() == 3);
      assertEquals(3, http.accepted.get());
      long clean = http.received.stream().filter(bytes -> java.util.Arrays.equals(bytes, request)).count();
      assertEquals(2, clean, "both connections the application used carried exactly its request");
    }
  }

  @Test
  @Timeout(30)
  void fallsBackToPlainForAServerFirstServerWhoseGreetingArrivesIntact() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(DETECT);
    try (PlainServer smtp = new PlainServer("220 mail.example ESMTP ready\n")) {
      try (Socket socket = provider.connect("127.0.0.1", smtp.port())) {
        assertFalse(socket instanceof RockSocket);
        assertEquals("220 mail.example ESMTP ready", readLine(socket.getInputStream()));
        socket.getOutputStream().write("QUIT\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("echo 5", readLine(socket.getInputStream()));
      }
      assertEquals(2, smtp.accepted.get(), "the probe and the plain connection");
    }
  }

  @Test
  @Timeout(30)
  void detectsARockServerOnceThenPipelines() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(DETECT);
    try (ServerSocket server = provider.bind(new InetSocketAddress(LOOPBACK, 0), 50);
        io.rocks.testkit.FaultRelay relay = new io.rocks.testkit.FaultRelay(
            new InetSocketAddress(LOOPBACK, server.getLocalPort()))) {
      InetSocketAddress address = relay.address();
      for (int i = 0; i < 3; i++) {
        Socket socket = provider.connect(address.getHostString(), address.getPort());
        RockSocket rock = assertInstanceOf(RockSocket.class, socket);
        Socket accepted = server.accept();
        assertInstanceOf(RockSocket.class, accepted);
        rock.getOutputStream().write(i);
        assertEquals(i, accepted.getInputStream().read());
        accepted.getOutputStream().write(100 + i); // and back: the probe became a working rock
        assertEquals(100 + i, rock.getInputStream().read());
        assertEquals(io.rocks.RockState.CONNECTED, rock.rock().state());
        assertTrue(Rocks.rockOf(socket).isPresent());
        rock.setSoLinger(true, 0);
        rock.close();
        accepted.close();
      }
      assertEquals(3, relay.acceptedConnections(), "no probe was wasted: the probe became the rock");
    }
  }

  @Test
  @Timeout(30)
  void servesPlainClientsOfBothStylesOnARockPort() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(DETECT);
    try (ServerSocket server = provider.bind(new InetSocketAddress(LOOPBACK, 0), 50)) {
      // Client speaks first: its bytes reach the application whole, though the server read them.
      try (Socket client = new Socket(LOOPBACK, server.getLocalPort())) {
        client.getOutputStream().write("PING hello\n".getBytes(StandardCharsets.US_ASCII));
        Socket accepted = server.accept();
        assertFalse(accepted instanceof RockSocket);
        assertEquals("PING hello", readLine(accepted.getInputStream()));
        accepted.getOutputStream().write("PONG\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("PONG", readLine(client.getInputStream()));
        accepted.close();
      }
      // Server speaks first: a silent client becomes plain after the detect timeout and is greeted.
      try (Socket client = new Socket(LOOPBACK, server.getLocalPort())) {
        Socket accepted = server.accept();
        assertFalse(accepted instanceof RockSocket);
        accepted.getOutputStream().write("220 ready\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("220 ready", readLine(client.getInputStream()));
        accepted.close();
      }
      // And a rock on the same port is a rock.
      RockSocket rock = Rocks.connectRock(new InetSocketAddress(LOOPBACK, server.getLocalPort()), RockOptions.defaults());
      Socket accepted = server.accept();
      assertInstanceOf(RockSocket.class, accepted);
      rock.getOutputStream().write(77);
      assertEquals(77, accepted.getInputStream().read());
      rock.setSoLinger(true, 0);
      rock.close();
    }
  }

  @Test
  @Timeout(30)
  void socketFactoryMakesUnconnectedSocketsThatBecomeRocksOrPlain() throws Exception {
    try (ServerSocket rockServer = Rocks.serverSocket(0); PlainServer plain = new PlainServer(null)) {
      Socket socket = RocksSocketFactory.getDefault().createSocket();
      socket.setSoTimeout(5_000); // set before connecting, as libraries do
      socket.connect(new InetSocketAddress(LOOPBACK, rockServer.getLocalPort()), 2_000);
      assertTrue(Rocks.rockOf(socket).isPresent(), "became a rock");
      assertEquals(5_000, socket.getSoTimeout());
      Socket accepted = rockServer.accept();
      socket.getOutputStream().write(new byte[] {1, 2, 3});
      byte[] got = accepted.getInputStream().readNBytes(3);
      assertArrayEquals(new byte[] {1, 2, 3}, got);
      socket.setSoLinger(true, 0);
      socket.close();

      Socket plainSocket = RocksSocketFactory.getDefault().createSocket();
      plainSocket.connect(new InetSocketAddress(LOOPBACK, plain.port()));
      assertTrue(Rocks.rockOf(plainSocket).isEmpty(), "stayed plain");
      plainSocket.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
      assertEquals("echo 2", readLine(plainSocket.getInputStream()));
      plainSocket.close();
    }
  }

  @Test
  @Timeout(30)
  void neverDowngradesToPlainWhenAPreSharedSecretIsSet() throws Exception {
    // A silent server leaves the new rock saying HELLO again while its time to establish lasts
    // (30 s, capped by the reconnect timeout): 5 s here, so the rock fails well within the test.
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse(
        "rocks { detect-timeout = 300 ms, reconnect-timeout = 5 s,"
            + " pre-shared-secret = \"MDEyMzQ1Njc4OWFiY2RlZg==\" }", "test.conf"));
    try (PlainServer http = new PlainServer(null)) {
      Socket socket = provider.connect("127.0.0.1", http.port());
      assertInstanceOf(RockSocket.class, socket, "an authenticated rock is never replaced by a plain socket");
      IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> socket.getInputStream().read());
      // The plain server answers the HELLO with its own bytes, or with nothing: never a rock.
      assertTrue(error.getMessage().contains("not a rocks peer")
          || error.getMessage().contains("no answer to the rock handshake"), error.getMessage());
      assertEquals(io.rocks.RockState.FAILED, ((RockSocket) socket).rock().state());
    }
    try (ServerSocket server = provider.bind(new InetSocketAddress(LOOPBACK, 0), 50)) {
      assertInstanceOf(RealRockServerSocket.class, server, "a port that demands a secret serves rocks only");
    }
  }

  @Test
  @Timeout(30)
  void refusesNewRocksWhileTheBacklogIsFull() throws Exception {
    try (var server = Rocks.rockServerSocket(new InetSocketAddress(LOOPBACK, 0), 2, RockOptions.defaults())) {
      InetSocketAddress address = new InetSocketAddress(LOOPBACK, server.getLocalPort());
      List<RockSocket> waiting = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        waiting.add(Rocks.connectRock(address, RockOptions.defaults()));
        waiting.get(i).getOutputStream().write(i); // the rock is made; the application accepts none
      }
      Await.until(Duration.ofSeconds(10), "two rocks queued",
          () -> waiting.stream().allMatch(r -> r.rock().state() == io.rocks.RockState.CONNECTED));
      // It says HELLO again while its time to establish lasts, here the 2 s of its reconnect
      // timeout, and fails once that ran out with the backlog still full.
      RockSocket refused = Rocks.connectRock(address,
          RockOptions.builder().reconnectTimeout(Duration.ofSeconds(2)).build());
      IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> refused.getInputStream().read());
      assertTrue(error.getMessage().contains("server backlog full"), error.getMessage());
      // The two queued rocks are handed out in the order their handshakes finished.
      java.util.Set<Integer> firstBytes = new java.util.HashSet<>();
      for (int i = 0; i < 2; i++) {
        Socket accepted = server.accept();
        firstBytes.add(accepted.getInputStream().read());
        accepted.setSoLinger(true, 0);
        accepted.close();
      }
      assertEquals(java.util.Set.of(0, 1), firstBytes);
      for (RockSocket rock : waiting) {
        rock.setSoLinger(true, 0);
        rock.close();
      }
    }
  }

  static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      line.append((char) b);
    }
    return line.toString();
  }
}
