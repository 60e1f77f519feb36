package io.rocks.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An unbound server socket, as {@link javax.net.ServerSocketFactory#createServerSocket()} hands
 * out (gRPC's OkHttp server, for one, binds what it gets). {@link #bind} makes the server socket
 * the policy says for the port, and everything after that is forwarded to it. Options set before
 * binding are applied once bound.
 *
 * <p>{@code lock} guards {@code delegate}, {@code closed} and the options kept before binding;
 * it is never held while accepting. {@code delegate} is volatile so {@link #accept} reads it
 * without the lock.
 */
final class BindingServerSocket extends ServerSocket {
  private final RealRocksProvider provider;
  private final Object lock = new Object();
  private volatile ServerSocket delegate;
  private boolean closed;
  private int soTimeout;
  private final List<Option> pending = new ArrayList<>();

  private interface Option {
    void apply(ServerSocket server) throws IOException;
  }

  BindingServerSocket(RealRocksProvider provider) throws IOException {
    this.provider = provider;
  }

  private ServerSocket bound() throws SocketException {
    ServerSocket current = delegate;
    if (current == null) {
      throw new SocketException(isClosed() ? "Socket is closed" : "Socket is not bound yet");
    }
    return current;
  }

  @Override
  public void bind(SocketAddress endpoint) throws IOException {
    bind(endpoint, 50);
  }

  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    if (endpoint != null && !(endpoint instanceof InetSocketAddress)) {
      throw new IllegalArgumentException("Unsupported address type");
    }
    InetSocketAddress local = endpoint == null ? new InetSocketAddress(0) : (InetSocketAddress) endpoint;
    if (local.isUnresolved()) {
      throw new SocketException("Unresolved address");
    }
    synchronized (lock) {
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      if (delegate != null) {
        throw new SocketException("Already bound");
      }
      ServerSocket made = provider.bind(local, backlog);
      try {
        made.setSoTimeout(soTimeout);
        for (Option option : pending) {
          try {
            option.apply(made);
          } catch (UnsupportedOperationException | SocketException moot) {
            // A rocks server socket picks its own buffers.
          }
        }
      } catch (IOException | RuntimeException e) {
        made.close();
        throw e;
      }
      pending.clear();
      delegate = made;
    }
  }

  @Override
  public Socket accept() throws IOException {
    return bound().accept();
  }

  @Override
  public void close() throws IOException {
    ServerSocket current;
    synchronized (lock) {
      closed = true;
      current = delegate;
    }
    if (current != null) {
      current.close();
    }
  }

  @Override
  public boolean isBound() {
    ServerSocket current = delegate;
    return current != null && current.isBound();
  }

  @Override
  public boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  @Override
  public InetAddress getInetAddress() {
    ServerSocket current = delegate;
    return current == null ? null : current.getInetAddress();
  }

  @Override
  public int getLocalPort() {
    ServerSocket current = delegate;
    return current == null ? -1 : current.getLocalPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    ServerSocket current = delegate;
    return current == null ? null : current.getLocalSocketAddress();
  }

  @Override
  public ServerSocketChannel getChannel() {
    return null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    synchronized (lock) {
      soTimeout = timeout;
      if (delegate != null) {
        delegate.setSoTimeout(timeout);
      }
    }
  }

  @Override
  public int getSoTimeout() throws IOException {
    synchronized (lock) {
      return soTimeout;
    }
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    later(s -> s.setReuseAddress(on));
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    ServerSocket current = delegate;
    return current == null || current.getReuseAddress();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("negative receive size");
    }
    later(s -> s.setReceiveBufferSize(size));
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return bound().getReceiveBufferSize();
  }

  @Override
  public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
    later(s -> s.setOption(name, value));
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return bound().getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    ServerSocket current = delegate;
    return current != null
        ? current.supportedOptions()
        : Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR);
  }

  /** Applies {@code option} now if bound, else once bound. */
  private void later(Option option) throws SocketException {
    synchronized (lock) {
      if (delegate == null) {
        pending.add(option);
        return;
      }
      try {
        option.apply(delegate);
      } catch (SocketException e) {
        throw e;
      } catch (IOException e) {
        throw new SocketException(e.getMessage(), e);
      }
    }
  }

  @Override
  public String toString() {
    ServerSocket current = delegate;
    return current == null ? "BindingServerSocket[unbound]" : current.toString();
  }
}
