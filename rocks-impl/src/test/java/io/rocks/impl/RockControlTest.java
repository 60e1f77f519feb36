package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.impl.server.MixedServerSocket;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.policy.RocksPolicy;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Listeners, live options and manual control for rocks-aware applications. */
public class RockControlTest {

  @Test
  @Timeout(60)
  void listenersRunInOrderOffTheIoThreadsAndAFaultyOneHarmsNothing() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    RockListener throwing = new RockListener() {
      @Override public void connected(Rock rock) { throw new IllegalStateException("listener bug"); }
      @Override public void suspended(Rock rock, Throwable cause) { throw new IllegalStateException("listener bug"); }
      @Override public void resumed(Rock rock, Duration d, long b) { throw new IllegalStateException("listener bug"); }
    };
    RockListener blocking = new RockListener() {
      @Override public void suspended(Rock rock, Throwable cause) {
        try {
          release.await(); // blocks this rock's later callbacks, never the rock itself
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    RockListener recording = new RockListener() {
      @Override public void connected(Rock rock) { record("connected"); }
      @Override public void suspended(Rock rock, Throwable cause) { record("suspended"); }
      @Override public void resumed(Rock rock, Duration suspendedFor, long retransmitted) { record("resumed"); }
      @Override public void closed(Rock rock) { record("closed"); }
      @Override public void failed(Rock rock, Throwable cause) { record("failed"); }
      private void record(String event) {
        events.add(event);
        threads.add(Thread.currentThread().getName());
      }
    };
    RockOptions options = RockOptions.builder().listeners(List.of(throwing, blocking, recording)).build();
    try (RockPair pair = new RockPair(options, RockOptions.defaults())) {
      Await.until(Duration.ofSeconds(10), "connected event", () -> events.contains("connected"));
      pair.relay.reset();
      Await.until(Duration.ofSeconds(20), "resumed while a listener blocks",
          () -> pair.clientRock().stats().suspensions() == 1 && pair.clientRock().state() == RockState.CONNECTED);
      RockFailureTest.echoOnce(pair); // data flows while the blocking listener holds its callback
      assertEquals(List.of("connected"), events, "later events wait behind the blocked callback");
      release.countDown();
      pair.client.shutdownOutput();
      pair.accepted.shutdownOutput();
      Await.until(Duration.ofSeconds(20), "orderly close", () -> events.contains("closed"));
      assertEquals(List.of("connected", "suspended", "resumed", "closed"), events);
      assertTrue(threads.stream().allMatch(name -> name.startsWith("rock-events-")), threads.toString());
    }
  }

  @Test
  @Timeout(60)
  void reportsEachFailedReconnectionAttemptWithItsNumberAndAddress() throws Exception {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    List<InetSocketAddress> addresses = new CopyOnWriteArrayList<>();
    RockOptions options = RockOptions.builder()
        .handshakeTimeout(Duration.ofMillis(300))
        .backoff(Duration.ofMillis(10), Duration.ofMillis(50))
        .listeners(List.of(new RockListener() {
          @Override
          public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable error) {
            attempts.add(attempt);
            addresses.add(address);
          }
        }))
        .build();
    try (RockPair pair = new RockPair(options, RockOptions.defaults())) {
      pair.relay.cutSilently(); // new connections are accepted into the void: each attempt times out
      pair.client.rock().reconnectNow();
      Await.until(Duration.ofSeconds(20), "three failed attempts", () -> attempts.size() >= 3);
      pair.relay.restore();
      Await.until(Duration.ofSeconds(20), "resumed", () -> pair.clientRock().state() == RockState.CONNECTED);
      assertEquals(List.of(1, 2, 3), attempts.subList(0, 3));
      assertTrue(addresses.stream().allMatch(pair.relay.address()::equals), addresses.toString());
    }
  }

  @Test
  @Timeout(90)
  void loweringSensitivityOnALiveRockSpeedsUpDetectionOfACutInProgress() throws Exception {
    RockOptions slow = RockOptions.builder()
        .heartbeatInterval(Duration.ofMillis(200)).failureSensitivity(100).build(); // 20 s
    try (RockPair pair = new RockPair(slow, RockOptions.builder()
        .heartbeatInterval(Duration.ofMillis(200)).failureSensitivity(100).build())) {
      RockFailureTest.echoOnce(pair);
      long cutAt = System.nanoTime();
      pair.relay.cutSilently();
      pair.client.rock().setOptions(slow.toBuilder().failureSensitivity(2).build()); // 400 ms
      Await.until(Duration.ofSeconds(15), "client detects with the new sensitivity",
          () -> pair.clientRock().state() == RockState.SUSPENDED);
      long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
      assertTrue(detectedMillis < 10_000, "detected after " + detectedMillis + " ms; the old setting needs 20 s");
      assertEquals(2, pair.client.rock().options().failureSensitivity());
      assertThrows(IllegalArgumentException.class,
          () -> pair.client.rock().setOptions(slow.toBuilder().receiveWindow(2 << 20).build()));
    }
  }

  @Test
  @Timeout(60)
  void suspendOnDemandRecoversAndReconnectAddressesCanBeReplaced() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults());
        FaultRelay second = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), pair.server.getLocalPort()))) {
      RockFailureTest.echoOnce(pair);
      Rock rock = pair.client.rock();
      assertEquals(List.of(pair.relay.address()), rock.reconnectAddresses());
      rock.reconnectAddresses(List.of(second.address()));
      rock.suspend();
      Await.until(Duration.ofSeconds(20), "resumed through the second relay",
          () -> pair.clientRock().state() == RockState.CONNECTED && second.acceptedConnections() == 1);
      assertEquals(second.address(), rock.peer());
      RockFailureTest.echoOnce(pair);
      assertEquals(1, rock.stats().suspensions());
      assertThrows(UnsupportedOperationException.class,
          () -> pair.accepted.rock().reconnectAddresses(List.of(second.address())));
      assertEquals(List.of(), pair.accepted.rock().reconnectAddresses());
    }
  }

  /**
   * Reconnection addresses given by name: one that does not resolve fails its attempt (counted,
   * told to listeners) and the rock goes on to the next, which is looked up when it is used.
   */
  @Test
  @Timeout(60)
  void reconnectAddressesByNameAreLookedUpAtEachAttempt() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults());
        FaultRelay second = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), pair.server.getLocalPort()))) {
      RockFailureTest.echoOnce(pair);
      Rock rock = pair.client.rock();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      rock.addListener(
          new RockListener() {
            @Override
            public void reconnectAttemptFailed(Rock r, int attempt, InetSocketAddress address, Throwable error) {
              failures.add(error);
            }
          });
      InetSocketAddress nowhere = InetSocketAddress.createUnresolved("no-such-host.invalid", 7000);
      InetSocketAddress byName = InetSocketAddress.createUnresolved("localhost", second.address().getPort());
      rock.reconnectAddresses(List.of(nowhere, byName));
      assertEquals(List.of(nowhere, byName), rock.reconnectAddresses());
      rock.suspend();
      Await.until(Duration.ofSeconds(20), "resumed through the second relay, by name",
          () -> pair.clientRock().state() == RockState.CONNECTED && second.acceptedConnections() == 1);
      RockFailureTest.echoOnce(pair);
      Await.until(Duration.ofSeconds(10), "the failed attempt reaches the listener", () -> !failures.isEmpty());
      assertEquals(1, failures.size(), "one attempt, to the name that does not resolve, failed: " + failures);
      assertEquals(java.net.UnknownHostException.class, failures.get(0).getClass());
      assertEquals("reconnection address no-such-host.invalid does not resolve", failures.get(0).getMessage());
      assertEquals(second.address().getPort(), rock.peer().getPort());
      assertTrue(rock.peer().getAddress().isLoopbackAddress(), rock.peer().toString());
    }
  }

  @Test
  @Timeout(30)
  void excludedPortGetsAPlainSocketAndOtherPortsGetRocks() throws Exception {
    try (ServerSocket plainServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = plainServer.getLocalPort();
      RealRocksProvider provider = new RealRocksProvider(
          RocksPolicy.parse("rocks.excluded-ports = [" + port + "]", "test.conf"));
      try (Socket plain = provider.connect("127.0.0.1", port); Socket accepted = plainServer.accept()) {
        assertFalse(plain instanceof RockSocket, plain.getClass().getName());
        plain.getOutputStream().write("plain\n".getBytes());
        assertEquals('p', accepted.getInputStream().read());
      }
      try (ServerSocket listening = provider.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50)) {
        assertInstanceOf(MixedServerSocket.class, listening);
      }
      RealRocksProvider excludingListen = new RealRocksProvider(
          RocksPolicy.parse("rocks.excluded-ports = [" + port + "]", "test.conf"));
      plainServer.close();
      try (ServerSocket listening = excludingListen.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50)) {
        assertFalse(listening instanceof RealRockServerSocket || listening instanceof MixedServerSocket,
            listening.getClass().getName());
      }
    }
  }
}
