package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.testkit.Await;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a rock socket says and refuses once the application closed it, as the JDK's sockets do, and
 * the socket options it lists and takes.
 */
class AfterCloseTest {
  @Test
  @Timeout(30)
  void aClosedRockSaysClosingAtOnceAndRefusesToReconnect() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      Rock rock = pair.client.rock();
      List<String> events = new CopyOnWriteArrayList<>();
      rock.addListener(
          new RockListener() {
            @Override
            public void suspended(Rock r, Throwable cause) {
              events.add("suspended");
            }

            @Override
            public void resumed(Rock r, Duration suspendedFor, long bytesRetransmitted) {
              events.add("resumed");
            }

            @Override
            public void closed(Rock r) {
              events.add("closed");
            }
          });
      pair.client.getOutputStream().write(new byte[] {1, 2, 3});
      pair.client.close();
      RockState now = rock.state();
      assertTrue(now == RockState.CLOSING || now == RockState.CLOSED, "right after close: " + now);

      IllegalStateException refused = assertThrows(IllegalStateException.class, rock::reconnectNow);
      String id = rock.id().toString();
      assertTrue(
          refused.getMessage().equals("rock " + id + " was closed by the application: it cannot reconnect")
              || refused.getMessage().equals("rock " + id + " is CLOSED: it cannot reconnect"),
          refused.getMessage());
      assertThrows(IllegalStateException.class, rock::suspend);

      // What was written before close is still delivered, then the rock ends in order.
      assertEquals(List.of(1, 2, 3), List.of(
          pair.accepted.getInputStream().read(), pair.accepted.getInputStream().read(), pair.accepted.getInputStream().read()));
      pair.accepted.close();
      Await.until(Duration.ofSeconds(10), "the client's rock ends", () -> rock.state() == RockState.CLOSED);
      Await.until(Duration.ofSeconds(10), "its closed event", () -> events.contains("closed"));
      assertEquals(List.of("closed"), events, "no suspension, no resume after close");
      IllegalStateException ended = assertThrows(IllegalStateException.class, rock::reconnectNow);
      assertEquals("rock " + id + " is CLOSED: it cannot reconnect", ended.getMessage());
    }
  }

  @Test
  @Timeout(30)
  void optionsAfterCloseThrowAsTheJdkDoes() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      pair.client.close();
      for (ThrowingCall call :
          List.<ThrowingCall>of(
              () -> pair.client.setSoTimeout(1_000),
              () -> pair.client.getSoTimeout(),
              () -> pair.client.setTcpNoDelay(true),
              () -> pair.client.setSoLinger(true, 0),
              () -> pair.client.setSendBufferSize(1 << 16),
              () -> pair.client.getReceiveBufferSize(),
              () -> pair.client.setOption(StandardSocketOptions.SO_KEEPALIVE, true),
              () -> pair.client.getOption(StandardSocketOptions.TCP_NODELAY))) {
        SocketException closed = assertThrows(SocketException.class, call::run);
        assertEquals("Socket is closed", closed.getMessage());
      }
    }
  }

  @Test
  @Timeout(30)
  void everyListedOptionCanBeSetAndRead() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      Set<SocketOption<?>> supported = pair.client.supportedOptions();
      assertEquals(
          Set.of(
              StandardSocketOptions.TCP_NODELAY,
              StandardSocketOptions.SO_KEEPALIVE,
              StandardSocketOptions.SO_LINGER,
              StandardSocketOptions.SO_SNDBUF,
              StandardSocketOptions.SO_RCVBUF),
          supported);
      pair.client.setOption(StandardSocketOptions.TCP_NODELAY, false);
      pair.client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      pair.client.setOption(StandardSocketOptions.SO_LINGER, 5);
      pair.client.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 16); // hints: the policy sizes both
      pair.client.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 16);
      assertEquals(false, pair.client.getOption(StandardSocketOptions.TCP_NODELAY));
      assertEquals(true, pair.client.getOption(StandardSocketOptions.SO_KEEPALIVE));
      assertEquals(5, pair.client.getOption(StandardSocketOptions.SO_LINGER));
      assertEquals(RockOptions.defaults().inFlightCapacity(), pair.client.getOption(StandardSocketOptions.SO_SNDBUF));
      assertEquals(RockOptions.defaults().receiveWindow(), pair.client.getOption(StandardSocketOptions.SO_RCVBUF));
      assertThrows(IllegalArgumentException.class, () -> pair.client.setOption(StandardSocketOptions.SO_SNDBUF, 0));
      UnsupportedOperationException unsupported =
          assertThrows(
              UnsupportedOperationException.class,
              () -> pair.client.setOption(StandardSocketOptions.IP_TOS, 8));
      assertEquals("'IP_TOS' not supported by rocks", unsupported.getMessage());
    }
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }
}
