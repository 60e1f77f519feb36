package io.rocks.interop;

import io.rocks.chaos.Toxi;
import io.rocks.chaos.ToxiproxyServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real Toxiproxy server for one test, driven through the chaos tests' {@link Toxi} (every API
 * call time-limited). Closing it stops the server.
 */
final class Toxiproxy implements AutoCloseable {
  private final ToxiproxyServer server;
  /** The time-limited client of this server. */
  final Toxi toxi;

  private Toxiproxy(ToxiproxyServer server) {
    this.server = server;
    this.toxi = new Toxi(server);
  }

  /** Starts {@code toxiproxy-server} (see {@link ToxiproxyServer#locateBinary}); its log goes to target/. */
  static Toxiproxy start() throws IOException, InterruptedException {
    Path binary = ToxiproxyServer.locateBinary(Path.of("").toAbsolutePath());
    return new Toxiproxy(
        ToxiproxyServer.start(binary, Path.of("target", "toxiproxy-server.log"), Duration.ofSeconds(20)));
  }

  String describe() {
    return server.toString();
  }

  @Override
  public void close() {
    server.close();
  }
}
