package example;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A netcat-like client: copies stdin to a {@link Socket} (then shuts its output down) and the
 * socket's input to stdout, and exits 0 when the server has closed its side. Any exception is
 * printed with the word EXCEPTION, and the program exits 1.
 *
 * <p>Usage: {@code StreamClient HOST PORT [tls | tls-layered]} ({@code tls}: an {@code SSLSocket}
 * from the default context, whose trust store the {@code javax.net.ssl} properties name; {@code
 * tls-layered}: the same, layered over a connected {@code Socket}, as {@code HttpsURLConnection}
 * does).
 */
public final class StreamClient {
  private StreamClient() {}

  public static void main(String[] args) throws Exception {
    String tls = args.length > 2 ? args[2] : "";
    int port = Integer.parseInt(args[1]);
    try (Socket socket = switch (tls) {
      case "tls" -> javax.net.ssl.SSLSocketFactory.getDefault().createSocket(args[0], port);
      case "tls-layered" -> ((javax.net.ssl.SSLSocketFactory) javax.net.ssl.SSLSocketFactory.getDefault())
          .createSocket(new Socket(args[0], port), args[0], port, true);
      default -> new Socket(args[0], port);
    }) {
      socket.setTcpNoDelay(true);
      Thread sender = Thread.ofPlatform().start(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          System.in.transferTo(out);
          out.flush();
          socket.shutdownOutput();
        } catch (IOException e) {
          fail(e);
        }
      });
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[65536];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        System.out.write(buffer, 0, n);
      }
      System.out.flush();
      sender.join();
    } catch (IOException e) {
      fail(e);
    }
  }

  private static void fail(Exception e) {
    System.err.println("EXCEPTION in the client: " + e);
    e.printStackTrace();
    System.exit(1);
  }
}
