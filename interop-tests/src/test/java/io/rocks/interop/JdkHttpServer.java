package io.rocks.interop;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JDK's built-in HTTP server (a plain, client-first server no one here wrote) on a free port:
 *
 * <ul>
 *   <li>{@code GET /data?bytes=N&seed=S}: N reproducible bytes ({@link Digests#payload});
 *   <li>{@code POST /echo}: the request body back, with its SHA-256 as the server read it in {@code
 *       X-Body-Sha256};
 *   <li>{@code GET /hello}: a short text.
 * </ul>
 *
 * Every request line and body digest the server saw is recorded.
 */
final class JdkHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  JdkHttpServer(InetAddress address) throws IOException {
    server = HttpServer.create(new InetSocketAddress(address, 0), 50);
    server.setExecutor(executor);
    server.createContext("/data", this::data);
    server.createContext("/echo", this::echo);
    server.createContext("/hello", this::hello);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  /** What the server saw: one entry per request, in order. */
  List<String> seen() {
    return List.copyOf(seen);
  }

  private void data(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      int bytes = 0;
      long seed = 0;
      for (String pair : uri.getQuery() == null ? new String[0] : uri.getQuery().split("&")) {
        String[] kv = pair.split("=", 2);
        if (kv[0].equals("bytes")) {
          bytes = Integer.parseInt(kv[1]);
        } else if (kv[0].equals("seed")) {
          seed = Long.parseLong(kv[1]);
        }
      }
      drain(exchange.getRequestBody());
      seen.add(exchange.getRequestMethod() + " " + uri);
      byte[] body = Digests.payload(bytes, seed);
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      send(exchange, 200, body);
    }
  }

  private void echo(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String digest = Digests.sha256(body);
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + digest);
      exchange.getResponseHeaders().set("X-Body-Sha256", digest);
      send(exchange, 200, body);
    }
  }

  private void hello(HttpExchange exchange) throws IOException {
    try (exchange) {
      drain(exchange.getRequestBody());
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      send(exchange, 200, "hello from the JDK HTTP server\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void drain(InputStream in) throws IOException {
    in.transferTo(OutputStream.nullOutputStream());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
