package example;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * An echo server as programs were written before rocks: a {@link ServerSocket} and a platform
 * thread per connection. Prints {@code listening PORT}, then serves until it is killed. Any
 * exception a connection meets is printed with the word EXCEPTION.
 *
 * <p>Usage: {@code EchoServer HOST PORT [tls]} (0 for any free port; {@code tls}: an {@code
 * SSLServerSocket} from the default context, whose key store the {@code javax.net.ssl} properties
 * name).
 */
public final class EchoServer {
  private EchoServer() {}

  public static void main(String[] args) throws IOException {
    InetAddress host = InetAddress.getByName(args[0]);
    int port = Integer.parseInt(args[1]);
    boolean tls = args.length > 2 && args[2].equals("tls");
    try (ServerSocket server = tls
        ? javax.net.ssl.SSLServerSocketFactory.getDefault().createServerSocket(port, 50, host)
        : new ServerSocket(port, 50, host)) {
      System.out.println("listening " + server.getLocalPort());
      System.out.flush();
      while (true) {
        Socket socket = server.accept();
        Thread.ofPlatform().start(() -> echo(socket));
      }
    }
  }

  private static void echo(Socket socket) {
    try (socket) {
      socket.getInputStream().transferTo(socket.getOutputStream());
      socket.shutdownOutput();
    } catch (IOException e) {
      System.err.println("EXCEPTION in the echo server: " + e);
      e.printStackTrace();
    }
  }
}
