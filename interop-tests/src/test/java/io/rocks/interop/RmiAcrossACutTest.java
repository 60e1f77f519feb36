package io.rocks.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import io.rocks.Rock;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Java RMI session whose connections go through {@link io.rocks.RocksSocketFactory} to a server
 * on rocks server sockets, over a Toxiproxy link that is cut silently in the middle of the session.
 * RMI never notices: a call made during the cut waits and completes, no call fails, and RMI makes
 * no new connection; underneath, the rocks suspended and resumed.
 */
class RmiAcrossACutTest {
  private static final InetAddress HOST = Loopback.MAIN;
  /** The proxy's own address, so the detection verdict for it is never confused with another server's. */
  private static final InetAddress PROXY_HOST = Loopback.alias(7);
  /** How long the link stays cut: longer than failure detection (600 ms) and a reconnect attempt (1 s). */
  private static final Duration CUT = Duration.ofSeconds(3);

  @Test
  @Timeout(90)
  void rmiSessionCarriesOnAcrossASilentCut() throws Exception {
    String name = "rmi-across-a-cut";
    try (Toxiproxy toxiproxy = Toxiproxy.start();
        RmiService service = new RmiService(true, HOST, new RockRmiClientSockets(name))) {
      try {
        session(name, toxiproxy, service);
      } finally {
        // Close RMI's connections, and let their server ends close in order, before the server
        // and the proxy go away.
        for (Socket socket : RockRmiClientSockets.made(name)) {
          closeQuietly(socket);
        }
        List<Rock> serverRocks = rocks(service.serviceSockets.accepted());
        try {
          Await.until(Duration.ofSeconds(5), "the server's rocks close",
              () -> serverRocks.stream().allMatch(r -> r.state().isTerminal()));
        } catch (java.util.concurrent.TimeoutException e) {
          System.err.println(e.getMessage() + ": " + describe(serverRocks));
        }
      }
    }
  }

  private static void session(String name, Toxiproxy toxiproxy, RmiService service) throws Exception {
    Proxy proxy =
        toxiproxy.toxi.createProxy(
            "rmi", PROXY_HOST, new java.net.InetSocketAddress(HOST, service.serviceSockets.port()));
    RockRmiClientSockets.route(name, io.rocks.chaos.Toxi.listenAddress(proxy));

    // The registry is reached directly and plain; the calculator's stub brings the rocks factory.
    Calculator calculator = service.lookup(HOST);
    byte[] before = Digests.payload(500_000, 21);
    assertEquals(Digests.sha256(before), calculator.sha256(before), "call before the cut");
    List<Socket> made = RockRmiClientSockets.made(name);
    assertFalse(made.isEmpty(), "RMI connected through the factory");
    List<Rock> clientRocks = rocks(made);
    assertEquals(made.size(), clientRocks.size(), "every connection through the proxy is a rock: " + made);
    int connectionsBefore = made.size();

    long cutAt = System.nanoTime();
    List<Toxic> cut = toxiproxy.toxi.silentCut(proxy, "cut");
    CompletableFuture<byte[]> duringCut;
    byte[] payload = Digests.payload(300_000, 22);
    try {
      Await.until(Duration.ofSeconds(10), "the client's rocks suspend", () -> allSuspendedOnce(clientRocks));
      long written = written(clientRocks);
      duringCut = CompletableFuture.supplyAsync(() -> echo(calculator, payload), Thread.ofVirtual()::start);
      Await.until(Duration.ofSeconds(10), "the call's first bytes went into a rock", () -> written(clientRocks) > written);
      Await.until(CUT.plusSeconds(5), "the cut has lasted " + CUT.toMillis() + " ms",
          () -> System.nanoTime() - cutAt >= CUT.toNanos());
      assertFalse(duringCut.isDone(), "the call made during the cut waits for the link");
      assertTrue(clientRocks.stream().allMatch(r -> r.state() == RockState.SUSPENDED),
          "still suspended at the end of the cut: " + describe(clientRocks));
    } finally {
      toxiproxy.toxi.remove(cut);
    }

    assertArrayEquals(payload, duringCut.get(30, TimeUnit.SECONDS), "the call made during the cut");
    byte[] after = Digests.payload(700_000, 23);
    assertEquals(Digests.sha256(after), calculator.sha256(after), "call after the cut");
    assertEquals(42, calculator.add(40, 2));
    assertEquals(4, calculator.callsBefore(), "the server served every call once");

    assertEquals(connectionsBefore, RockRmiClientSockets.made(name).size(),
        "RMI made no new connection: it never saw its connection fail");
    Await.until(Duration.ofSeconds(10), "the client's rocks are connected again",
        () -> clientRocks.stream().allMatch(r -> r.state() == RockState.CONNECTED));
    for (Rock rock : clientRocks) {
      assertTrue(rock.stats().suspensions() >= 1, "suspended and resumed: " + rock.stats());
    }
    List<Rock> serverRocks = rocks(service.serviceSockets.accepted());
    assertEquals(connectionsBefore, serverRocks.size(), "the server accepted one rock per client connection");
    for (Rock rock : serverRocks) {
      assertEquals(RockState.CONNECTED, rock.state(), "server side: " + rock.stats());
      assertTrue(rock.stats().suspensions() >= 1, "server side suspended and resumed: " + rock.stats());
    }
    long plainAccepted = service.serviceSockets.accepted().stream().filter(s -> Rocks.rockOf(s).isEmpty()).count();
    System.out.printf(
        "RMI across a %d ms cut: client rocks %s; server rocks %s; plain connections handed to RMI: %d%n",
        CUT.toMillis(), describe(clientRocks), describe(serverRocks), plainAccepted);
  }

  private static byte[] echo(Calculator calculator, byte[] payload) {
    try {
      return calculator.echo(payload);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<Rock> rocks(List<Socket> sockets) {
    return sockets.stream().map(Rocks::rockOf).flatMap(Optional::stream).toList();
  }

  private static boolean allSuspendedOnce(List<Rock> rocks) {
    return rocks.stream().allMatch(r -> r.stats().suspensions() >= 1);
  }

  private static long written(List<Rock> rocks) {
    return rocks.stream().mapToLong(r -> r.stats().bytesWritten()).sum();
  }

  private static String describe(List<Rock> rocks) {
    return rocks.stream().map(r -> r.state() + " " + r.stats()).toList().toString();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing at the end of the test.
    }
  }
}
