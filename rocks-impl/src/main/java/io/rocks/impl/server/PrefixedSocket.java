package io.rocks.impl.server;

import io.rocks.impl.io.DelegatingSocket;
import java.io.IOException;
import java.io.InputStream;
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
    this.in = prefix.length == 0 ? rest : new PrefixedStream(socket, prefix, rest);
  }

  /**
   * The prefix, then the socket's own stream. Reaching the end of the socket's stream leaves the
   * socket open (a {@link java.io.SequenceInputStream} would close it there, and with it the
   * output the application may still write a reply to); closing this stream closes the socket, as
   * a socket's own stream does. Read by one thread at a time, as a socket's stream is.
   */
  private static final class PrefixedStream extends InputStream {
    private final Socket socket;
    private final byte[] prefix;
    private final InputStream rest;
    /** How much of the prefix has been read. */
    private int position;

    PrefixedStream(Socket socket, byte[] prefix, InputStream rest) {
      this.socket = socket;
      this.prefix = prefix;
      this.rest = rest;
    }

    @Override
    public int read() throws IOException {
      if (position < prefix.length) {
        return prefix[position++] & 0xff;
      }
      return rest.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (position < prefix.length) {
        int n = Math.min(len, prefix.length - position);
        System.arraycopy(prefix, position, b, off, n);
        position += n;
        return n;
      }
      return rest.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      return position < prefix.length ? prefix.length - position : rest.available();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
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
