package io.rocks.agenttests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** A real {@code redis-server} (Debian's redis-server package) on 127.0.0.1, in memory only. */
final class RedisServer implements AutoCloseable {
  private final Process process;
  final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static RedisServer start(Path binary) throws IOException, InterruptedException, TimeoutException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process process = new ProcessBuilder(List.of(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--protected-mode", "no"))
        .redirectErrorStream(true)
        .redirectOutput(Path.of("target", "redis-server-" + port + ".log").toFile())
        .start();
    RedisServer redis = new RedisServer(process, port);
    try {
      io.rocks.testkit.Await.until(Duration.ofSeconds(20), "redis-server accepts connections on " + port, () -> {
        try (java.net.Socket probe = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
          return true;
        } catch (IOException notYet) {
          return !process.isAlive();
        }
      });
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + "; see target/redis-server-" + port + ".log");
      }
      return redis;
    } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
      redis.close();
      throw e;
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
