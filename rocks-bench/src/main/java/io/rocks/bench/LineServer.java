package io.rocks.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal line protocol server on a given server socket (plain or rocks): for each line ending in
 * CRLF it answers {@code +line}; if it {@code greets}, it first sends {@code +HI} unasked (a
 * server-first protocol, like SMTP or FTP), else it waits for the client (client-first, like HTTP).
 *
 * <p>It answers only whole lines and always with a {@code +} first, as real line protocols do: it
 * never reflects a client's bytes back unchanged.
 */
final class LineServer implements AutoCloseable {
  static final String GREETING = "+HI";

  private final ServerSocket listening;
  private final boolean greets;

  LineServer(ServerSocket listening, boolean greets) {
    this.listening = listening;
    this.greets = greets;
    Thread.ofVirtual().name("line-server-" + listening.getLocalPort()).start(this::acceptLoop);
  }

  ServerSocket listening() {
    return listening;
  }

  private void acceptLoop() {
    while (true) {
      Socket socket;
      try {
        socket = listening.accept();
      } catch (IOException closed) {
        return;
      }
      Thread.ofVirtual().start(() -> serve(socket));
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      if (greets) {
        out.write((GREETING + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      String line;
      while ((line = readLine(in)) != null) {
        out.write(("+" + line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException ignored) {
      // The client went away; a detection probe does.
    }
  }

  /** Reads one CRLF-terminated line, without the CRLF; null at the end of the stream. */
  static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int previous = -1;
    int b;
    while ((b = in.read()) >= 0) {
      if (previous == '\r' && b == '\n') {
        line.setLength(line.length() - 1);
        return line.toString();
      }
      line.append((char) b);
      previous = b;
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    listening.close();
  }
}
