package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockSecret;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a server sends after HELLO: without a pre-shared secret, WELCOME and the rock's first ACK
 * (nothing received, the whole receive window) and no CONFIRM, then data; with a secret, WELCOME
 * and then CONFIRM, before anything else. And how long the server waits for a rock whose client
 * did or did not show it read WELCOME.
 */
@Timeout(60)
class WelcomeTest {
  private static final int WINDOW = 256 * 1024;

  @Test
  void withoutASecretWelcomeCarriesTheFirstAckAndDataFollows() throws Exception {
    RockOptions server = RockOptions.builder().receiveWindow(WINDOW).build();
    try (RockServerSocket listener = Rocks.serverSocket(0, InetAddress.getLoopbackAddress(), server);
        RawClient client = RawClient.welcomed(listener, null)) {
      FrameReader reader = client.conn().reader;
      assertEquals(Wire.ACK, reader.nextFrame(), "the frame after WELCOME");
      assertEquals(0, reader.received, "received");
      assertEquals(WINDOW, reader.windowLimit, "window limit");
      try (RockSocket accepted = listener.accept()) {
        accepted.getOutputStream().write(new byte[] {4, 2});
        byte type;
        while ((type = reader.nextFrame()) != Wire.DATA) {
          assertEquals(Wire.ACK, type, "before the data only ACKs (heartbeats), no CONFIRM");
        }
        assertEquals(2, reader.length);
        assertEquals(4, reader.buffer()[reader.bodyStart]);
      }
    }
  }

  @Test
  void withASecretConfirmComesFirst() throws Exception {
    RockSecret secret = RockSecret.of("0123456789abcdef0123456789abcdef".getBytes());
    RockOptions server = RockOptions.builder().receiveWindow(WINDOW).preSharedSecret(secret).build();
    try (RockServerSocket listener = Rocks.serverSocket(0, InetAddress.getLoopbackAddress(), server);
        RawClient client = RawClient.welcomed(listener, secret)) {
      FrameReader reader = client.conn().reader;
      Handshake.Established established = client.welcome().establish();
      Handshake.checkServerConfirm(client.welcome().id(), established, reader, reader.nextFrame());
      assertEquals(Wire.ACK, reader.nextFrame(), "the frame after CONFIRM");
      assertEquals(Wire.INITIAL_WINDOW, reader.windowLimit, "unproven: the initial window only");
    }
  }

  /**
   * A client that read WELCOME and vanished without showing it (no ACK with the WELCOMED flag)
   * cannot be told from one that never read it: its rock fails once the handshake timeout passes
   * after the break, though the reconnect timeout is five minutes, and holds no place among the
   * suspended rocks after that. Without a pre-shared secret a HELLO is all it takes to make a rock.
   */
  @Test
  void aRockWhoseClientNeverShowedItWasWelcomedFailsAfterTheHandshakeTimeout() throws Exception {
    RockOptions server = RockOptions.builder()
        .handshakeTimeout(Duration.ofSeconds(1)).reconnectTimeout(Duration.ofMinutes(5)).build();
    try (RockServerSocket listener = Rocks.serverSocket(0, InetAddress.getLoopbackAddress(), server)) {
      RockSocket accepted;
      try (RawClient client = RawClient.welcomed(listener, null)) {
        accepted = listener.accept();
        assertEquals(client.welcome().id(), accepted.rock().id());
        assertFalse(((RealRock) accepted.rock()).peerWelcomed());
        client.socket().setSoLinger(true, 0); // a reset
      }
      RealRockServerSocket rocks = (RealRockServerSocket) listener;
      Await.until(Duration.ofSeconds(30), "the unwelcomed rock fails",
          () -> accepted.rock().state() == RockState.FAILED);
      IOException error = assertThrows(IOException.class, () -> accepted.getInputStream().read());
      assertTrue(error.getMessage().contains("broke before its client showed it had read WELCOME, and no"
          + " resume came within the handshake timeout (1000 ms)"), error.getMessage());
      // The registry lets go of a rock just after its state turns FAILED (RealRock.terminate).
      Await.until(Duration.ofSeconds(10), "the server socket forgets the rock",
          () -> rocks.liveRocks() == 0 && rocks.suspendedRocks() == 0);
    }
  }

  /**
   * A real client that has nothing to send shows it was welcomed with its next heartbeat: its rock
   * then waits out a break longer than the handshake timeout and resumes.
   */
  @Test
  void aWelcomedRockOutlivesABreakLongerThanTheHandshakeTimeout() throws Exception {
    RockOptions server = RockOptions.builder()
        .handshakeTimeout(Duration.ofSeconds(1)).reconnectTimeout(Duration.ofMinutes(5)).build();
    try (RockServerSocket listener = Rocks.serverSocket(0, InetAddress.getLoopbackAddress(), server);
        FaultRelay link = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()));
        RockSocket client = Rocks.connect(link.address(), RockOptions.defaults());
        RockSocket accepted = listener.accept()) {
      RealRock serverRock = (RealRock) accepted.rock();
      Await.until(Duration.ofSeconds(10), "the client shows it was welcomed", serverRock::peerWelcomed);
      link.cutSilently();
      Await.until(Duration.ofSeconds(30), "the server's rock suspended for twice the handshake timeout",
          () -> serverRock.state() == RockState.SUSPENDED
              && System.nanoTime() - serverRock.suspendedSinceNanos() > Duration.ofSeconds(2).toNanos());
      link.restore();
      Await.until(Duration.ofSeconds(30), "both resume",
          () -> serverRock.state() == RockState.CONNECTED && client.rock().state() == RockState.CONNECTED);
      client.getOutputStream().write(7);
      assertEquals(7, accepted.getInputStream().read());
      accepted.getOutputStream().write(9);
      assertEquals(9, client.getInputStream().read());
    }
  }

  /** A hand-driven client that sent HELLO and read WELCOME. */
  private record RawClient(Socket socket, Connection conn, Handshake.Welcomed welcome)
      implements AutoCloseable {
    static RawClient welcomed(RockServerSocket listener, RockSecret secret) throws IOException {
      Socket raw = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
      raw.setSoTimeout(10_000);
      Connection conn = new Connection(raw);
      io.rocks.RockId id = Handshake.newRockId();
      Handshake.ClientSetup setup = Handshake.sendHello(conn, id, secret);
      return new RawClient(raw, conn, Handshake.readWelcome(setup, id, conn.reader, conn.reader.nextHandshake()));
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
