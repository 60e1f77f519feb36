package io.rocks.impl;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The output stream of a rock socket. {@code write} blocks only while the in-flight buffer is full;
 * {@code flush} does nothing, since the rock's writer sends as soon as bytes are buffered.
 */
final class RockOutputStream extends OutputStream {
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
