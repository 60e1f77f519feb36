package io.rocks.impl;

import io.rocks.impl.io.DelegatingSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * An unconnected socket, as {@link javax.net.SocketFactory#createSocket()} hands out, that becomes a
 * rock or a plain socket when {@link #connect} is called, as the policy decides. Options set before
 * connecting are applied to the connected socket.
 *
 * <p>Made and connected by one thread; after {@link #connect} returns it is as thread-safe as the
 * socket it became. {@code delegate} is volatile so other threads see the connected socket.
 */
public final class ConnectingSocket extends DelegatingSocket {
  private final RealRocksProvider provider;
  private volatile Socket delegate;
  private volatile boolean closedBeforeConnect;
  private int soTimeout;
  private Boolean tcpNoDelay;
  private Boolean keepAlive;
  private int lingerSeconds = -1;
  /** Where {@link #bind} asked to connect from; null if it was not called. */
  private volatile InetSocketAddress local;
  /** Other options set before connecting, applied in order once connected. */
  private final java.util.List<PendingOption> pending = new java.util.ArrayList<>();

  /** An option set on the unconnected socket. */
  private interface PendingOption {
    void apply(Socket socket) throws IOException;
  }

  ConnectingSocket(RealRocksProvider provider) throws SocketException {
    this.provider = provider;
  }

  @Override
  protected Socket delegate() throws SocketException {
    Socket socket = delegate;
    if (socket == null) {
      throw new SocketException("Socket is not connected");
    }
    return socket;
  }

  /** Returns the connected socket, or null before {@link #connect}. */
  Socket connected() {
    return delegate;
  }

  @Override
  public void connect(SocketAddress endpoint, int timeoutMillis) throws IOException {
    if (delegate != null) {
      throw new SocketException("already connected");
    }
    if (closedBeforeConnect) {
      throw new SocketException("Socket is closed");
    }
    if (!(endpoint instanceof InetSocketAddress address)) {
      throw new IllegalArgumentException("unsupported address type " + endpoint);
    }
    if (address.isUnresolved()) {
      throw new UnknownHostException(address.getHostString());
    }
    Duration timeout = timeoutMillis > 0 ? Duration.ofMillis(timeoutMillis) : null;
    Socket socket =
        provider.connectByPolicy(address.getHostString(), address.getAddress(), address.getPort(), timeout, local);
    socket.setSoTimeout(soTimeout);
    if (tcpNoDelay != null) {
      socket.setTcpNoDelay(tcpNoDelay);
    }
    if (keepAlive != null) {
      socket.setKeepAlive(keepAlive);
    }
    if (lingerSeconds >= 0) {
      socket.setSoLinger(true, lingerSeconds);
    }
    for (PendingOption option : pending) {
      try {
        option.apply(socket);
      } catch (UnsupportedOperationException | SocketException ignored) {
        // An option a rock does not have (it picks its own buffers and addresses) is moot.
      } catch (IOException | RuntimeException e) {
        socket.close(); // nobody else holds it yet
        throw e;
      }
    }
    delegate = socket;
  }

  /**
   * Remembers the local address to connect from. A plain connection binds to it; a rock cannot
   * keep it (see {@link RealRocksProvider#connectByPolicy(String, java.net.InetAddress, int,
   * Duration, InetSocketAddress)}).
   */
  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    if (delegate != null || closedBeforeConnect) {
      throw new SocketException(closedBeforeConnect ? "Socket is closed" : "Already bound");
    }
    if (local != null) {
      throw new SocketException("Already bound");
    }
    if (bindpoint != null && !(bindpoint instanceof InetSocketAddress)) {
      throw new IllegalArgumentException("Unsupported address type");
    }
    InetSocketAddress address = bindpoint == null ? new InetSocketAddress(0) : (InetSocketAddress) bindpoint;
    if (address.isUnresolved()) {
      throw new SocketException("Unresolved address");
    }
    local = address;
  }

  @Override
  public boolean isBound() {
    return delegate != null ? super.isBound() : local != null;
  }

  @Override
  public boolean isConnected() {
    return delegate != null && super.isConnected();
  }

  @Override
  public boolean isClosed() {
    return delegate == null ? closedBeforeConnect : super.isClosed();
  }

  @Override
  public void close() throws IOException {
    if (delegate == null) {
      closedBeforeConnect = true;
    } else {
      delegate.close();
    }
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (delegate == null) {
      if (timeout < 0) {
        throw new IllegalArgumentException("timeout < 0");
      }
      soTimeout = timeout;
    } else {
      delegate.setSoTimeout(timeout);
    }
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return delegate == null ? soTimeout : delegate.getSoTimeout();
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    if (delegate == null) {
      tcpNoDelay = on;
    } else {
      delegate.setTcpNoDelay(on);
    }
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return delegate == null ? Boolean.TRUE.equals(tcpNoDelay) : delegate.getTcpNoDelay();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    if (delegate == null) {
      keepAlive = on;
    } else {
      delegate.setKeepAlive(on);
    }
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    if (delegate == null) {
      pending.add(socket -> socket.setReuseAddress(on));
    } else {
      delegate.setReuseAddress(on);
    }
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("negative send size");
    }
    if (delegate == null) {
      pending.add(socket -> socket.setSendBufferSize(size));
    } else {
      delegate.setSendBufferSize(size);
    }
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("invalid receive size");
    }
    if (delegate == null) {
      pending.add(socket -> socket.setReceiveBufferSize(size));
    } else {
      delegate.setReceiveBufferSize(size);
    }
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    if (delegate == null) {
      pending.add(socket -> socket.setTrafficClass(tc));
    } else {
      delegate.setTrafficClass(tc);
    }
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    if (delegate == null) {
      pending.add(socket -> socket.setOOBInline(on));
    } else {
      delegate.setOOBInline(on);
    }
  }

  @Override
  public <T> Socket setOption(java.net.SocketOption<T> name, T value) throws IOException {
    if (delegate == null) {
      pending.add(socket -> socket.setOption(name, value));
    } else {
      delegate.setOption(name, value);
    }
    return this;
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return delegate != null && delegate.getReuseAddress();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    if (delegate == null) {
      lingerSeconds = on ? linger : -1;
    } else {
      delegate.setSoLinger(on, linger);
    }
  }
}
