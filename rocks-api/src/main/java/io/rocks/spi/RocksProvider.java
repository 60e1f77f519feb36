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
   * Listens on {@code port} as the configured policy says: a rock server socket, or a plain one
   * where the policy excludes the port.
   */
  ServerSocket bind(int port) throws IOException;

  /**
   * Connects to a rocks server and returns the rock. Blocks for at most the options' connect
   * timeout; the rock handshake itself completes in the background, pipelined with the first data.
   */
  RockSocket connect(InetSocketAddress remote, RockOptions options) throws IOException;

  /**
   * Returns a server socket bound to {@code local} (port 0 picks a free port) that accepts rocks.
   */
  RockServerSocket bind(InetSocketAddress local, int backlog, RockOptions options)
      throws IOException;
}
