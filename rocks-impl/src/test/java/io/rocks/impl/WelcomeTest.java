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
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
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
public class WelcomeTest {
  private static final int WINDOW = 256 * 1024;

  @Test
  void withoutASecretWelcomeCarriesTheFirstAckAndDataFollows() throws Exception {
    RockOptions server = RockOptions.builder().receiveWindow(WINDOW).build();
    try (RockServerSocket listener = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), server);
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
    try (RockServerSocket listener = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), server);
        RawClient client = RawClient.welcomed(listener, secret)) {
      FrameReader reader = client.conn().reader;
      Handshake.Established established = client.welcome().establish();
      Handshake.checkServerConfirm(client.welcome().id(), established, reader, reader.nextFrame());
      assertEquals(Wire.ACK, reader.nextFrame(), "the frame after CONFIRM");
      assertEquals(Wire.INITIAL_WINDOW, reader.windowLimit, "unproven: the initial window only");
    }
  }

  /**
   * A client that read WELCOME and broke before it could show it (no ACK with the WELCOMED flag:
   * a starved client, or one whose flagged ACK was lost with the connection) keeps its rock: the
   * server holds it for the reconnect timeout like any other, and the client's RESUME, which only
   * a client that read WELCOME can prove, resumes it long after the handshake timeout.
   */
  @Test
  void aRockWhoseClientNeverShowedItWasWelcomedStillResumes() throws Exception {
    RockOptions server = RockOptions.builder()
        .handshakeTimeout(Duration.ofSeconds(1)).reconnectTimeout(Duration.ofMinutes(5)).build();
    try (RockServerSocket listener = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), server)) {
      RockSocket accepted;
      RawClient client = RawClient.welcomed(listener, null);
      try (client) {
        accepted = listener.accept();
        assertEquals(client.welcome().id(), accepted.rock().id());
        assertFalse(((RealRock) accepted.rock()).keys.peerWelcomed());
        client.socket().setSoLinger(true, 0); // a reset
      }
      RealRock serverRock = (RealRock) accepted.rock();
      Await.until(Duration.ofSeconds(30), "suspended for three handshake timeouts",
          () -> serverRock.state() == RockState.SUSPENDED
              && System.nanoTime() - serverRock.suspendedSinceNanos() > Duration.ofSeconds(3).toNanos());
      try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        raw.setSoTimeout(10_000);
        client.resume(raw);
        Await.until(Duration.ofSeconds(10), () -> "the rock resumes: " + serverRock.describe(),
            () -> serverRock.state() == RockState.CONNECTED && serverRock.keys.peerWelcomed());
        assertEquals(1, serverRock.stats().suspensions());
      }
    }
  }

  /**
   * At the suspended-rock cap the server drops a rock whose client never showed it read WELCOME
   * before any other: anyone can open those and vanish.
   */
  @Test
  void theSuspendedCapDropsARockWhoseClientNeverShowedItWasWelcomedFirst() throws Exception {
    RockOptions server = RockOptions.builder().maxSuspendedRocks(2).build();
    try (RockServerSocket listener = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), server);
        FaultRelay link = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()))) {
      RockSocket unwelcomed;
      try (RawClient client = RawClient.welcomed(listener, null)) {
        unwelcomed = listener.accept();
        client.socket().setSoLinger(true, 0);
      }
      Await.until(Duration.ofSeconds(10), "the unwelcomed rock suspends",
          () -> unwelcomed.rock().state() == RockState.SUSPENDED);
      try (RockSocket first = Rocks.connectRock(link.address(), RockOptions.defaults());
          RockSocket firstAccepted = listener.accept();
          RockSocket second = Rocks.connectRock(link.address(), RockOptions.defaults());
          RockSocket secondAccepted = listener.accept()) {
        Await.until(Duration.ofSeconds(10), "both clients show they were welcomed",
            () -> ((RealRock) firstAccepted.rock()).keys.peerWelcomed() && ((RealRock) secondAccepted.rock()).keys.peerWelcomed());
        link.cutSilently();
        Await.until(Duration.ofSeconds(30), "the unwelcomed rock is dropped for the two others",
            () -> unwelcomed.rock().state() == RockState.FAILED
                && firstAccepted.rock().state() == RockState.SUSPENDED
                && secondAccepted.rock().state() == RockState.SUSPENDED);
        IOException dropped = assertThrows(IOException.class, () -> unwelcomed.getInputStream().read());
        assertTrue(dropped.getMessage().endsWith("already holds its limit of 2 suspended rocks (max-suspended-rocks)"),
            dropped.getMessage());
        link.restore();
        Await.until(Duration.ofSeconds(30), "the two welcomed rocks resume",
            () -> firstAccepted.rock().state() == RockState.CONNECTED
                && secondAccepted.rock().state() == RockState.CONNECTED);
      }
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
    try (RockServerSocket listener = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), server);
        FaultRelay link = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()));
        RockSocket client = Rocks.connectRock(link.address(), RockOptions.defaults());
        RockSocket accepted = listener.accept()) {
      RealRock serverRock = (RealRock) accepted.rock();
      Await.until(Duration.ofSeconds(10), "the client shows it was welcomed", serverRock.keys::peerWelcomed);
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
    /** Resumes the rock over {@code raw} (RESUME, CHALLENGE, PROOF), having received nothing. */
    void resume(Socket raw) throws IOException {
      io.rocks.RockId id = welcome.id();
      ResumeKey key = welcome.key();
      byte[] clientNonce = Handshake.nonce();
      raw.getOutputStream().write(java.nio.ByteBuffer.allocate(Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.RESUME))
          .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.RESUME).putLong(id.high()).putLong(id.low()).put(clientNonce)
          .array());
      FrameReader in = new FrameReader(raw.getInputStream());
      assertEquals(Wire.CHALLENGE, in.nextHandshake());
      byte[] serverNonce = in.bodyBytes(0, Wire.NONCE_BYTES);
      raw.getOutputStream().write(java.nio.ByteBuffer.allocate(Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.PROOF))
          .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.PROOF).putLong(0).put((byte) 0)
          .put(key.clientProof(id, clientNonce, serverNonce, 0, false))
          .array());
    }

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
