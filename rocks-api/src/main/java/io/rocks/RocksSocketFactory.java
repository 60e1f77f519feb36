package io.rocks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import javax.net.SocketFactory;

/**
 * A {@link SocketFactory} whose sockets are rocks where the policy says so (and where detection
 * finds a rock server), plain sockets elsewhere. Hand it to any library that takes a socket factory:
 * {@code new OkHttpClient.Builder().socketFactory(RocksSocketFactory.getDefault())}.
 *
 * <p>Stateless and thread-safe. Binding a local address is not supported.
 */
public final class RocksSocketFactory extends SocketFactory {
  private static final RocksSocketFactory DEFAULT = new RocksSocketFactory();

  /** Makes a factory; all instances behave alike (for libraries that instantiate one by class name). */
  public RocksSocketFactory() {}

  /**
   * Returns the factory; it applies the application's policy.
   *
   * @return the shared instance
   */
  public static SocketFactory getDefault() {
    return DEFAULT;
  }

  /** Returns an unconnected socket that becomes a rock or plain when connected. */
  @Override
  public Socket createSocket() throws IOException {
    return Rocks.spi().unconnectedSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return Rocks.connect(host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    refuseLocalBinding(localHost, localPort);
    return Rocks.connect(host, port);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return Rocks.connect(host.getHostAddress(), port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    refuseLocalBinding(localAddress, localPort);
    return Rocks.connect(address.getHostAddress(), port);
  }

  private static void refuseLocalBinding(InetAddress localAddress, int localPort)
      throws SocketException {
    if (localAddress != null || localPort != 0) {
      throw new SocketException(
          "rocks choose their local address anew on every reconnection; binding one is not supported");
    }
  }
}
