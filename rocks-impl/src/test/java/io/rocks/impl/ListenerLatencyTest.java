package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Listener callbacks keep up with the state: when a few hundred rocks recover from one reset at
 * once, every {@code resumed} callback runs soon after the last rock shows {@code CONNECTED}, and a
 * listener that never returns holds up only its own rock's callbacks.
 */
public class ListenerLatencyTest {
  private static final int ROCKS = 300;

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void everyResumedCallbackRunsPromptlyAndABlockedOneDelaysOnlyItsRock() throws Exception {
    Set<Rock> resumed = ConcurrentHashMap.newKeySet();
    CountDownLatch release = new CountDownLatch(1);
    List<RockSocket> clients = new ArrayList<>();
    List<RockSocket> accepted = new ArrayList<>();
    RockListener counting = new RockListener() {
      @Override
      public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
        resumed.add(rock);
      }
    };
    RockListener stuck = new RockListener() {
      @Override
      public void suspended(Rock rock, Throwable cause) {
        try {
          release.await(); // never returns until the test ends
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    RockOptions options = RockOptions.builder().listeners(List.of(counting)).build();
    try (RockServerSocket server = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), RockOptions.defaults());
        FaultRelay relay = new FaultRelay(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 1024, 8 * 1024)) {
      for (int i = 0; i < ROCKS; i++) {
        clients.add(Rocks.connectRock(relay.address(), options));
        accepted.add(server.accept());
      }
      clients.getFirst().rock().addListener(stuck);
      Await.until(Duration.ofSeconds(30), "every client rock established",
          () -> clients.stream().allMatch(c -> c.rock().state() == RockState.CONNECTED));

      relay.reset();
      // At least once: the relay's reset walks its links while rocks already resume, and can
      // reset a new link too (in one CI run 301 resets for 300 rocks); this test is about the
      // callbacks, and each rock's first resumed counts.
      Await.until(Duration.ofSeconds(60), "every client rock resumed",
          () -> clients.stream().allMatch(c -> c.rock().state() == RockState.CONNECTED
              && c.rock().stats().suspensions() >= 1));
      long connectedAt = System.nanoTime();
      Await.until(Duration.ofSeconds(5),
          () -> "resumed callbacks of the other rocks within 5 s of the last CONNECTED: " + resumed.size(),
          () -> resumed.size() == ROCKS - 1);
      long lagMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt);
      assertTrue(!resumed.contains(clients.getFirst().rock()), "the stuck rock's resumed waits behind its listener");
      System.out.println("resumed callbacks of " + (ROCKS - 1) + " rocks ran " + lagMillis
          + " ms after the last rock showed CONNECTED");
      release.countDown();
      Await.until(Duration.ofSeconds(5), "the stuck rock's resumed runs once its listener returns",
          () -> resumed.size() == ROCKS);
      assertEquals(ROCKS, resumed.size());
    } finally {
      release.countDown();
      for (RockSocket socket : clients) {
        socket.setSoLinger(true, 0);
        socket.close();
      }
      for (RockSocket socket : accepted) {
        socket.setSoLinger(true, 0);
        socket.close();
      }
    }
  }
}
