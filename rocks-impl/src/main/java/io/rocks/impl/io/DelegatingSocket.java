package io.rocks.impl.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A {@link Socket} that forwards every call to another socket, {@link #delegate()}. Subclasses
 * decide which socket that is and may change a few calls.
 *
 * <p>Thread-safe as far as the delegate is.
 */
public abstract class DelegatingSocket extends Socket {
  public DelegatingSocket() throws SocketException {
    super((SocketImpl) null);
  }

  /** Returns the socket calls go to; throws if there is none yet. */
  protected abstract Socket delegate() throws SocketException;

  @Override
  public InputStream getInputStream() throws IOException {
    return delegate().getInputStream();
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    return delegate().getOutputStream();
  }

  @Override
  public void close() throws IOException {
    delegate().close();
  }

  @Override
  public boolean isClosed() {
    try {
      return delegate().isClosed();
    } catch (SocketException e) {
      return false;
    }
  }

  @Override
  public boolean isConnected() {
    try {
      return delegate().isConnected();
    } catch (SocketException e) {
      return false;
    }
  }

  @Override
  public boolean isBound() {
    try {
      return delegate().isBound();
    } catch (SocketException e) {
      return false;
    }
  }

  @Override
  public void shutdownInput() throws IOException {
    delegate().shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    delegate().shutdownOutput();
  }

  @Override
  public boolean isInputShutdown() {
    try {
      return delegate().isInputShutdown();
    } catch (SocketException e) {
      return false;
    }
  }

  @Override
  public boolean isOutputShutdown() {
    try {
      return delegate().isOutputShutdown();
    } catch (SocketException e) {
      return false;
    }
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    throw new SocketException("already connected");
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    throw new SocketException("binding before connect is not supported by rocks");
  }

  @Override
  public InetAddress getInetAddress() {
    try {
      return delegate().getInetAddress();
    } catch (SocketException e) {
      return null;
    }
  }

  @Override
  public int getPort() {
    try {
      return delegate().getPort();
    } catch (SocketException e) {
      return 0;
    }
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    try {
      return delegate().getRemoteSocketAddress();
    } catch (SocketException e) {
      return null;
    }
  }

  @Override
  public InetAddress getLocalAddress() {
    try {
      return delegate().getLocalAddress();
    } catch (SocketException e) {
      return null;
    }
  }

  @Override
  public int getLocalPort() {
    try {
      return delegate().getLocalPort();
    } catch (SocketException e) {
      return -1;
    }
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    try {
      return delegate().getLocalSocketAddress();
    } catch (SocketException e) {
      return null;
    }
  }

  @Override
  public SocketChannel getChannel() {
    return null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    delegate().setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return delegate().getSoTimeout();
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    delegate().setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return delegate().getTcpNoDelay();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    delegate().setKeepAlive(on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return delegate().getKeepAlive();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    delegate().setSoLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return delegate().getSoLinger();
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    delegate().setSendBufferSize(size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return delegate().getSendBufferSize();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    delegate().setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return delegate().getReceiveBufferSize();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    delegate().setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return delegate().getReuseAddress();
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    delegate().setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return delegate().getTrafficClass();
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    delegate().setOOBInline(on);
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return delegate().getOOBInline();
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    delegate().sendUrgentData(data);
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    delegate().setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return delegate().getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    try {
      return delegate().supportedOptions();
    } catch (SocketException e) {
      return Set.of();
    }
  }

  @Override
  public String toString() {
    try {
      return delegate().toString();
    } catch (SocketException e) {
      return getClass().getSimpleName() + "[unconnected]";
    }
  }
}
