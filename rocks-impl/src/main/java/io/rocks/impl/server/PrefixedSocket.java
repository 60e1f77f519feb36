package io.rocks.impl.server;

import io.rocks.impl.io.DelegatingSocket;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.Socket;

/**
 * A plain socket whose first bytes were already read while finding out that its peer is not a
 * rock; reading returns those bytes first, then the rest of the stream, so nothing is lost.
 *
 * <p>Thread-safe as a plain socket is.
 */
public final class PrefixedSocket extends DelegatingSocket {
  private final Socket socket;
  private final InputStream in;

  PrefixedSocket(Socket socket, byte[] prefix) throws IOException {
    this.socket = socket;
    InputStream rest = socket.getInputStream();
    this.in =
        prefix.length == 0
            ? rest
            : new FilterInputStream(new SequenceInputStream(new ByteArrayInputStream(prefix), rest)) {
                @Override
                public void close() throws IOException {
                  socket.close(); // as a socket's own stream does
                }
              };
  }

  @Override
  protected Socket delegate() {
    return socket;
  }

  @Override
  public InputStream getInputStream() throws IOException {
    if (socket.isClosed()) {
      throw new java.net.SocketException("Socket is closed");
    }
    return in;
  }
}
