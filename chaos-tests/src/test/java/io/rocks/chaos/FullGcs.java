package io.rocks.chaos;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stops a JVM's world again and again: forced full collections ({@link System#gc}) a set gap apart,
 * each timed. With the serial collector every thread stops for the whole collection, so the pause
 * is the call's duration. {@link #run} blocks the calling thread throughout.
 */
final class FullGcs {
  private FullGcs() {}

  /** The pause of each collection, and how many collections the JVM's collectors counted. */
  record Result(List<Duration> pauses, long collections) {}

  /** Runs {@code count} full collections with {@code gap} between the end of one and the next. */
  static Result run(int count, Duration gap) throws InterruptedException {
    long collectionsBefore = collections();
    List<Duration> pauses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        Thread.sleep(gap); // the fault's own schedule: the time the JVM runs between pauses
      }
      long start = System.nanoTime();
      System.gc();
      pauses.add(Duration.ofNanos(System.nanoTime() - start));
    }
    return new Result(pauses, collections() - collectionsBefore);
  }

  private static long collections() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionCount());
    }
    return total;
  }
}
