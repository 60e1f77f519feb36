package io.rocks.impl;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.rock.RealRock;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * A rock server on loopback, a {@link FaultRelay} in front of it, and one client rock connected
 * through the relay. Closing it closes all three.
 */
public final class RockPair implements AutoCloseable {
  final RockServerSocket server;
  final FaultRelay relay;
  final RockSocket client;
  final RockSocket accepted;

  RockPair(RockOptions clientOptions, RockOptions serverOptions) throws IOException {
    server = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), serverOptions);
    relay =
        new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    client = Rocks.connectRock(relay.address(), clientOptions);
    server.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
    accepted = server.accept();
    // The handshake is pipelined: wait for WELCOME to reach the client, so a test's first fault
    // hits an established rock, not one still being set up.
    try {
      Await.until(Duration.ofSeconds(10), "client rock established",
          () -> client.rock().state() != RockState.CONNECTING);
    } catch (TimeoutException | InterruptedException e) {
      throw new IOException(e);
    }
  }

  RockPair(RockOptions options) throws IOException {
    this(options, options);
  }

  RealRock clientRock() {
    return (RealRock) client.rock();
  }

  RealRock serverRock() {
    return (RealRock) accepted.rock();
  }

  /**
   * Returns a latch counted down when either rock suspends, closes or fails from now on, for a
   * test to wait on with a deadline when none of that may happen.
   */
  CountDownLatch troubleFromNowOn() {
    CountDownLatch trouble = new CountDownLatch(1);
    RockListener watch =
        new RockListener() {
          @Override
          public void suspended(Rock rock, Throwable cause) {
            trouble.countDown();
          }

          @Override
          public void closed(Rock rock) {
            trouble.countDown();
          }

          @Override
          public void failed(Rock rock, Throwable cause) {
            trouble.countDown();
          }
        };
    clientRock().addListener(watch);
    serverRock().addListener(watch);
    return trouble;
  }

  @Override
  public void close() throws IOException {
    abort(client);
    abort(accepted);
    relay.close();
    server.close();
  }

  /** Ends a rock at once, also one the test closed already (whose options can no longer be set). */
  private static void abort(RockSocket socket) {
    ((RealRock) socket.rock()).abort();
  }
}
