package io.rocks;

import io.rocks.spi.RocksProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The entry point: connect to a rocks server, or listen for rocks.
 *
 * <pre>{@code
 * try (Socket socket = Rocks.connect("db.example", 7000)) {
 *   socket.getOutputStream().write(request);   // survives Wi-Fi drops and address changes
 * }
 * }</pre>
 */
public final class Rocks {
  private Rocks() {}

  /**
   * Connects to the rocks server at {@code host:port} with the default options. Blocks until the TCP
   * connection is up (at most the connect timeout).
   */
  public static RockSocket connect(String host, int port) throws IOException {
    return connect(new InetSocketAddress(host, port), RockOptions.defaults());
  }

  /** Connects to the rocks server at {@code remote}; blocks for at most the connect timeout. */
  public static RockSocket connect(InetSocketAddress remote, RockOptions options)
      throws IOException {
    if (remote.isUnresolved()) {
      throw new java.net.UnknownHostException(remote.getHostString());
    }
    return provider().connect(remote, options);
  }

  /** Listens for rocks on {@code port} on all addresses (0 picks a free port). */
  public static RockServerSocket serverSocket(int port) throws IOException {
    return serverSocket(new InetSocketAddress(port), 50, RockOptions.defaults());
  }

  /** Listens for rocks on {@code port} of {@code address} (0 picks a free port). */
  public static RockServerSocket serverSocket(int port, InetAddress address, RockOptions options)
      throws IOException {
    return serverSocket(new InetSocketAddress(address, port), 50, options);
  }

  /** Listens for rocks on {@code local}, holding at most {@code backlog} rocks not yet accepted. */
  public static RockServerSocket serverSocket(
      InetSocketAddress local, int backlog, RockOptions options) throws IOException {
    return provider().bind(local, backlog, options);
  }

  /** Returns the rock behind {@code socket}, or empty if it is a plain socket. */
  public static Optional<Rock> rockOf(Socket socket) {
    return socket instanceof RockSocket rockSocket ? Optional.of(rockSocket.rock()) : Optional.empty();
  }

  private static RocksProvider provider() {
    return ProviderHolder.PROVIDER;
  }

  /** Loads the provider once, on first use. */
  private static final class ProviderHolder {
    static final RocksProvider PROVIDER =
        ServiceLoader.load(RocksProvider.class, Rocks.class.getClassLoader())
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no io.rocks.spi.RocksProvider found: put rocks-impl on the class or module"
                            + " path"));
  }
}
