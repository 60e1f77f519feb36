package io.rocks.chaos;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The competing load of a storm: platform threads ({@code storm-load-*}) that spin on arithmetic
 * for as long as the process lives, each wanting a whole core. Its status counts the spins, so the
 * parent can see how much CPU the load got. The parent ends the load by ending the process, which
 * also happens when the parent dies (end of stdin, {@link StormPeer}).
 */
final class CpuLoad implements StormRole {
  private static final long SPINS_PER_REPORT = 1L << 20;

  private final LongAdder spins = new LongAdder();
  private final int threads;

  CpuLoad(int threads) {
    this.threads = threads;
    for (int t = 0; t < threads; t++) {
      Thread.ofPlatform().daemon().name("storm-load-" + t).start(this::spin);
    }
  }

  private void spin() {
    long x = 1;
    while (true) {
      for (long i = 0; i < SPINS_PER_REPORT; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
      spins.add(SPINS_PER_REPORT + (x == 0 ? 1 : 0)); // uses x, so the loop is not optimized away
    }
  }

  @Override
  public String ready() {
    return threads + " threads";
  }

  @Override
  public void answer(String[] words, List<String> reply) {
    if (!words[0].equals("status")) {
      throw new IllegalArgumentException("unknown command " + words[0]);
    }
    reply.add("status spins=" + spins.sum());
  }
}
