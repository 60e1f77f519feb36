package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.Rocks;
import io.rocks.impl.rock.GoneNotices;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connector that ends its rock while the acceptor still holds it (suspended, waiting for a
 * resume) tells the acceptor with an authenticated GONE on a fresh connection, so the acceptor's
 * rock, and whatever the application runs behind it, ends at once instead of after its own
 * reconnect timeout (24 hours by default).
 *
 * <p>Each test cuts the link silently so both sides suspend, lets one reconnection attempt fail
 * into the cut (the backoff after it is long), then restores the link: the next thing the client
 * sends is its notice.
 */
public class GoneTest {
  /** A long pause after each failed attempt, so no resume races the notice. */
  private static final RockOptions CLIENT = RockOptions.builder()
      .handshakeTimeout(Duration.ofSeconds(1))
      .backoff(Duration.ofSeconds(30), Duration.ofSeconds(30))
      .build();

  @Test
  @Timeout(60)
  void anAbortWhileSuspendedEndsTheServersRockAtOnce() throws Exception {
    try (RockPair pair = new RockPair(CLIENT, RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      suspendBothAndFailOneAttempt(pair);
      pair.client.setSoLinger(true, 0);
      pair.client.close();
      assertEquals(RockState.CLOSED, pair.clientRock().state());
      Await.until(Duration.ofSeconds(10), () -> "the server's rock ends: " + pair.serverRock().describe(),
          () -> pair.serverRock().state() == RockState.CLOSED);
      SocketException reset = assertThrows(SocketException.class, () -> pair.accepted.getInputStream().read());
      assertEquals("Connection reset: rock " + pair.serverRock().id() + " was aborted by the peer", reset.getMessage());
      Await.until(Duration.ofSeconds(10), "the server forgets the rock",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 0);
    }
  }

  @Test
  @Timeout(60)
  void aClientWhoseReconnectTimeoutEndsTellsTheServer() throws Exception {
    RockOptions client = CLIENT.toBuilder().reconnectTimeout(Duration.ofSeconds(3)).build();
    try (RockPair pair = new RockPair(client, RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      suspendBothAndFailOneAttempt(pair);
      Await.until(Duration.ofSeconds(10), "the client gives up", () -> pair.clientRock().state() == RockState.FAILED);
      assertThrows(RockTimeoutException.class, () -> pair.client.getInputStream().read());
      Await.until(Duration.ofSeconds(10), () -> "the server's rock fails: " + pair.serverRock().describe(),
          () -> pair.serverRock().state() == RockState.FAILED);
      IOException failure = assertThrows(IOException.class, () -> pair.accepted.getInputStream().read());
      assertTrue(failure.getMessage().startsWith("rock " + pair.serverRock().id() + ": its client at 127.0.0.1:"),
          failure.getMessage());
      assertTrue(failure.getMessage().endsWith(" gave up on it (its rock failed) and said so"), failure.getMessage());
    }
  }

  /**
   * A client process that exits the moment its rock failed still tells the server: the JVM waits
   * for the notice on its way ({@link GoneNotices}).
   */
  @Test
  @Timeout(60)
  void aClientThatExitsAsItsRockFailsStillTellsTheServer() throws Exception {
    try (RockServerSocket server = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), RockOptions.defaults());
        FaultRelay relay = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()))) {
      Process client = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", testClassPath(),
          GoneAtExit.class.getName(), Integer.toString(relay.address().getPort()))
          .redirectErrorStream(true).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("CONNECTED")) {
          // log lines of the client
        }
        assertEquals("CONNECTED", line);
        server.setSoTimeout(10_000);
        RockSocket accepted = server.accept();
        assertEquals(1, accepted.getInputStream().read());
        relay.cutSilently();
        Await.until(Duration.ofSeconds(20), "the server's rock suspends",
            () -> accepted.rock().state() == RockState.SUSPENDED);
        // The client's first reconnection attempt goes into the cut (an accepted connection that
        // never answers); restoring the relay closes it, and the link works from then on.
        Await.until(Duration.ofSeconds(20), "the client's attempt into the cut", () -> relay.acceptedConnections() == 2);
        relay.restore();
        assertTrue(client.waitFor(20, TimeUnit.SECONDS), "the client exits once its rock failed");
        assertEquals(7, client.exitValue());
        Await.until(Duration.ofSeconds(10), "the server's rock fails on the notice",
            () -> accepted.rock().state() == RockState.FAILED);
        IOException failure = assertThrows(IOException.class, () -> accepted.getInputStream().read());
        assertTrue(failure.getMessage().endsWith(" gave up on it (its rock failed) and said so"), failure.getMessage());
      } finally {
        client.destroyForcibly();
      }
    }
  }

  private static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /**
   * Cuts the link, waits until both sides suspend and one reconnection attempt of the client
   * failed into the cut, then restores it.
   */
  private static void suspendBothAndFailOneAttempt(RockPair pair) throws Exception {
    CountDownLatch attemptFailed = new CountDownLatch(1);
    pair.clientRock().addListener(new RockListener() {
      @Override
      public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable cause) {
        attemptFailed.countDown();
      }
    });
    pair.relay.cutSilently();
    Await.until(Duration.ofSeconds(20), "both sides suspend",
        () -> pair.clientRock().state() == RockState.SUSPENDED && pair.serverRock().state() == RockState.SUSPENDED);
    assertTrue(attemptFailed.await(20, TimeUnit.SECONDS), "a reconnection attempt failed into the cut");
    pair.relay.restore();
  }
}
