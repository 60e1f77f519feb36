package io.rocks.impl.io;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.spi.SelectorProvider;

/**
 * Opens the TCP sockets the library itself uses. Rocks' connections are channels' sockets: frames
 * are written to them from direct buffers ({@link Connection}), and a {@link
 * java.net.SocketImplFactory} never makes one, so the library works unchanged under an agent that
 * installs one (it would otherwise open its own connections through itself). Plain connections are
 * the JDK's own sockets, or what the agent sets with {@link #plainSocketsFrom}.
 *
 * <p>The channels come from {@link SelectorProvider#provider()} unless {@link #openWith} named
 * another provider: an agent that replaces the process's provider to notice the program's own
 * channels has the library's opened by the platform's, unnoticed. Thread-safe.
 */
public final class Channels {
  /** The provider to open with; null for {@link SelectorProvider#provider()}. */
  private static volatile SelectorProvider provider;
  /** Where plain sockets come from; null for {@code new Socket()} and {@code new ServerSocket()}. */
  private static volatile PlainSockets plain;

  /**
   * Makes the library's plain sockets (excluded ports, detection's fallback). Without one, they are
   * the JDK's {@code new Socket()} and {@code new ServerSocket()}, as the application's own would
   * be; under the agent, whose factories those constructors would reach, the agent sets one.
   */
  public interface PlainSockets {
    /**
     * Returns an unconnected socket.
     *
     * @return a new socket
     * @throws IOException if it cannot be made
     */
    Socket socket() throws IOException;

    /**
     * Returns an unbound server socket.
     *
     * @return a new server socket
     * @throws IOException if it cannot be made
     */
    ServerSocket serverSocket() throws IOException;
  }

  private Channels() {}

  /**
   * Opens the library's channels with {@code platform} from now on.
   *
   * @param platform the JDK's own provider
   */
  public static void openWith(SelectorProvider platform) {
    provider = platform;
  }

  /**
   * Makes the library's plain sockets with {@code sockets} from now on.
   *
   * @param sockets the source of plain sockets
   */
  public static void plainSocketsFrom(PlainSockets sockets) {
    plain = sockets;
  }

  /** Returns an unconnected plain socket: the {@link PlainSockets}' if set, else {@code new Socket()}. */
  public static Socket openPlainSocket() throws IOException {
    PlainSockets chosen = plain;
    return chosen != null ? chosen.socket() : new Socket();
  }

  /** Returns an unbound plain server socket: the {@link PlainSockets}' if set, else {@code new ServerSocket()}. */
  public static ServerSocket openPlainServerSocket() throws IOException {
    PlainSockets chosen = plain;
    return chosen != null ? chosen.serverSocket() : new ServerSocket();
  }

  /** Plain sockets that are channels' sockets, which no factory makes. */
  public static final PlainSockets CHANNEL_SOCKETS = new PlainSockets() {
    @Override
    public Socket socket() throws IOException {
      return openSocket();
    }

    @Override
    public ServerSocket serverSocket() throws IOException {
      return openServerSocket();
    }
  };

  private static SelectorProvider provider() {
    SelectorProvider chosen = provider;
    return chosen != null ? chosen : SelectorProvider.provider();
  }

  /** Returns an unconnected socket of a new blocking socket channel. */
  public static Socket openSocket() throws IOException {
    return provider().openSocketChannel().socket();
  }

  /** Returns an unbound server socket of a new blocking server socket channel. */
  public static ServerSocket openServerSocket() throws IOException {
    return provider().openServerSocketChannel().socket();
  }
}
