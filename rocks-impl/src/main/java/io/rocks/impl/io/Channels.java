package io.rocks.impl.io;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.spi.SelectorProvider;

/**
 * Opens every TCP socket the library itself uses, rocks' connections and plain ones alike, as a
 * channel's socket. A channel's socket is never made by a {@link java.net.SocketImplFactory}, so
 * the library works unchanged under an agent that installs one (it would otherwise open its own
 * connections through itself), and frames are written from direct buffers ({@link Connection}).
 *
 * <p>The channels come from {@link SelectorProvider#provider()} unless {@link #openWith} named
 * another provider: an agent that replaces the process's provider to notice the program's own
 * channels has the library's opened by the platform's, unnoticed. Thread-safe.
 */
public final class Channels {
  /** The provider to open with; null for {@link SelectorProvider#provider()}. */
  private static volatile SelectorProvider provider;

  private Channels() {}

  /**
   * Opens the library's channels with {@code platform} from now on.
   *
   * @param platform the JDK's own provider
   */
  public static void openWith(SelectorProvider platform) {
    provider = platform;
  }

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
