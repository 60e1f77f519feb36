package example;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 server on a {@link ServerSocket}: {@code GET /bytes/COUNT/SEED} answers COUNT
 * bytes of {@link Payload} (COUNT a multiple of 64 KiB), then closes the connection. Prints {@code
 * listening PORT}, then serves until it is killed.
 *
 * <p>Usage: {@code HttpFileServer HOST PORT}.
 */
public final class HttpFileServer {
  private HttpFileServer() {}

  public static void main(String[] args) throws IOException {
    try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 50, InetAddress.getByName(args[0]))) {
      System.out.println("listening " + server.getLocalPort());
      System.out.flush();
      while (true) {
        Socket socket = server.accept();
        Thread.ofPlatform().start(() -> serve(socket));
      }
    }
  }

  private static void serve(Socket socket) {
    try (socket) {
      BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String[] line = request.readLine().split(" ");
      for (String header = request.readLine(); header != null && !header.isEmpty(); header = request.readLine()) {
        // headers are not needed
      }
      String[] path = line[1].split("/");
      long count = Long.parseLong(path[2]);
      Payload payload = new Payload(Long.parseLong(path[3]));
      OutputStream out = socket.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + count
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] block = new byte[Payload.BLOCK];
      for (long sent = 0; sent < count; sent += block.length) {
        payload.next(block);
        out.write(block);
      }
      out.flush();
      socket.shutdownOutput();
      while (socket.getInputStream().read() >= 0) {
        // until the client closes
      }
    } catch (IOException e) {
      System.err.println("EXCEPTION in the file server: " + e);
      e.printStackTrace();
    }
  }
}
