package io.rocks.chaos;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The Toxiproxy client with a time limit on every call: the underlying client sets no HTTP
 * timeouts, so without one a stuck server would hang the build instead of failing a test. Used by
 * the chaos tests and by the benchmarks.
 */
public final class Toxi {
  /** The limit for one API call; generous, since the server answers in milliseconds. */
  public static final Duration CALL_LIMIT = Duration.ofSeconds(10);

  private final ToxiproxyServer server;
  private final ToxiproxyClient client;

  public Toxi(ToxiproxyServer server) {
    this.server = server;
    this.client = server.client();
  }

  public <T> T call(String what, Callable<T> call) throws Exception {
    return TimeLimit.call(CALL_LIMIT, what + " (" + server + ")", call);
  }

  public void run(String what, TimeLimit.Action action) throws Exception {
    TimeLimit.run(CALL_LIMIT, what + " (" + server + ")", action);
  }

  /** Deletes every proxy, so a test starts from a clean set ({@code reset()} keeps proxies). */
  public void deleteAllProxies() throws Exception {
    List<Proxy> proxies = call("list proxies", client::getProxies);
    for (Proxy proxy : proxies) {
      run("delete proxy " + proxy.getName(), proxy::delete);
    }
    List<Proxy> left = call("list proxies", client::getProxies);
    if (!left.isEmpty()) {
      throw new IllegalStateException("proxies left after deleting all: " + left);
    }
  }

  /** Creates a proxy on a free loopback port to {@code upstream}. */
  public Proxy createProxy(String name, InetSocketAddress upstream) throws Exception {
    return createProxy(name, upstream.getAddress().getHostAddress() + ":" + upstream.getPort());
  }

  /** Returns the address {@code proxy} listens on. */
  public static InetSocketAddress listenAddress(Proxy proxy) {
    String listen = proxy.getListen();
    int colon = listen.lastIndexOf(':');
    return new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
  }

  /** Creates a proxy on a free loopback port to {@code upstream} ({@code host:port}). */
  public Proxy createProxy(String name, String upstream) throws Exception {
    return call("create proxy " + name, () -> client.createProxy(name, "127.0.0.1:0", upstream));
  }

  /** Creates a proxy on a free port of {@code listen} to {@code upstream}. */
  public Proxy createProxy(String name, InetAddress listen, InetSocketAddress upstream) throws Exception {
    String upstreamText = upstream.getAddress().getHostAddress() + ":" + upstream.getPort();
    return call("create proxy " + name, () -> client.createProxy(name, listen.getHostAddress() + ":0", upstreamText));
  }

  /** Adds a {@code timeout} toxic with timeout 0 (drop everything, never close) both ways. */
  public List<Toxic> silentCut(Proxy proxy, String name) throws Exception {
    return bothWays(proxy, name, "timeout", (toxic, direction) -> proxy.toxics().timeout(toxic, direction, 0));
  }

  /**
   * Adds a {@code reset_peer} toxic with toxicity 0 both ways. It resets nothing yet; but Toxiproxy
   * sets SO_LINGER 0 on every connection made while a reset_peer toxic exists, so once {@link
   * #setToxicity raised to 1} it ends those connections with a real RST. Add it before the
   * connections it should reset are made.
   */
  public List<Toxic> armedReset(Proxy proxy, String name) throws Exception {
    return bothWays(proxy, name, "disarmed reset_peer", (toxic, direction) -> {
      Toxic added = proxy.toxics().resetPeer(toxic, direction, 0);
      added.setToxicity(0f);
      return added;
    });
  }

  public void setToxicity(List<Toxic> toxics, float toxicity) throws Exception {
    for (Toxic toxic : toxics) {
      run("set toxicity of " + toxic.getName() + " to " + toxicity, () -> toxic.setToxicity(toxicity));
    }
  }

  /** Adds {@code latency} (with {@code jitter}) in both directions. */
  public List<Toxic> latency(Proxy proxy, String name, long latencyMillis, long jitterMillis) throws Exception {
    return bothWays(proxy, name, "latency",
        (toxic, direction) -> proxy.toxics().latency(toxic, direction, latencyMillis).setJitter(jitterMillis));
  }

  /** Limits each direction to {@code kilobytesPerSecond} (Toxiproxy's KB: 1000 bytes). */
  public List<Toxic> bandwidth(Proxy proxy, String name, long kilobytesPerSecond) throws Exception {
    return bothWays(proxy, name, "bandwidth",
        (toxic, direction) -> proxy.toxics().bandwidth(toxic, direction, kilobytesPerSecond));
  }

  /**
   * Slices each direction into segments of {@code averageSize} ± {@code sizeVariation} bytes with
   * {@code delayMicros} between them.
   */
  public List<Toxic> slicer(Proxy proxy, String name, long averageSize, long sizeVariation, long delayMicros)
      throws Exception {
    return bothWays(proxy, name, "slicer",
        (toxic, direction) ->
            proxy.toxics().slicer(toxic, direction, averageSize, delayMicros).setSizeVariation(sizeVariation));
  }

  /** Closes each connection once {@code bytes} have passed in either direction. */
  public List<Toxic> limitData(Proxy proxy, String name, long bytes) throws Exception {
    return bothWays(proxy, name, "limit_data", (toxic, direction) -> proxy.toxics().limitData(toxic, direction, bytes));
  }

  /** Adds one toxic for each direction, named {@code name-upstream} and {@code name-downstream}. */
  private List<Toxic> bothWays(Proxy proxy, String name, String kind, ToxicAdder adder) throws Exception {
    List<Toxic> added = new ArrayList<>();
    for (ToxicDirection direction : ToxicDirection.values()) {
      String toxic = name + "-" + direction.name().toLowerCase();
      added.add(call("add " + kind + " toxic " + toxic + " to " + proxy.getName(), () -> adder.add(toxic, direction)));
    }
    return added;
  }

  /** Adds one toxic through the client. */
  @FunctionalInterface
  private interface ToxicAdder {
    Toxic add(String name, ToxicDirection direction) throws Exception;
  }

  public void remove(List<Toxic> toxics) throws Exception {
    for (Toxic toxic : toxics) {
      run("remove toxic " + toxic.getName(), toxic::remove);
    }
  }

  /** Returns the names of the toxics on {@code proxy}, as the server reports them. */
  public List<String> toxicNames(Proxy proxy) throws Exception {
    List<String> names = new ArrayList<>();
    for (Toxic toxic : call("list toxics of " + proxy.getName(), () -> proxy.toxics().getAll())) {
      names.add(toxic.getName());
    }
    return names;
  }

  public void disable(Proxy proxy) throws Exception {
    run("disable proxy " + proxy.getName(), proxy::disable);
  }

  public void enable(Proxy proxy) throws Exception {
    run("enable proxy " + proxy.getName(), proxy::enable);
  }

  public void delete(Proxy proxy) throws Exception {
    run("delete proxy " + proxy.getName(), proxy::delete);
  }
}
