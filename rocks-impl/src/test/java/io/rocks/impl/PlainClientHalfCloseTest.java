package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rocks;
import io.rocks.policy.RocksPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A plain client of a server socket that serves rocks and plain clients sends its request and
 * shuts its output down; the server reads the request to its end and only then answers. Reading to
 * the end must not close the plain socket the server was handed (its first bytes were read while
 * deciding it is plain, and are replayed before the rest).
 */
class PlainClientHalfCloseTest {
  @Test
  @Timeout(30)
  void theServerAnswersAPlainClientAfterReadingItsRequestToTheEnd() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse("rocks.detect-timeout = 300 ms", "test"));
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = provider.bind(new InetSocketAddress(loopback, 0), 10)) {
      CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
        try (Socket socket = server.accept()) {
          assertTrue(Rocks.rockOf(socket).isEmpty(), "a plain client");
          byte[] request = socket.getInputStream().readAllBytes();
          OutputStream out = socket.getOutputStream();
          out.write(("got " + request.length).getBytes(StandardCharsets.US_ASCII));
          socket.shutdownOutput();
          return new String(request, StandardCharsets.US_ASCII);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, Thread.ofVirtual()::start);
      try (Socket client = new Socket(loopback, server.getLocalPort())) {
        client.getOutputStream().write("hello, plain".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        InputStream in = client.getInputStream();
        assertArrayEquals("got 12".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
      }
      assertEquals("hello, plain", served.get(10, TimeUnit.SECONDS));
    }
  }
}
