package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.testkit.FaultRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rock handshake rides along with the first data: over a link with round trip R, connecting and
 * getting the first echoed byte back takes one R for a rock as for a plain socket, not two.
 */
public class PipelinedConnectTest {
  private static final Duration ONE_WAY = Duration.ofMillis(150);

  @Test
  @Timeout(60)
  void firstEchoedByteCostsNoExtraRoundTrip() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    long plainMillis;
    try (ServerSocket plainServer = new ServerSocket(0, 50, loopback);
        FaultRelay relay = new FaultRelay(new InetSocketAddress(loopback, plainServer.getLocalPort()))) {
      relay.delay(ONE_WAY);
      Thread.ofVirtual().start(() -> echoOne(plainServer));
      long start = System.nanoTime();
      try (Socket plain = new Socket()) {
        plain.connect(relay.address());
        plain.getOutputStream().write(1);
        assertEquals(1, plain.getInputStream().read());
      }
      plainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    long rockMillis;
    try (RockServerSocket rockServer = Rocks.rockServerSocket(0, loopback, RockOptions.defaults());
        FaultRelay relay = new FaultRelay(new InetSocketAddress(loopback, rockServer.getLocalPort()))) {
      relay.delay(ONE_WAY);
      Thread.ofVirtual().start(() -> echoOne(rockServer));
      long start = System.nanoTime();
      RockSocket rock = Rocks.connectRock(relay.address(), RockOptions.defaults());
      rock.getOutputStream().write(1);
      assertEquals(1, rock.getInputStream().read());
      rockMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(RockState.CONNECTED, rock.rock().state());
      rock.setSoLinger(true, 0);
      rock.close();
    }
    long roundTrip = 2 * ONE_WAY.toMillis();
    System.out.printf("connect to first echoed byte, round trip %d ms: plain %d ms, rock %d ms%n",
        roundTrip, plainMillis, rockMillis);
    assertTrue(plainMillis >= roundTrip, "plain took " + plainMillis + " ms");
    // One extra round trip would add 300 ms; allow 200 ms for scheduling noise on a loaded machine.
    assertTrue(rockMillis < plainMillis + 200,
        "rock took " + rockMillis + " ms, plain " + plainMillis + " ms, round trip " + roundTrip + " ms");
  }

  private static void echoOne(ServerSocket server) {
    try (Socket socket = server.accept()) {
      socket.getOutputStream().write(socket.getInputStream().read());
      socket.getInputStream().read(); // hold the socket until the client goes
    } catch (IOException ignored) {
      // The client aborting ends the echo.
    }
  }
}
