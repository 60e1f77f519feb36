package io.rocks.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Live heap that makes a full collection slow: millions of small linked objects, which a collector
 * must visit one by one to mark and to compact (a few large arrays would cost it almost nothing).
 * Held in a static field, so it stays live until {@link #release}. Methods are called by one
 * thread at a time (a child's command thread).
 */
final class Ballast {
  /** One small object: a header, a value and a reference, 24 bytes with compressed pointers. */
  private static final class Node {
    final long value;
    final Node next;

    Node(long value, Node next) {
      this.value = value;
      this.next = next;
    }
  }

  private static final int NODE_BYTES = 24;
  private static final int NODES_PER_CHAIN = 4096;
  private static final List<Node> CHAINS = new ArrayList<>();

  private Ballast() {}

  /** How much ballast {@link #sizeFor} made, and how long the last full collection with it took. */
  record Sizing(int mebibytes, long objects, Duration pause) {}

  /**
   * Adds ballast until a full collection takes at least {@code pause}, or {@code maxMebibytes} MiB
   * are held: starts with 200 MiB, and after each timed full collection grows the ballast by the
   * ratio of the target to the time taken (by at least 100 MiB; a collection's cost grows with the
   * objects it visits, though not quite in proportion). Collection times vary with the machine's
   * load, so this is a size, not a promise about the next pause.
   */
  static Sizing sizeFor(Duration pause, int maxMebibytes) throws InterruptedException {
    int mebibytes = Math.min(200, maxMebibytes);
    long objects = add(mebibytes);
    Duration took = FullGcs.run(1, Duration.ZERO).pauses().get(0);
    while (took.compareTo(pause) < 0 && mebibytes < maxMebibytes) {
      long scaled = mebibytes * pause.toNanos() / Math.max(1, took.toNanos());
      int wanted = (int) Math.min(maxMebibytes, Math.max(mebibytes + 100L, scaled));
      objects += add(wanted - mebibytes);
      mebibytes = wanted;
      took = FullGcs.run(1, Duration.ZERO).pauses().get(0);
    }
    return new Sizing(mebibytes, objects, took);
  }

  /** Adds about {@code mebibytes} MiB of live small objects; returns how many objects it made. */
  static long add(int mebibytes) {
    long nodes = (long) mebibytes * 1024 * 1024 / NODE_BYTES;
    for (long made = 0; made < nodes; made += NODES_PER_CHAIN) {
      Node head = null;
      for (int i = 0; i < NODES_PER_CHAIN; i++) {
        head = new Node(made + i, head);
      }
      CHAINS.add(head);
    }
    return nodes;
  }

  static void release() {
    CHAINS.clear();
  }
}
