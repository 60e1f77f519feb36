package io.rocks.interop;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.rocks.chaos.TimeLimit;
import io.rocks.chaos.ToxiproxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A real Toxiproxy server for one test, with a time limit on every API call (the Java client sets
 * no HTTP timeouts of its own).
 */
final class Toxiproxy implements AutoCloseable {
  private static final Duration CALL_LIMIT = Duration.ofSeconds(10);

  private final ToxiproxyServer server;
  private final ToxiproxyClient client;

  private Toxiproxy(ToxiproxyServer server) {
    this.server = server;
    this.client = server.client();
  }

  /** Starts {@code toxiproxy-server} (see {@link ToxiproxyServer#locateBinary}); its log goes to target/. */
  static Toxiproxy start() throws IOException, InterruptedException {
    Path binary = ToxiproxyServer.locateBinary(Path.of("").toAbsolutePath());
    return new Toxiproxy(
        ToxiproxyServer.start(binary, Path.of("target", "toxiproxy-server.log"), Duration.ofSeconds(20)));
  }

  private <T> T call(String what, Callable<T> call) throws Exception {
    return TimeLimit.call(CALL_LIMIT, what + " (" + server + ")", call);
  }

  /** Creates a proxy listening on a free port of {@code listen} and forwarding to {@code upstream}. */
  Proxy createProxy(String name, InetAddress listen, InetSocketAddress upstream) throws Exception {
    String upstreamText = upstream.getAddress().getHostAddress() + ":" + upstream.getPort();
    return call(
        "create proxy " + name,
        () -> client.createProxy(name, listen.getHostAddress() + ":0", upstreamText));
  }

  /** The address a proxy listens on. */
  static InetSocketAddress listenAddress(Proxy proxy) {
    String listen = proxy.getListen();
    int colon = listen.lastIndexOf(':');
    return new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
  }

  /**
   * Cuts the link silently: a {@code timeout} toxic with timeout 0 in both directions drops every
   * byte and closes nothing, like a pulled cable.
   */
  List<Toxic> silentCut(Proxy proxy) throws Exception {
    List<Toxic> added = new ArrayList<>();
    for (ToxicDirection direction : ToxicDirection.values()) {
      String name = "cut-" + direction.name().toLowerCase();
      added.add(call("add " + name + " to " + proxy.getName(), () -> proxy.toxics().timeout(name, direction, 0)));
    }
    return added;
  }

  /** Delays each direction by {@code millis}. */
  List<Toxic> latency(Proxy proxy, long millis) throws Exception {
    List<Toxic> added = new ArrayList<>();
    for (ToxicDirection direction : ToxicDirection.values()) {
      String name = "latency-" + direction.name().toLowerCase();
      added.add(call("add " + name + " to " + proxy.getName(), () -> proxy.toxics().latency(name, direction, millis)));
    }
    return added;
  }

  void remove(List<Toxic> toxics) throws Exception {
    for (Toxic toxic : toxics) {
      call("remove toxic " + toxic.getName(), () -> {
        toxic.remove();
        return null;
      });
    }
  }

  void delete(Proxy proxy) throws Exception {
    call("delete proxy " + proxy.getName(), () -> {
      proxy.delete();
      return null;
    });
  }

  String describe() {
    return server.toString();
  }

  @Override
  public void close() {
    server.close();
  }
}
