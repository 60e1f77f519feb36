package example;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;

/**
 * Prints what a program sees of a connected {@link Socket}'s options, timeouts and shutdown, one
 * line each, so that runs with and without the agent can be compared line by line. Then tries to
 * set its own socket implementation factory and prints what happened. Connects to an echo server.
 *
 * <p>Usage: {@code SocketBehaviour HOST PORT [interrupt]} ({@code interrupt}: also what a read on
 * an interrupted platform thread does: a socket of the JDK's own implementation ignores the
 * interrupt, a channel's socket closes).
 */
public final class SocketBehaviour {
  private SocketBehaviour() {}

  @SuppressWarnings("deprecation")
  public static void main(String[] args) throws Exception {
    try (Socket socket = new Socket(args[0], Integer.parseInt(args[1]))) {
      System.out.println("connected " + socket.isConnected() + " bound " + socket.isBound() + " closed " + socket.isClosed());
      System.out.println("remote port matches " + (socket.getPort() == Integer.parseInt(args[1]))
          + ", local port set " + (socket.getLocalPort() > 0));
      socket.setTcpNoDelay(true);
      System.out.println("TCP_NODELAY " + socket.getTcpNoDelay());
      socket.setKeepAlive(true);
      System.out.println("SO_KEEPALIVE " + socket.getKeepAlive());
      socket.setSoLinger(true, 5);
      System.out.println("SO_LINGER " + socket.getSoLinger());
      socket.setSoLinger(false, 0);
      System.out.println("SO_LINGER off " + socket.getSoLinger());
      socket.setOption(StandardSocketOptions.TCP_NODELAY, false);
      System.out.println("TCP_NODELAY by option " + socket.getOption(StandardSocketOptions.TCP_NODELAY));
      socket.setSoTimeout(300);
      System.out.println("SO_TIMEOUT " + socket.getSoTimeout());
      InputStream in = socket.getInputStream();
      try {
        in.read();
        System.out.println("read returned without data");
      } catch (SocketTimeoutException e) {
        System.out.println("read timed out: " + e.getClass().getSimpleName());
      }
      socket.getOutputStream().write(new byte[] {1, 2, 3});
      socket.getOutputStream().flush();
      System.out.println("echo " + in.read() + " " + in.read() + " " + in.read() + " available " + in.available());
      if (args.length > 2 && args[2].equals("interrupt")) {
        socket.setSoTimeout(0);
        socket.getOutputStream().write(7);
        socket.getOutputStream().flush();
        Thread reader = Thread.ofPlatform().start(() -> {
          Thread.currentThread().interrupt();
          try {
            System.out.println("interrupted platform thread read " + in.read());
          } catch (java.io.IOException e) {
            System.out.println("interrupted platform thread read: " + e.getClass().getSimpleName());
          }
        });
        reader.join();
        System.out.println("closed after the interrupt " + socket.isClosed());
      }
      socket.shutdownOutput();
      System.out.println("output shut down " + socket.isOutputShutdown() + ", then read " + in.read());
      try {
        socket.getOutputStream().write(4);
        System.out.println("write after shutdown succeeded");
      } catch (SocketException e) {
        System.out.println("write after shutdown: " + e.getClass().getSimpleName());
      }
    }
    try {
      Socket.setSocketImplFactory(() -> null);
      System.out.println("own factory: set");
    } catch (SocketException e) {
      System.out.println("own factory: " + e.getMessage());
    }
  }
}
