package io.rocks.bench;

import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/** Sockets for the figures: the two kinds side by side, made and closed the same way. */
final class Net {
  private Net() {}

  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** What is measured: a rock, or a plain {@link java.net.Socket}. */
  enum Kind {
    ROCK,
    PLAIN;

    String key() {
      return name().toLowerCase();
    }
  }

  /** A listening socket of either kind on a free loopback port. */
  static ServerSocket listen(Kind kind, RockOptions options, int backlog) throws IOException {
    if (kind == Kind.ROCK) {
      return Rocks.rockServerSocket(new InetSocketAddress(LOOPBACK, 0), backlog, options);
    }
    return new ServerSocket(0, backlog, LOOPBACK);
  }

  /**
   * Connects a socket of {@code kind} to {@code remote}: {@link Rocks#connect} for a rock, a plain
   * {@link Socket} with TCP_NODELAY (as every connection of a rock has) otherwise.
   */
  static Socket connect(Kind kind, InetSocketAddress remote, RockOptions options) throws IOException {
    if (kind == Kind.ROCK) {
      return Rocks.connectRock(remote, options);
    }
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(remote, (int) options.connectTimeout().toMillis());
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  static Socket accept(ServerSocket server) throws IOException {
    Socket socket = server.accept();
    if (!(socket instanceof RockSocket)) {
      socket.setTcpNoDelay(true);
    }
    return socket;
  }

  static InetSocketAddress address(ServerSocket server) {
    return new InetSocketAddress(LOOPBACK, server.getLocalPort());
  }

  /** Closes {@code socket} and, for a rock, waits up to {@code limit} until it has finished. */
  static void closeAndAwait(Socket socket, Duration limit) throws InterruptedException {
    closeQuietly(socket);
    if (socket instanceof RockSocket rock) {
      long deadline = System.nanoTime() + limit.toNanos();
      while (!rock.rock().state().isTerminal() && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
    }
  }

  /** Drops a socket at once: SO_LINGER 0, which for a rock also drops its undelivered bytes. */
  static void abort(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // Closing is what matters.
    }
    closeQuietly(socket);
  }

  static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Best effort.
    }
  }

  static boolean isConnected(Socket socket) {
    return !(socket instanceof RockSocket rock) || rock.rock().state() == RockState.CONNECTED;
  }

  /**
   * An echo server: an accept loop, and a virtual thread per connection that writes back every
   * byte it reads until the peer shuts its output, then closes. The same code serves rocks and
   * plain sockets.
   */
  static final class Echo implements AutoCloseable {
    final ServerSocket server;
    /** One permit for each connection whose echo has ended. */
    final Semaphore finished = new Semaphore(0);
    /** When accept last returned, and when the echo of that connection read its first byte. */
    volatile long acceptedAt;
    volatile long firstByteAt;
    private final Thread acceptor;

    Echo(ServerSocket server) {
      this.server = server;
      this.acceptor =
          Thread.ofPlatform()
              .daemon()
              .name("bench-echo-accept-" + server.getLocalPort())
              .start(this::acceptLoop);
    }

    InetSocketAddress address() {
      return Net.address(server);
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        Socket socket;
        try {
          socket = accept(server);
          acceptedAt = System.nanoTime();
        } catch (IOException e) {
          return;
        }
        Thread.ofVirtual().name("bench-echo").start(() -> serve(socket));
      }
    }

    private void serve(Socket socket) {
      byte[] buf = new byte[64 * 1024];
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        int n = in.read(buf);
        firstByteAt = System.nanoTime();
        while (n >= 0) {
          out.write(buf, 0, n);
          out.flush();
          n = in.read(buf);
        }
      } catch (SocketException ignored) {
        // The client went away, for example aborted.
      } catch (IOException ignored) {
        // Likewise.
      } finally {
        finished.release();
      }
    }

    @Override
    public void close() {
      closeQuietly(server);
      acceptor.interrupt();
    }
  }
}
