package io.rocks.interop;

import io.rocks.RocksSocketFactory;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.rmi.server.RMIClientSocketFactory;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The client side of Java RMI through {@link RocksSocketFactory}: a server exports its objects with
 * this factory, and every client that calls them connects with rocks (or plain, as detection
 * finds).
 *
 * <p>It travels inside the stub, so what a test in the same JVM sets for it is kept in static
 * tables under its {@code name}: the address it connects to instead of the one in the stub, if any
 * ({@link #route}, here a Toxiproxy proxy in front of the server), and the sockets it made ({@link
 * #made}).
 */
final class RockRmiClientSockets implements RMIClientSocketFactory, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private static final Map<String, List<Socket>> MADE = new ConcurrentHashMap<>();
  private static final Map<String, InetSocketAddress> ROUTES = new ConcurrentHashMap<>();

  private final String name;

  RockRmiClientSockets(String name) {
    this.name = Objects.requireNonNull(name);
  }

  /** Makes factories named {@code name} connect to {@code via} instead of the stub's address. */
  static void route(String name, InetSocketAddress via) {
    ROUTES.put(name, via);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    InetSocketAddress target = ROUTES.getOrDefault(name, new InetSocketAddress(host, port));
    Socket socket = RocksSocketFactory.getDefault().createSocket();
    MADE.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(socket);
    socket.connect(target, 5_000);
    return socket;
  }

  /** The sockets made by factories named {@code name}, in order. */
  static List<Socket> made(String name) {
    return List.copyOf(MADE.getOrDefault(name, List.of()));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RockRmiClientSockets that && name.equals(that.name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }
}
