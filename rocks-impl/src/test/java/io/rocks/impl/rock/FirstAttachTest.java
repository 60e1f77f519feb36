package io.rocks.impl.rock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.core.Role;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.Deadlines;
import io.rocks.testkit.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The accepting side's first connection of a new rock, whose handshake deadline fired as WELCOME
 * went out: the rock is kept and suspends (its client may hold the key and resume), where a
 * resumed connection in the same case is refused.
 */
class FirstAttachTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  @Timeout(30)
  void aFirstConnectionClosedByItsDeadlineIsAttachedAndTheRockSuspends() throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
      Socket accepted = listener.accept().socket();
      Connection conn = deadConnection(accepted);
      AtomicInteger suspended = new AtomicInteger();
      AtomicInteger terminated = new AtomicInteger();
      RealRock rock = acceptorRock(suspended, terminated);

      rock.attachFirstAccepted(conn); // no exception: taken (its writer may find it closed first)
      Thread reader = Thread.ofVirtual().start(() -> rock.serveAsReader(conn));

      // The hook is called after the state changed, once the lock is let go.
      Await.until(
          Duration.ofSeconds(10),
          "the rock suspends and its owner hears of it",
          () -> rock.state() == RockState.SUSPENDED && suspended.get() > 0);
      reader.join(Duration.ofSeconds(10));
      assertEquals(RockState.SUSPENDED, rock.state());
      assertEquals(1, suspended.get());
      assertEquals(0, terminated.get());
      assertEquals(1, rock.stats().suspensions());
      rock.abort();
      assertEquals(RockState.CLOSED, rock.state());
    }
  }

  @Test
  @Timeout(30)
  void aResumedConnectionClosedByItsDeadlineIsRefused() throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
      Connection conn = deadConnection(listener.accept().socket());
      RealRock rock = acceptorRock(new AtomicInteger(), new AtomicInteger());

      SocketException refused = assertThrows(SocketException.class, () -> rock.attach(conn, 0, false, true));
      assertEquals("rock " + rock.id + ": the handshake's deadline passed as it ended", refused.getMessage());
      assertEquals(RockState.CONNECTED, rock.state(), "refusing a connection changes nothing else");
      rock.abort();
    }
  }

  /** A connection whose handshake deadline has fired and closed its socket. */
  private static Connection deadConnection(Socket socket) throws Exception {
    Connection conn = new Connection(socket);
    conn.handshakeDeadline = Deadlines.schedule(() -> Connection.closeQuietly(socket), 0);
    Await.until(Duration.ofSeconds(10), "the deadline closes the socket", socket::isClosed);
    assertTrue(!conn.handshakeDone(), "the deadline has fired");
    return conn;
  }

  private static RealRock acceptorRock(AtomicInteger suspended, AtomicInteger terminated) {
    RealRock rock =
        new RealRock(
            new RockId(7, 11),
            Role.ACCEPTOR,
            RockOptions.defaults(),
            new InetSocketAddress(LOOPBACK, 9),
            RockState.CONNECTED,
            new RockHooks() {
              @Override
              public void suspended(RealRock r) {
                suspended.incrementAndGet();
              }

              @Override
              public void terminated(RealRock r) {
                terminated.incrementAndGet();
              }
            });
    byte[] zeros = new byte[32];
    rock.keys.keyPending(
        new PendingKey(() -> ResumeKey.derive(zeros.clone(), null, rock.id, zeros, zeros, zeros, zeros)),
        RockOptions.defaults().receiveWindow());
    return rock;
  }
}
