package io.rocks;

import java.net.Socket;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * A {@link Socket} whose streams survive link failures. Code written against {@code Socket},
 * {@link java.io.InputStream} and {@link java.io.OutputStream} uses it unchanged; rocks-aware code
 * reaches the rock through {@link #rock()}.
 *
 * <p>A rock socket is always connected when it is handed out: it cannot be bound or connected again,
 * and it has no {@link java.nio.channels.SocketChannel}.
 */
public abstract class RockSocket extends Socket {
  /**
   * For implementations; the subclass serves every method itself, so no {@link SocketImpl} is used.
   *
   * @throws SocketException never in practice; {@link Socket#Socket(SocketImpl)} declares it
   */
  protected RockSocket() throws SocketException {
    super((SocketImpl) null);
  }

  /**
   * Returns the rocks-aware view of this socket. Never blocks.
   *
   * @return the rock, the same instance on every call
   */
  public abstract Rock rock();
}
