package io.rocks.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starves a JVM of CPU: platform threads that spin without blocking for a set time, more of them
 * than there are cores, so every other thread of the machine (carrier threads of virtual threads
 * included) waits its turn behind them. {@link #run} blocks the calling thread until every spinner
 * has ended.
 */
final class CpuBurst {
  /** Keeps the spinning loops' work observable, so the JIT cannot remove it. */
  @SuppressWarnings("unused")
  private static volatile long sink;

  private CpuBurst() {}

  /** What one burst did: threads started, how long it lasted and how many loop rounds it made. */
  record Result(int threads, Duration took, long rounds) {}

  /** Spins {@code threads} platform threads for {@code duration}; returns when all have ended. */
  static Result run(int threads, Duration duration) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long[] rounds = new long[threads];
    List<Thread> spinners = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int index = i;
      spinners.add(Thread.ofPlatform().daemon().name("cpu-burst-" + i).start(() -> rounds[index] = spin(end)));
    }
    for (Thread spinner : spinners) {
      spinner.join();
    }
    long total = 0;
    for (long r : rounds) {
      total += r;
    }
    return new Result(threads, Duration.ofNanos(System.nanoTime() - start), total);
  }

  private static long spin(long endNanos) {
    long x = Thread.currentThread().threadId() | 1;
    long rounds = 0;
    while (System.nanoTime() - endNanos < 0) {
      for (int i = 0; i < 10_000; i++) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
      }
      rounds++;
    }
    sink = x;
    return rounds;
  }
}
