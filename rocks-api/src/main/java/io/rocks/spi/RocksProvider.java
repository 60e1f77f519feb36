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
  /** Returns the options every rock gets when no rule says otherwise. */
  RockOptions defaultOptions();

  /**
   * Connects to {@code host:port} as the configured policy says: a rock with the options of the
   * first matching rule, or a plain socket where the policy excludes the destination.
   */
  Socket connect(String host, int port) throws IOException;

  /**
   * Listens on {@code local} as the configured policy says: a server socket that serves rocks (and
   * plain clients too where detection is on), or a plain one where the policy excludes the port.
   */
  ServerSocket bind(InetSocketAddress local, int backlog) throws IOException;

  /**
   * Returns an unconnected socket that becomes a rock or a plain socket, as the policy says, when
   * it is connected; for {@link javax.net.SocketFactory#createSocket()}.
   */
  Socket unconnectedSocket() throws IOException;

  /** Returns the rock behind {@code socket}, if it is (or became) one. */
  java.util.Optional<io.rocks.Rock> rockOf(Socket socket);

  /**
   * Connects to a rocks server and returns the rock, without detection (the peer is taken to be a
   * rock). Blocks for at most the options' connect timeout; the rock handshake itself completes in
   * the background, pipelined with the first data.
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
   * Returns a server socket bound to {@code local} (port 0 picks a free port) that accepts rocks.
   */
  RockServerSocket bind(InetSocketAddress local, int backlog, RockOptions options)
      throws IOException;
}
