package io.rocks.impl;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.Rocks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A client process for {@link GoneTest}: connects one rock to the port given as its argument,
 * prints {@code CONNECTED}, and exits the moment the rock has failed, as a command-line client
 * whose link stayed down past its reconnect timeout does. Its reconnect timeout is 3 s; the first
 * reconnection attempt waits at most 1 s for an answer, and the next would come only after 30 s.
 */
public final class GoneAtExit {
  private GoneAtExit() {}

  public static void main(String[] args) throws Exception {
    RockOptions options = RockOptions.builder()
        .handshakeTimeout(Duration.ofSeconds(1))
        .backoff(Duration.ofSeconds(30), Duration.ofSeconds(30))
        .reconnectTimeout(Duration.ofSeconds(3))
        .build();
    CountDownLatch connected = new CountDownLatch(1);
    CountDownLatch failed = new CountDownLatch(1);
    options = options.toBuilder().listeners(List.of(new RockListener() {
      @Override
      public void connected(Rock rock) {
        connected.countDown();
      }

      @Override
      public void failed(Rock rock, Throwable cause) {
        failed.countDown();
      }
    })).build();
    Rocks.connectRock(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), options)
        .getOutputStream().write(1);
    connected.await();
    System.out.println("CONNECTED");
    System.out.flush();
    failed.await(); // then exit at once
    System.exit(7);
  }
}
