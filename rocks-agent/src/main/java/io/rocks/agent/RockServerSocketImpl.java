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
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The implementation behind every {@link ServerSocket} the program makes once the agent is
 * installed. {@code ServerSocket.bind} calls {@link #bind} and then {@link #listen}; the server
 * socket is made at {@code listen}, by the provider, as the policy says for the port: a rocks
 * server socket that also serves plain clients, one that serves only rocks, or a plain one. Each
 * accepted connection becomes the {@link RockSocketImpl} that the program's new {@code Socket}
 * brings.
 *
 * <p>Options set before {@code listen} are kept and applied once the server socket exists; {@code
 * lock} guards them, {@code server} and {@code closed}, and is never held while accepting.
 */
final class RockServerSocketImpl extends SocketImpl {
  private final ProviderLoad provider;
  private final Object lock = new Object();
  /** Guarded by lock; read without it by accept. */
  private volatile ServerSocket server;
  /** Guarded by lock. */
  private boolean closed;
  /** Guarded by lock. */
  private int soTimeout;
  /** Options set before listen, applied in order after it. Guarded by lock. */
  private final List<Option> pending = new ArrayList<>();
  private InetAddress bindAddress;
  private int bindPort;

  private interface Option {
    void apply(ServerSocket server) throws IOException;
  }

  RockServerSocketImpl(ProviderLoad provider) {
    this.provider = provider;
  }

  private ServerSocket server() throws SocketException {
    ServerSocket current = server;
    if (current == null) {
      throw new SocketException("Socket is not bound yet");
    }
    return current;
  }

  @Override
  protected void create(boolean stream) throws IOException {
    if (!stream) {
      throw new SocketException("rocks-agent: datagram server sockets are not supported");
    }
  }

  @Override
  protected void bind(InetAddress host, int port) {
    bindAddress = host;
    bindPort = port;
  }

  @Override
  protected void listen(int backlog) throws IOException {
    ServerSocket made = provider.get().bind(new InetSocketAddress(bindAddress, bindPort), backlog);
    try {
      synchronized (lock) {
        if (closed) {
          throw new SocketException("Socket is closed");
        }
        made.setSoTimeout(soTimeout);
        for (Option option : pending) {
          try {
            option.apply(made);
          } catch (UnsupportedOperationException | SocketException moot) {
            // A rocks server socket picks its own buffers; the option has no meaning there.
          }
        }
        pending.clear();
        server = made;
      }
    } catch (IOException | RuntimeException e) {
      made.close();
      throw e;
    }
    address = made.getInetAddress();
    localport = made.getLocalPort();
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
    ServerSocket current;
    synchronized (lock) {
      closed = true;
      current = server;
    }
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void setOption(int optID, Object value) throws SocketException {
    switch (optID) {
      case SocketOptions.SO_TIMEOUT -> {
        synchronized (lock) {
          soTimeout = (Integer) value;
          if (server != null) {
            server.setSoTimeout(soTimeout);
          }
        }
      }
      case SocketOptions.SO_REUSEADDR -> later(s -> s.setReuseAddress((Boolean) value));
      case SocketOptions.SO_RCVBUF -> later(s -> s.setReceiveBufferSize((Integer) value));
      default -> throw new SocketException("rocks-agent: server socket option " + optID + " is not supported");
    }
  }

  @Override
  public Object getOption(int optID) throws SocketException {
    synchronized (lock) {
      return switch (optID) {
        case SocketOptions.SO_TIMEOUT -> soTimeout;
        case SocketOptions.SO_REUSEADDR -> server == null || server.getReuseAddress();
        case SocketOptions.SO_RCVBUF -> server().getReceiveBufferSize();
        case SocketOptions.SO_BINDADDR -> server == null ? bindAddress : server.getInetAddress();
        default -> throw new SocketException("rocks-agent: server socket option " + optID + " is not supported");
      };
    }
  }

  @Override
  protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
    later(s -> s.setOption(name, value));
  }

  @Override
  protected <T> T getOption(SocketOption<T> name) throws IOException {
    return server().getOption(name);
  }

  @Override
  protected Set<SocketOption<?>> supportedOptions() {
    ServerSocket current = server;
    return current != null
        ? current.supportedOptions()
        : Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR);
  }

  /** Applies {@code option} now if the server socket exists, else after {@link #listen}. */
  private void later(Option option) throws SocketException {
    synchronized (lock) {
      if (server == null) {
        pending.add(option);
        return;
      }
      try {
        option.apply(server);
      } catch (SocketException e) {
        throw e;
      } catch (IOException e) {
        throw new SocketException(e.getMessage(), e);
      }
    }
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
