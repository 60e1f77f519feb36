package io.rocks.impl.rock;

import io.rocks.Rock;
import io.rocks.RockSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The {@link java.net.Socket} face of a {@link RealRock}. Every method is served by the rock; the
 * underlying TCP connection changes across recoveries and is never exposed.
 *
 * <p>Thread-safe as a plain socket is: one thread may read while another writes, and {@link #close}
 * from any thread wakes both with {@link SocketException}.
 */
public final class RealRockSocket extends RockSocket {
  private final RealRock rock;
  private final InputStream in;
  private final OutputStream out;
  /** SO_LINGER in seconds, or -1 when off. Only 0 changes behaviour: close then drops unsent data. */
  private volatile int lingerSeconds = -1;

  private volatile boolean tcpNoDelay = true;
  private volatile boolean keepAlive;
  private volatile int trafficClass;

  public RealRockSocket(RealRock rock) throws SocketException {
    this.rock = rock;
    this.in = new RockInputStream(rock, this);
    this.out = new RockOutputStream(rock, this);
  }

  @Override
  public Rock rock() {
    return rock;
  }

  @Override
  public InputStream getInputStream() throws IOException {
    ensureOpen();
    if (rock.isInputShutdown()) {
      throw new SocketException("Socket input is shutdown");
    }
    return in;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    ensureOpen();
    if (rock.isOutputShutdown()) {
      throw new SocketException("Socket output is shutdown");
    }
    return out;
  }

  /**
   * Closes the socket. Never blocks: bytes already written are still delivered in the background,
   * across recoveries if need be, unless SO_LINGER was set to 0, which drops them.
   */
  @Override
  public void close() {
    if (lingerSeconds == 0) {
      rock.abort();
    } else {
      rock.close();
    }
  }

  @Override
  public boolean isClosed() {
    return rock.isAppClosed();
  }

  @Override
  public boolean isConnected() {
    return true;
  }

  @Override
  public boolean isBound() {
    return true;
  }

  @Override
  public void shutdownInput() throws IOException {
    ensureOpen();
    rock.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    ensureOpen();
    rock.shutdownOutput();
  }

  @Override
  public boolean isInputShutdown() {
    return rock.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return rock.isOutputShutdown();
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    throw new SocketException("already connected");
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    throw new SocketException("already connected");
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    throw new SocketException("already bound");
  }

  @Override
  public InetAddress getInetAddress() {
    return rock.peer().getAddress();
  }

  @Override
  public int getPort() {
    return rock.peer().getPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return rock.peer();
  }

  @Override
  public InetAddress getLocalAddress() {
    InetSocketAddress local = rock.localAddress();
    return local == null ? null : local.getAddress();
  }

  @Override
  public int getLocalPort() {
    InetSocketAddress local = rock.localAddress();
    return local == null ? -1 : local.getPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return rock.localAddress();
  }

  @Override
  public SocketChannel getChannel() {
    return null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    ensureOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    rock.soTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    ensureOpen();
    return rock.soTimeout();
  }

  /**
   * Records the setting. The rock always runs its underlying connections with TCP_NODELAY, because
   * its writer already coalesces what the application writes into frames.
   */
  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    ensureOpen();
    tcpNoDelay = on;
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    ensureOpen();
    return tcpNoDelay;
  }

  /** Records the setting; the rock's heartbeats detect failures within seconds either way. */
  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    ensureOpen();
    keepAlive = on;
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    ensureOpen();
    return keepAlive;
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    ensureOpen();
    if (on && linger < 0) {
      throw new IllegalArgumentException("invalid value for SO_LINGER");
    }
    lingerSeconds = on ? linger : -1;
  }

  @Override
  public int getSoLinger() throws SocketException {
    ensureOpen();
    return lingerSeconds;
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    ensureOpen();
    trafficClass = tc;
  }

  @Override
  public int getTrafficClass() throws SocketException {
    ensureOpen();
    return trafficClass;
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    ensureOpen();
    if (size <= 0) {
      throw new IllegalArgumentException("negative send size");
    }
  }

  /** Returns the in-flight capacity: how much may be written before {@code write} blocks. */
  @Override
  public int getSendBufferSize() throws SocketException {
    ensureOpen();
    return rock.options().inFlightCapacity();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    ensureOpen();
    if (size <= 0) {
      throw new IllegalArgumentException("invalid receive size");
    }
  }

  /** Returns the receive window: how much the peer may send before the application reads. */
  @Override
  public int getReceiveBufferSize() throws SocketException {
    ensureOpen();
    return rock.options().receiveWindow();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    ensureOpen();
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    ensureOpen();
    return false;
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    ensureOpen();
    if (on) {
      throw new SocketException("urgent data is not supported by rocks");
    }
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    ensureOpen();
    return false;
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    throw new SocketException("urgent data is not supported by rocks");
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    ensureOpen();
    if (!supportedOptions().contains(name)) {
      throw new UnsupportedOperationException("'" + name + "' not supported by rocks");
    }
    if (value == null) {
      throw new IllegalArgumentException("no value for " + name);
    }
    if (name == StandardSocketOptions.TCP_NODELAY) {
      setTcpNoDelay((Boolean) value);
    } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
      setKeepAlive((Boolean) value);
    } else if (name == StandardSocketOptions.SO_LINGER) {
      int linger = (Integer) value;
      setSoLinger(linger >= 0, Math.max(0, linger));
    } else if (name == StandardSocketOptions.SO_SNDBUF) {
      setSendBufferSize((Integer) value); // a hint, as for TCP; the policy sizes the in-flight buffer
    } else if (name == StandardSocketOptions.SO_RCVBUF) {
      setReceiveBufferSize((Integer) value); // a hint; the policy sizes the receive window
    }
    return this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getOption(SocketOption<T> name) throws IOException {
    ensureOpen();
    if (name == StandardSocketOptions.TCP_NODELAY) {
      return (T) Boolean.valueOf(tcpNoDelay);
    } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
      return (T) Boolean.valueOf(keepAlive);
    } else if (name == StandardSocketOptions.SO_LINGER) {
      return (T) Integer.valueOf(lingerSeconds);
    } else if (name == StandardSocketOptions.SO_SNDBUF) {
      return (T) Integer.valueOf(getSendBufferSize());
    } else if (name == StandardSocketOptions.SO_RCVBUF) {
      return (T) Integer.valueOf(getReceiveBufferSize());
    }
    throw new UnsupportedOperationException("'" + name + "' not supported by rocks");
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return Set.of(
        StandardSocketOptions.TCP_NODELAY,
        StandardSocketOptions.SO_KEEPALIVE,
        StandardSocketOptions.SO_LINGER,
        StandardSocketOptions.SO_SNDBUF,
        StandardSocketOptions.SO_RCVBUF);
  }

  /** Throws as the JDK's sockets do for an option set or read after {@link #close}. */
  private void ensureOpen() throws SocketException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
  }

  @Override
  public String toString() {
    return "RockSocket[" + rock + "]";
  }
}
