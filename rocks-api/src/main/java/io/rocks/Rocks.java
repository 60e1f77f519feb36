package io.rocks;

import io.rocks.spi.RocksProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The entry point: connect to a rocks server, or listen for rocks.
 *
 * <pre>{@code
 * try (Socket socket = Rocks.connect("db.example", 7000)) {   // a rock, unless policy excludes it
 *   socket.getOutputStream().write(request);   // survives Wi-Fi drops and address changes
 * }
 * }</pre>
 */
public final class Rocks {
  private Rocks() {}

  /**
   * Connects to {@code host:port} as the configured policy says ({@code application.conf} over the
   * implementation's {@code reference.conf}): a {@link RockSocket} with the options of the first
   * matching rule, or a plain {@link Socket} where a rule excludes the destination. Blocks until
   * the TCP connection is up, at most the connect timeout. Where the options' detection is {@link
   * RockDetection#DETECT}, they ask for neither TLS nor a pre-shared secret, and the endpoint is
   * not yet known, it also waits for the answer to the rock handshake, at most the detect timeout.
   *
   * @param host the host name or literal address to connect to
   * @param port the remote port
   * @return a connected {@link RockSocket}, or a plain connected socket
   * @throws UnknownHostException if {@code host} does not resolve
   * @throws IOException if the connection cannot be made within the connect timeout, or (while
   *     detecting) a rocks server refuses the rock
   */
  public static Socket connect(String host, int port) throws IOException {
    return provider().connect(host, port);
  }

  /**
   * Connects a rock to {@code remote} with exactly {@code options}, whatever the policy says and
   * without detection: the peer is taken to be a rock. Blocks for at most the connect timeout; the
   * rock handshake completes in the background, pipelined with the first data.
   *
   * <p>{@link #connect(String, int)} is the call that consults the policy (and may return a plain
   * socket); this one always makes a rock, which its name says.
   *
   * @param remote the rocks server's address, resolved
   * @param options the rock's options, used as given
   * @return the connected rock
   * @throws UnknownHostException if {@code remote} is unresolved
   * @throws IOException if the TCP connection (or TLS, where configured) cannot be made
   */
  public static RockSocket connectRock(InetSocketAddress remote, RockOptions options)
      throws IOException {
    if (remote.isUnresolved()) {
      throw new UnknownHostException(remote.getHostString());
    }
    return provider().connect(remote, options);
  }

  /**
   * Listens on {@code port} on all addresses as the configured policy says: a server socket whose
   * {@code accept()} returns rocks (and, where detection is on, plain sockets for plain clients),
   * or a plain {@link ServerSocket} where a rule excludes the port. Holds at most 50 connections
   * not yet accepted. Does not block.
   *
   * @param port the local port, or 0 for a free one
   * @return a bound server socket: a {@link RockServerSocket}, one that also serves plain clients,
   *     or a plain one
   * @throws IOException if the port cannot be bound
   */
  public static ServerSocket serverSocket(int port) throws IOException {
    return provider().bind(new InetSocketAddress(port), 50);
  }

  /** Returns the provider, for the socket factories of this package. */
  static RocksProvider spi() {
    return provider();
  }

  /**
   * Listens for rocks on {@code port} of {@code address} (0 picks a free port) with exactly {@code
   * options}, whatever the policy says.
   *
   * @param port the port, or 0 for a free one
   * @param address the local address to listen on
   * @param options the options of every accepted rock
   * @return the listening server socket
   * @throws IOException if the port cannot be bound
   */
  public static RockServerSocket rockServerSocket(int port, InetAddress address, RockOptions options)
      throws IOException {
    return rockServerSocket(new InetSocketAddress(address, port), 50, options);
  }

  /**
   * Listens for rocks on {@code local} with exactly {@code options}, whatever the policy says,
   * holding at most {@code backlog} rocks not yet accepted.
   *
   * @param local the local address and port (port 0 picks a free one)
   * @param backlog how many established rocks may wait for {@code accept()}
   * @param options the options of every accepted rock
   * @return the listening server socket
   * @throws IOException if the address cannot be bound
   */
  public static RockServerSocket rockServerSocket(
      InetSocketAddress local, int backlog, RockOptions options) throws IOException {
    return provider().bind(local, backlog, options);
  }

  /**
   * Returns the options every rock gets when no rule says otherwise: {@code reference.conf},
   * overridden by the application's configuration. The first call loads the implementation and
   * its configuration; later calls do not block.
   *
   * @return the default options
   */
  public static RockOptions defaultOptions() {
    return provider().defaultOptions();
  }

  /**
   * Returns the view of every rock in this process, for metrics and monitoring: rocks by state,
   * totals, refusals and every rock's events.
   *
   * @return the process's monitor (the same object on every call)
   */
  public static RocksMonitor monitor() {
    return provider().monitor();
  }

  /**
   * Returns the rock behind {@code socket}, or empty if it is a plain socket. A socket from {@link
   * RocksSocketFactory#createSocket()} has a rock once it connected as one. Never blocks.
   *
   * @param socket any socket
   * @return the rock, or empty for a plain socket
   */
  public static Optional<Rock> rockOf(Socket socket) {
    return socket instanceof RockSocket rockSocket
        ? Optional.of(rockSocket.rock())
        : provider().rockOf(socket);
  }

  private static RocksProvider provider() {
    RocksProvider provider = ProviderHolder.PROVIDER;
    if (provider == null) {
      // Thrown on every call, not only the first: a static initialiser that threw would leave
      // NoClassDefFoundError for every later one.
      throw new IllegalStateException(
          "no io.rocks.spi.RocksProvider found: put rocks-impl on the class or module path");
    }
    return provider;
  }

  /** Loads the provider once, on first use; null if there is none. */
  private static final class ProviderHolder {
    static final RocksProvider PROVIDER =
        ServiceLoader.load(RocksProvider.class, Rocks.class.getClassLoader()).findFirst().orElse(null);
  }
}
