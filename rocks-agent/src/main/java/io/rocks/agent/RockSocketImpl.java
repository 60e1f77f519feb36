package io.rocks.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Set;

/**
 * The implementation behind every {@link Socket} the program makes once the agent is installed: it
 * stands for the provider's connecting socket, which becomes a rock or a plain connection as the
 * policy decides when the program connects, or for a connection a server socket accepted. The
 * program's {@code Socket} forwards everything here; this class forwards it to that socket.
 *
 * <p>Made by the agent's factory for every {@code Socket}, including the ones the library makes
 * itself as subclasses (they never call {@link #create}, so nothing is opened for them). Used by
 * the threads of the program's {@code Socket}; {@code socket} is volatile so a thread that closes
 * sees what another connected.
 */
final class RockSocketImpl extends SocketImpl {
  /** The options a socket has before it connects, as the platform's sockets report them. */
  private static final Set<SocketOption<?>> OPTIONS =
      Set.of(StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_SNDBUF,
          StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR,
          StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS, StandardSocketOptions.TCP_NODELAY);

  private final ProviderLoad provider;
  /** The provider's socket (from {@link #create}) or an accepted one; null before either. */
  private volatile Socket socket;

  RockSocketImpl(ProviderLoad provider) {
    this.provider = provider;
  }

  private Socket socket() throws SocketException {
    Socket current = socket;
    if (current == null) {
      throw new SocketException("Socket is not created");
    }
    return current;
  }

  /** Makes this the implementation of a connection {@code accepted} by a server socket. */
  void accepted(Socket accepted) {
    socket = accepted;
    address = accepted.getInetAddress();
    port = accepted.getPort();
    localport = accepted.getLocalPort();
  }

  @Override
  protected void create(boolean stream) throws IOException {
    if (!stream) {
      throw new SocketException("rocks-agent: datagram sockets through java.net.Socket are not supported");
    }
    if (socket == null) {
      socket = provider.get().unconnectedSocket();
    }
  }

  @Override
  protected void connect(String host, int port) throws IOException {
    connect(new InetSocketAddress(host, port), 0);
  }

  @Override
  protected void connect(InetAddress address, int port) throws IOException {
    connect(new InetSocketAddress(address, port), 0);
  }

  @Override
  protected void connect(SocketAddress endpoint, int timeout) throws IOException {
    Socket current = socket();
    current.connect(endpoint, timeout);
    InetSocketAddress remote = (InetSocketAddress) endpoint;
    this.address = remote.getAddress();
    this.port = remote.getPort();
    this.localport = current.getLocalPort();
  }

  @Override
  protected void bind(InetAddress host, int port) throws IOException {
    socket().bind(new InetSocketAddress(host, port));
  }

  @Override
  protected void listen(int backlog) throws IOException {
    throw new SocketException("not a server socket");
  }

  @Override
  protected void accept(SocketImpl s) throws IOException {
    throw new SocketException("not a server socket");
  }

  @Override
  protected InputStream getInputStream() throws IOException {
    return socket().getInputStream();
  }

  @Override
  protected OutputStream getOutputStream() throws IOException {
    return socket().getOutputStream();
  }

  @Override
  protected int available() throws IOException {
    return socket().getInputStream().available();
  }

  @Override
  protected void close() throws IOException {
    Socket current = socket;
    if (current != null) {
      current.close();
    }
  }

  @Override
  protected void shutdownInput() throws IOException {
    socket().shutdownInput();
  }

  @Override
  protected void shutdownOutput() throws IOException {
    socket().shutdownOutput();
  }

  @Override
  protected boolean supportsUrgentData() {
    return true; // the socket itself says whether it can
  }

  @Override
  protected void sendUrgentData(int data) throws IOException {
    socket().sendUrgentData(data);
  }

  /** A rock's local port changes when it reconnects; this asks the socket each time. */
  @Override
  protected int getLocalPort() {
    Socket current = socket;
    return current != null && current.isBound() ? current.getLocalPort() : localport;
  }

  @Override
  public void setOption(int optID, Object value) throws SocketException {
    SocketOptionCodes.set(socket(), optID, value);
  }

  @Override
  public Object getOption(int optID) throws SocketException {
    return SocketOptionCodes.get(socket(), optID);
  }

  @Override
  protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
    socket().setOption(name, value);
  }

  @Override
  protected <T> T getOption(SocketOption<T> name) throws IOException {
    return socket().getOption(name);
  }

  @Override
  protected Set<SocketOption<?>> supportedOptions() {
    Socket current = socket;
    if (current == null || !current.isConnected()) {
      return OPTIONS;
    }
    return current.supportedOptions();
  }
}
