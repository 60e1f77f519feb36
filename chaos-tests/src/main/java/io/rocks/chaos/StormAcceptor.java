package io.rocks.chaos;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.Rocks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

/**
 * The accepting side of a storm: a rocks server socket on loopback whose accept loop (a platform
 * thread, {@code storm-accept}) takes every rock and starts its application at once, as a server
 * expecting bursts would: the backlog it listens with is the rocks a burst may queue before they
 * are accepted. A plain socket cannot arrive (the connecting side makes rocks only); one would be
 * counted as a problem and closed.
 */
final class StormAcceptor implements StormRole {
  private final StormRocks rocks;
  private final RockServerSocket server;

  StormAcceptor(int segmentBytes, int backlog) throws IOException {
    this.rocks = new StormRocks(StormRock.ACCEPTOR, segmentBytes);
    RockOptions options = RockOptions.defaults().toBuilder().listeners(List.of(rocks.tally)).build();
    this.server = Rocks.rockServerSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog, options);
    Thread.ofPlatform().daemon().name("storm-accept").start(this::acceptAll);
  }

  @Override
  public String ready() {
    return Integer.toString(server.getLocalPort());
  }

  @Override
  public void answer(String[] words, List<String> reply) {
    if (!rocks.answer(words, reply)) {
      throw new IllegalArgumentException("unknown command " + words[0]);
    }
  }

  private void acceptAll() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        if (socket instanceof RockSocket rock) {
          rocks.add(rock, -1);
        } else {
          rocks.tally.problem("accept", new IOException("a plain socket from " + socket.getRemoteSocketAddress()));
          socket.close();
        }
      } catch (IOException e) {
        rocks.tally.problem("accept", e);
      }
    }
  }
}
