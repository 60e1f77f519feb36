package io.rocks;

import java.io.IOException;
import java.net.ServerSocket;

/**
 * A {@link ServerSocket} that accepts rocks. Besides handing out new rocks, it is where suspended
 * rocks come back: a rock whose peer reconnects is resumed by the server socket it was accepted
 * from, so closing the server socket makes its suspended rocks fail.
 */
public abstract class RockServerSocket extends ServerSocket {
  /**
   * For implementations; the subclass serves every method itself, so the unbound socket this
   * constructor makes is never bound and holds no file descriptor.
   *
   * @throws IOException never in practice; {@link ServerSocket#ServerSocket()} declares it
   */
  protected RockServerSocket() throws IOException {
    super();
  }

  /**
   * Waits for the next new rock and returns it, established and ready. Blocks until a rock arrives,
   * the {@linkplain #setSoTimeout timeout} passes ({@link java.net.SocketTimeoutException}) or this
   * server socket is closed ({@link java.net.SocketException}).
   */
  @Override
  public abstract RockSocket accept() throws IOException;
}
