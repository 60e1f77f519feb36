package io.rocks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import javax.net.ServerSocketFactory;

/**
 * A {@link ServerSocketFactory} whose server sockets accept rocks, and plain clients too where the
 * policy's detection is on; a plain server socket where the policy excludes the port.
 *
 * <p>Stateless and thread-safe.
 */
public final class RocksServerSocketFactory extends ServerSocketFactory {
  private static final RocksServerSocketFactory DEFAULT = new RocksServerSocketFactory();

  /** Makes a factory; all instances behave alike (for libraries that instantiate one by class name). */
  public RocksServerSocketFactory() {}

  /**
   * Returns the factory; it applies the application's policy.
   *
   * @return the shared instance
   */
  public static ServerSocketFactory getDefault() {
    return DEFAULT;
  }

  /**
   * Returns an unbound server socket; binding it makes the server socket the policy says for the
   * port.
   */
  @Override
  public ServerSocket createServerSocket() throws IOException {
    return Rocks.spi().unboundServerSocket();
  }

  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    return Rocks.spi().bind(new InetSocketAddress(port), 50);
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog) throws IOException {
    return Rocks.spi().bind(new InetSocketAddress(port), backlog);
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
      throws IOException {
    return Rocks.spi().bind(new InetSocketAddress(address, port), backlog);
  }
}
