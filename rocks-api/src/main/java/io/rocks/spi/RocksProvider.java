package io.rocks.spi;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * An implementation of rocks, found through {@link java.util.ServiceLoader}. Applications do not use
 * this type; they call {@link io.rocks.Rocks}.
 */
public interface RocksProvider {
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
