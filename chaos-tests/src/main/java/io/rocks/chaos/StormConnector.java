package io.rocks.chaos;

import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.Rocks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connecting side of a storm: on {@code burst N THREADS PORT,PORT,...} it opens N rocks to
 * loopback, rock i to the i-th port in turn, from THREADS platform threads ({@code storm-connect-*})
 * as fast as they can, each rock's application starting as soon as its {@code connect} returns.
 * Its status adds {@code threw} (connects that threw), {@code firstConnectNanos} and {@code
 * lastConnectReturnedNanos} ({@link System#nanoTime}, comparable across processes on Linux; 0 until
 * then) to the shared words of {@link StormRocks}.
 */
final class StormConnector implements StormRole {
  private final StormRocks rocks;
  private final RockOptions options;
  private final AtomicInteger threw = new AtomicInteger();
  private final AtomicLong firstConnectNanos = new AtomicLong();
  private final AtomicLong lastConnectReturnedNanos = new AtomicLong();

  StormConnector(int segmentBytes) {
    this.rocks = new StormRocks(StormRock.CONNECTOR, segmentBytes);
    this.options = RockOptions.defaults().toBuilder().listeners(List.of(rocks.tally)).build();
  }

  @Override
  public String ready() {
    return "connector";
  }

  @Override
  public void answer(String[] words, List<String> reply) {
    if (words[0].equals("burst")) {
      burst(Integer.parseInt(words[1]), Integer.parseInt(words[2]), words[3].split(","));
    } else if (!rocks.answer(words, reply)) {
      throw new IllegalArgumentException("unknown command " + words[0]);
    }
    if (words[0].equals("status")) {
      reply.set(0, reply.get(0) + " threw=" + threw.get() + " firstConnectNanos=" + firstConnectNanos.get()
          + " lastConnectReturnedNanos=" + lastConnectReturnedNanos.get());
    }
  }

  private void burst(int count, int threads, String[] ports) {
    List<InetSocketAddress> targets = new ArrayList<>();
    for (String port : ports) {
      targets.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)));
    }
    AtomicInteger next = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      Thread.ofPlatform().daemon().name("storm-connect-" + t).start(() -> {
        int i;
        while ((i = next.getAndIncrement()) < count) {
          firstConnectNanos.compareAndSet(0, System.nanoTime());
          try {
            RockSocket socket = Rocks.connectRock(targets.get(i % targets.size()), options);
            rocks.add(socket, i);
          } catch (IOException | RuntimeException e) {
            threw.incrementAndGet();
            rocks.tally.problem("connect", e);
          }
          lastConnectReturnedNanos.accumulateAndGet(System.nanoTime(), Math::max);
        }
      });
    }
  }
}
