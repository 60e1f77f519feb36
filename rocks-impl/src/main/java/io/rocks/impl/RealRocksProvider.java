package io.rocks.impl;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.spi.RocksProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The rocks implementation that {@link java.util.ServiceLoader} finds. Stateless: every rock and
 * server socket carries its own state.
 */
public final class RealRocksProvider implements RocksProvider {
  /** Opens plain TCP connections for rocks; every connection a rock makes goes through here. */
  static final Supervisor.Dialer TCP =
      (address, timeout) -> {
        Socket socket = new Socket();
        try {
          socket.setTcpNoDelay(true);
          socket.connect(address, (int) Math.max(1, timeout.toMillis()));
          return socket;
        } catch (IOException e) {
          Handshake.closeQuietly(socket);
          throw e;
        }
      };

  /** For {@link java.util.ServiceLoader}. */
  public RealRocksProvider() {}

  @Override
  public RockSocket connect(InetSocketAddress remote, RockOptions options) throws IOException {
    return connect(remote, options, TCP);
  }

  static RockSocket connect(InetSocketAddress remote, RockOptions options, Supervisor.Dialer dialer)
      throws IOException {
    Socket socket = dialer.dial(remote, options.connectTimeout());
    RealRock rock =
        new RealRock(
            Handshake.newRockId(),
            RealRock.Role.CONNECTOR,
            options,
            remote,
            RockState.CONNECTING,
            ignored -> {});
    try {
      Connection conn = new Connection(socket);
      rock.clientSetup = Handshake.sendHello(conn, rock.id, options.receiveWindow());
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
    return new RealRockServerSocket(local, backlog, options);
  }

}
