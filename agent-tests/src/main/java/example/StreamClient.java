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
 * <p>Usage: {@code StreamClient HOST PORT [tls]} ({@code tls}: an {@code SSLSocket} from the
 * default context, whose trust store the {@code javax.net.ssl} properties name).
 */
public final class StreamClient {
  private StreamClient() {}

  public static void main(String[] args) throws Exception {
    boolean tls = args.length > 2 && args[2].equals("tls");
    try (Socket socket = tls
        ? javax.net.ssl.SSLSocketFactory.getDefault().createSocket(args[0], Integer.parseInt(args[1]))
        : new Socket(args[0], Integer.parseInt(args[1]))) {
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
