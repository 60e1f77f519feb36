package io.rocks.spi;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * An implementation of rocks, found through {@link java.util.ServiceLoader}. Applications do not use
 * this type; they call {@link io.rocks.Rocks}.
 */
public interface RocksProvider {
  /**
   * Returns the options every rock gets when no rule says otherwise.
   *
   * @return the default options
   */
  RockOptions defaultOptions();

  /**
   * Connects to {@code host:port} as the configured policy says: a rock with the options of the
   * first matching rule, or a plain socket where the policy excludes the destination. Blocks as
   * {@link io.rocks.Rocks#connect(String, int)} says.
   *
   * @param host the host name or literal address to connect to
   * @param port the remote port
   * @return a connected {@link RockSocket}, or a plain connected socket
   * @throws java.net.UnknownHostException if {@code host} does not resolve
   * @throws IOException if the connection cannot be made
   */
  Socket connect(String host, int port) throws IOException;

  /**
   * Listens on {@code local} as the configured policy says: a server socket that serves rocks (and
   * plain clients too where detection is on), or a plain one where the policy excludes the port.
   *
   * @param local the local address and port (port 0 picks a free one)
   * @param backlog how many connections may wait for {@code accept()}
   * @return a bound server socket
   * @throws IOException if the address cannot be bound
   */
  ServerSocket bind(InetSocketAddress local, int backlog) throws IOException;

  /**
   * Returns an unconnected socket that becomes a rock or a plain socket, as the policy says, when
   * it is connected; for {@link javax.net.SocketFactory#createSocket()}.
   *
   * @return an unconnected socket
   * @throws IOException if the socket cannot be made
   */
  Socket unconnectedSocket() throws IOException;

  /**
   * Returns an unbound server socket that becomes, when it is bound, the server socket {@link
   * #bind(InetSocketAddress, int)} makes for its address; for {@link
   * javax.net.ServerSocketFactory#createServerSocket()}.
   *
   * @return an unbound server socket
   * @throws IOException if the server socket cannot be made
   */
  default ServerSocket unboundServerSocket() throws IOException {
    throw new java.net.SocketException("Unbound server sockets not implemented");
  }

  /**
   * Returns the rock behind {@code socket}, if it is (or became) one. {@link io.rocks.Rocks#rockOf}
   * calls this only for sockets that are not a {@link RockSocket}, such as one from {@link
   * #unconnectedSocket()}.
   *
   * @param socket any socket
   * @return the rock, or empty for a plain socket
   */
  java.util.Optional<io.rocks.Rock> rockOf(Socket socket);

  /**
   * Connects to a rocks server and returns the rock, without detection (the peer is taken to be a
   * rock). Blocks for at most the options' connect timeout; the rock handshake itself completes in
   * the background, pipelined with the first data.
   *
   * @param remote the rocks server's address, resolved
   * @param options the rock's options, used as given
   * @return the connected rock
   * @throws IOException if the TCP connection (or TLS, where configured) cannot be made
   */
  RockSocket connect(InetSocketAddress remote, RockOptions options) throws IOException;

  /**
   * Returns the view of every rock this provider made or accepted in this process. A provider
   * that keeps none throws.
   *
   * @return the process's monitor (the same object on every call)
   * @throws UnsupportedOperationException if this provider keeps no such view
   */
  default io.rocks.RocksMonitor monitor() {
    throw new UnsupportedOperationException(getClass().getName() + " keeps no RocksMonitor");
  }

  /**
   * Returns a server socket bound to {@code local} (port 0 picks a free port) that accepts rocks
   * with exactly {@code options}, whatever the policy says.
   *
   * @param local the local address and port
   * @param backlog how many established rocks may wait for {@code accept()}
   * @param options the options of every accepted rock
   * @return the listening server socket
   * @throws IOException if the address cannot be bound
   */
  RockServerSocket bind(InetSocketAddress local, int backlog, RockOptions options)
      throws IOException;
}
