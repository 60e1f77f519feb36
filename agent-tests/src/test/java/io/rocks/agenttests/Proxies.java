package io.rocks.agenttests;

import io.rocks.chaos.Toxi;
import io.rocks.chaos.ToxiproxyServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A real Toxiproxy server for one test, with the chaos tests' time-limited client. */
final class Proxies implements AutoCloseable {
  private final ToxiproxyServer server;
  final Toxi toxi;

  private Proxies(ToxiproxyServer server) {
    this.server = server;
    this.toxi = new Toxi(server);
  }

  static Proxies start(String name) throws IOException, InterruptedException {
    Path binary = ToxiproxyServer.locateBinary(Path.of("").toAbsolutePath());
    return new Proxies(ToxiproxyServer.start(binary, Path.of("target", "toxiproxy-" + name + ".log"), Duration.ofSeconds(20)));
  }

  @Override
  public void close() {
    server.close();
  }
}
