package io.rocks.impl.rock;

import java.io.IOException;
import java.io.InputStream;

/** The input stream of a rock socket; reads block as {@link RealRock#read} says. */
public final class RockInputStream extends InputStream {
  private final RealRock rock;
  private final RealRockSocket socket;

  RockInputStream(RealRock rock, RealRockSocket socket) {
    this.rock = rock;
    this.socket = socket;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = rock.read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    return rock.read(b, off, len);
  }

  @Override
  public int available() {
    return rock.available();
  }

  /** Closes the socket, as a plain socket's input stream does. */
  @Override
  public void close() {
    socket.close();
  }
}
