package io.rocks.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.util.Set;

/**
 * The implementation behind every {@link ServerSocket} the program makes once the agent is
 * installed: it stands for the provider's unbound server socket ({@code
 * RocksProvider.unboundServerSocket}), which becomes, when bound, the server socket the policy says
 * for the port (one that also serves plain clients, one that serves only rocks, or a plain one) and
 * keeps the options set before that. {@code ServerSocket.bind} calls {@link #bind} and then {@link
 * #listen}; the server socket is bound at {@code listen}, when the backlog is known. Each accepted
 * connection becomes the {@link RockSocketImpl} that the program's new {@code Socket} brings.
 *
 * <p>Used by the threads of the program's {@code ServerSocket}; {@code server} is volatile so a
 * thread that closes sees what another made. No lock is held here; the server socket has its own.
 */
final class RockServerSocketImpl extends SocketImpl {
  private final ProviderLoad provider;
  /** The provider's server socket, from {@link #create}; null before. */
  private volatile ServerSocket server;
  private InetAddress bindAddress;
  private int bindPort;

  RockServerSocketImpl(ProviderLoad provider) {
    this.provider = provider;
  }

  private ServerSocket server() throws SocketException {
    ServerSocket current = server;
    if (current == null) {
      throw new SocketException("Socket is not created");
    }
    return current;
  }

  @Override
  protected void create(boolean stream) throws IOException {
    if (!stream) {
      throw new SocketException("rocks-agent: datagram server sockets are not supported");
    }
    if (server == null) {
      server = provider.get().unboundServerSocket();
    }
  }

  @Override
  protected void bind(InetAddress host, int port) {
    bindAddress = host;
    bindPort = port;
  }

  @Override
  protected void listen(int backlog) throws IOException {
    ServerSocket bound = server();
    bound.bind(new InetSocketAddress(bindAddress, bindPort), backlog);
    address = bound.getInetAddress();
    localport = bound.getLocalPort();
  }

  @Override
  protected void accept(SocketImpl s) throws IOException {
    Socket accepted = server().accept();
    if (!(s instanceof RockSocketImpl impl)) {
      accepted.close();
      throw new SocketException("rocks-agent: cannot hand an accepted connection to a " + s.getClass().getName()
          + ": another socket implementation factory was set before the agent's");
    }
    impl.accepted(accepted);
  }

  @Override
  protected void close() throws IOException {
    ServerSocket current = server;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void setOption(int optID, Object value) throws SocketException {
    ServerSocket s = server();
    switch (optID) {
      case SocketOptions.SO_TIMEOUT -> s.setSoTimeout((Integer) value);
      case SocketOptions.SO_REUSEADDR -> s.setReuseAddress((Boolean) value);
      case SocketOptions.SO_RCVBUF -> s.setReceiveBufferSize((Integer) value);
      default -> throw new SocketException("rocks-agent: server socket option " + optID + " is not supported");
    }
  }

  @Override
  public Object getOption(int optID) throws SocketException {
    ServerSocket s = server();
    try {
      return switch (optID) {
        case SocketOptions.SO_TIMEOUT -> s.getSoTimeout();
        case SocketOptions.SO_REUSEADDR -> s.getReuseAddress();
        case SocketOptions.SO_RCVBUF -> s.getReceiveBufferSize();
        case SocketOptions.SO_BINDADDR -> s.getInetAddress();
        default -> throw new SocketException("rocks-agent: server socket option " + optID + " is not supported");
      };
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw new SocketException(e.getMessage(), e);
    }
  }

  @Override
  protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
    server().setOption(name, value);
  }

  @Override
  protected <T> T getOption(SocketOption<T> name) throws IOException {
    return server().getOption(name);
  }

  @Override
  protected Set<SocketOption<?>> supportedOptions() {
    ServerSocket current = server;
    return current != null ? current.supportedOptions() : Set.of();
  }

  // A server socket has no streams, no peer and no urgent data.

  @Override
  protected void connect(String host, int port) throws IOException {
    throw new SocketException("not a client socket");
  }

  @Override
  protected void connect(InetAddress address, int port) throws IOException {
    throw new SocketException("not a client socket");
  }

  @Override
  protected void connect(SocketAddress address, int timeout) throws IOException {
    throw new SocketException("not a client socket");
  }

  @Override
  protected InputStream getInputStream() throws IOException {
    throw new SocketException("not a client socket");
  }

  @Override
  protected OutputStream getOutputStream() throws IOException {
    throw new SocketException("not a client socket");
  }

  @Override
  protected int available() throws IOException {
    throw new SocketException("not a client socket");
  }

  @Override
  protected void sendUrgentData(int data) throws IOException {
    throw new SocketException("not a client socket");
  }
}
