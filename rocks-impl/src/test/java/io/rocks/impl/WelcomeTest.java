package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockOptions;
import io.rocks.RockSecret;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.Rocks;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a server sends after HELLO: without a pre-shared secret, WELCOME and the rock's first ACK
 * (nothing received, the whole receive window) and no CONFIRM, then data; with a secret, WELCOME
 * and then CONFIRM, before anything else.
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
