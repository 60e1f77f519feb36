package io.rocks.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A bound server socket that hands out what another one accepts and remembers every accepted
 * socket, so a test can ask which connections were rocks. Servers written elsewhere use it as they
 * would the socket it wraps.
 */
final class RecordingServerSocket extends ServerSocket {
  private final ServerSocket delegate;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();

  /** The unbound socket this constructor makes is never bound. */
  RecordingServerSocket(ServerSocket delegate) throws IOException {
    super();
    this.delegate = delegate;
  }

  /** The connections accepted so far, in order. */
  List<Socket> accepted() {
    return List.copyOf(accepted);
  }

  @Override
  public Socket accept() throws IOException {
    Socket socket = delegate.accept();
    accepted.add(socket);
    return socket;
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public boolean isClosed() {
    return delegate.isClosed();
  }

  @Override
  public boolean isBound() {
    return delegate.isBound();
  }

  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    throw new SocketException("Already bound");
  }

  @Override
  public InetAddress getInetAddress() {
    return delegate.getInetAddress();
  }

  @Override
  public int getLocalPort() {
    return delegate.getLocalPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return delegate.getLocalSocketAddress();
  }

  @Override
  public ServerSocketChannel getChannel() {
    return null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    delegate.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws IOException {
    return delegate.getSoTimeout();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    delegate.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return delegate.getReuseAddress();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    delegate.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return delegate.getReceiveBufferSize();
  }

  @Override
  public String toString() {
    return "Recording" + delegate;
  }
}
