package io.rocks.impl;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.policy.RocksPolicy;
import io.rocks.spi.RocksProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The rocks implementation that {@link java.util.ServiceLoader} finds. Stateless: every rock and
 * server socket carries its own state.
 */
public final class RealRocksProvider implements RocksProvider {
  /**
   * Opens the connections of connecting rocks: TCP within the connect timeout, then TLS when the
   * options carry a context (verifying the server's host name, within the handshake timeout).
   */
  static final Supervisor.Dialer DIALER =
      (address, options) -> {
        Socket socket = new Socket();
        try {
          socket.setTcpNoDelay(true);
          socket.connect(address, (int) Math.max(1, options.connectTimeout().toMillis()));
          return options.tls() == null ? socket : Tls.client(socket, address, options);
        } catch (IOException e) {
          Handshake.closeQuietly(socket);
          throw e;
        }
      };

  /** The application's policy, loaded once on first use ({@code application.conf} over defaults). */
  private static final class Policy {
    static final RocksPolicy LOADED = RocksPolicy.load();
  }

  /** The policy this provider applies; null until first needed, then the application's. */
  private final RocksPolicy policy;

  /** For {@link java.util.ServiceLoader}: applies the application's configured policy. */
  public RealRocksProvider() {
    this.policy = null;
  }

  /** Applies {@code policy} instead of the application's configuration. */
  RealRocksProvider(RocksPolicy policy) {
    this.policy = policy;
  }

  private RocksPolicy policy() {
    return policy != null ? policy : Policy.LOADED;
  }

  @Override
  public RockOptions defaultOptions() {
    return policy().defaults();
  }

  @Override
  public Socket connect(String host, int port) throws IOException {
    InetSocketAddress remote = new InetSocketAddress(host, port);
    if (remote.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    Optional<RockOptions> options = policy().forConnect(host, remote.getAddress(), port);
    if (options.isEmpty()) {
      return plainSocket(remote, policy().defaults()); // excluded: a plain socket
    }
    return connect(remote, options.get());
  }

  private static Socket plainSocket(InetSocketAddress remote, RockOptions options) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(remote, (int) Math.max(1, options.connectTimeout().toMillis()));
      return socket;
    } catch (IOException e) {
      Handshake.closeQuietly(socket);
      throw e;
    }
  }

  @Override
  public ServerSocket bind(int port) throws IOException {
    RocksPolicy rules = policy();
    if (rules.forListen(port).isEmpty()) {
      return new ServerSocket(port);
    }
    return new RealRockServerSocket(
        new InetSocketAddress(port), 50, rules.defaults(), rules::forAccepted);
  }

  @Override
  public RockSocket connect(InetSocketAddress remote, RockOptions options) throws IOException {
    return connect(remote, options, DIALER);
  }

  static RockSocket connect(InetSocketAddress remote, RockOptions options, Supervisor.Dialer dialer)
      throws IOException {
    Socket socket = dialer.dial(remote, options);
    RealRock rock =
        new RealRock(
            Handshake.newRockId(),
            RealRock.Role.CONNECTOR,
            options,
            remote,
            RockState.CONNECTING,
            RockHooks.NONE);
    try {
      Connection conn = new Connection(socket);
      rock.clientSetup = Handshake.sendHello(conn, rock.id, options.preSharedSecret());
      rock.attach(conn, 0, false, false);
    } catch (IOException e) {
      Handshake.closeQuietly(socket);
      throw e;
    }
    Supervisor.startConnector(rock, dialer);
    return new RealRockSocket(rock);
  }

  @Override
  public RockServerSocket bind(InetSocketAddress local, int backlog, RockOptions options)
      throws IOException {
    return new RealRockServerSocket(local, backlog, options, (localPort, remote) -> options);
  }

}
