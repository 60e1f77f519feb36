package io.rocks.impl;

import io.rocks.RockId;
import io.rocks.RockSecret;
import io.rocks.impl.io.Connection;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

/**
 * A hand-driven rock client for adversarial tests: it completes a real HELLO and WELCOME (and with
 * a pre-shared secret, both CONFIRMs), then sends whatever bytes the test chooses.
 */
public final class RawRockClient implements AutoCloseable {
  final Socket socket;
  final Connection conn;
  final RockId id;
  final Handshake.Established established;

  private RawRockClient(Socket socket, Connection conn, RockId id, Handshake.Established established) {
    this.socket = socket;
    this.conn = conn;
    this.id = id;
    this.established = established;
  }

  /**
   * Establishes a rock with the server on loopback {@code port}. With a pre-shared secret it
   * checks the server's CONFIRM, and sends its own if asked.
   */
  static RawRockClient establish(int port, RockSecret secret, boolean confirm) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    Connection conn = new Connection(socket);
    RockId id = Handshake.newRockId();
    Handshake.ClientSetup setup = Handshake.sendHello(conn, id, secret);
    byte type = conn.reader.nextHandshake();
    Handshake.Established established = Handshake.readWelcome(setup, id, conn.reader, type).establish();
    if (secret != null) {
      Handshake.checkServerConfirm(id, established, conn.reader, conn.reader.nextFrame());
    }
    RawRockClient client = new RawRockClient(socket, conn, id, established);
    if (confirm && secret != null) {
      FrameWriter frames = new FrameWriter();
      frames.confirm(established.clientConfirm());
      client.send(frames);
    }
    return client;
  }

  void send(FrameWriter frames) throws IOException {
    frames.flushTo(conn.out);
  }

  void send(byte[] bytes) throws IOException {
    conn.out.write(bytes);
    conn.out.flush();
  }

  /** Reads frames until DATA frames carrying {@code count} bytes have arrived. */
  void awaitData(int count) throws IOException {
    int got = 0;
    while (got < count) {
      if (conn.reader.nextFrame() == Wire.DATA) {
        got += conn.reader.length;
      }
    }
  }

  /** Reads until the server closes the connection; returns true if it did so within the timeout. */
  boolean closedByServer() {
    try {
      while (socket.getInputStream().read() >= 0) {
        // frames the server sent before closing
      }
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // a reset is a close too
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
