package io.rocks.bench;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.rocks.chaos.TimeLimit;
import io.rocks.chaos.ToxiproxyServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** The Toxiproxy client with a time limit on every call (the client itself sets none). */
final class Toxi {
  private static final Duration CALL_LIMIT = Duration.ofSeconds(10);

  private final ToxiproxyServer server;
  private final ToxiproxyClient client;

  Toxi(ToxiproxyServer server) {
    this.server = server;
    this.client = server.client();
  }

  <T> T call(String what, Callable<T> call) throws Exception {
    return TimeLimit.call(CALL_LIMIT, what + " (" + server + ")", call);
  }

  /** Creates a proxy on a free loopback port in front of {@code upstream}. */
  Proxy proxy(String name, InetSocketAddress upstream) throws Exception {
    String target = upstream.getAddress().getHostAddress() + ":" + upstream.getPort();
    return call("create proxy " + name, () -> client.createProxy(name, "127.0.0.1:0", target));
  }

  static InetSocketAddress listenAddress(Proxy proxy) {
    String listen = proxy.getListen();
    int colon = listen.lastIndexOf(':');
    return new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
  }

  /** Adds {@code latencyMillis} of latency, no jitter, in each direction. */
  List<Toxic> latency(Proxy proxy, long latencyMillis) throws Exception {
    List<Toxic> added = new ArrayList<>();
    for (ToxicDirection direction : ToxicDirection.values()) {
      String name = "latency-" + direction.name().toLowerCase();
      added.add(
          call("add " + name, () -> proxy.toxics().latency(name, direction, latencyMillis).setJitter(0)));
    }
    return added;
  }

  /** A silent cut: {@code timeout} toxics with timeout 0 drop everything both ways, closing nothing. */
  List<Toxic> silentCut(Proxy proxy) throws Exception {
    List<Toxic> added = new ArrayList<>();
    for (ToxicDirection direction : ToxicDirection.values()) {
      String name = "cut-" + direction.name().toLowerCase();
      added.add(call("add " + name, () -> proxy.toxics().timeout(name, direction, 0)));
    }
    return added;
  }

  /**
   * Adds {@code reset_peer} toxics at toxicity 0: they do nothing until raised to 1, and make
   * Toxiproxy set SO_LINGER 0 on every connection, so a reset ends them with a real RST.
   */
  List<Toxic> armedReset(Proxy proxy) throws Exception {
    List<Toxic> added = new ArrayList<>();
    for (ToxicDirection direction : ToxicDirection.values()) {
      String name = "reset-" + direction.name().toLowerCase();
      Toxic toxic = call("add " + name, () -> proxy.toxics().resetPeer(name, direction, 0));
      call(
          "disarm " + name,
          () -> {
            toxic.setToxicity(0f);
            return null;
          });
      added.add(toxic);
    }
    return added;
  }

  void toxicity(List<Toxic> toxics, float toxicity) throws Exception {
    for (Toxic toxic : toxics) {
      call(
          "set toxicity of " + toxic.getName(),
          () -> {
            toxic.setToxicity(toxicity);
            return null;
          });
    }
  }

  void remove(List<Toxic> toxics) throws Exception {
    for (Toxic toxic : toxics) {
      call(
          "remove " + toxic.getName(),
          () -> {
            toxic.remove();
            return null;
          });
    }
  }

  void delete(Proxy proxy) throws Exception {
    call(
        "delete proxy " + proxy.getName(),
        () -> {
          proxy.delete();
          return null;
        });
  }
}
