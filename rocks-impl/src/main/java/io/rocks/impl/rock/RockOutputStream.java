package io.rocks.impl.rock;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The output stream of a rock socket. {@code write} buffers the bytes and sends them from the
 * calling thread when no other thread is sending (else the sending thread takes them along), so it
 * blocks while the in-flight buffer is full or the socket's send buffer is; {@code flush} does
 * nothing, since nothing written waits for it.
 */
public final class RockOutputStream extends OutputStream {
  private final RealRock rock;
  private final RealRockSocket socket;

  RockOutputStream(RealRock rock, RealRockSocket socket) {
    this.rock = rock;
    this.socket = socket;
  }

  @Override
  public void write(int b) throws IOException {
    rock.write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    rock.write(b, off, len);
  }

  /** Closes the socket, as a plain socket's output stream does. */
  @Override
  public void close() {
    socket.close();
  }
}
