package io.rocks.impl.server;

import io.rocks.impl.io.Addresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;

/**
 * A server socket that serves rocks and plain clients on one port: {@link #accept()} returns a
 * {@link io.rocks.RockSocket} for a rock and a plain socket, with nothing lost, for anything else.
 * Every call goes to the {@link RealRockServerSocket} that does the work.
 *
 * <p>Thread-safe as a server socket is.
 */
public final class MixedServerSocket extends ServerSocket {
  private final RealRockServerSocket rocks;

  /** The unbound socket this constructor makes is never bound and holds no file descriptor. */
  public MixedServerSocket(RealRockServerSocket rocks) throws IOException {
    super();
    this.rocks = rocks;
  }

  /** Returns the next connection, a rock or a plain socket; blocks as {@link ServerSocket} does. */
  @Override
  public Socket accept() throws IOException {
    return rocks.acceptAny();
  }

  @Override
  public void close() throws IOException {
    rocks.close();
  }

  @Override
  public boolean isClosed() {
    return rocks.isClosed();
  }

  @Override
  public boolean isBound() {
    return true;
  }

  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    throw new SocketException("Already bound");
  }

  @Override
  public InetAddress getInetAddress() {
    return rocks.getInetAddress();
  }

  @Override
  public int getLocalPort() {
    return rocks.getLocalPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return rocks.getLocalSocketAddress();
  }

  @Override
  public ServerSocketChannel getChannel() {
    return null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    rocks.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() {
    return rocks.getSoTimeout();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    rocks.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return rocks.getReuseAddress();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    rocks.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return rocks.getReceiveBufferSize();
  }

  @Override
  public String toString() {
    return "RockServerSocket[rocks and plain, " + Addresses.format(rocks.getLocalSocketAddress()) + "]";
  }
}
