package io.rocks.impl.rock;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockRefusal;
import io.rocks.RockState;
import io.rocks.RockStats;
import io.rocks.RocksMonitor;
import io.rocks.RocksTotals;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The process's {@link RocksMonitor}: the rocks not yet ended, counts of their events, totals of
 * the ended ones, refusals, and the listeners of every rock.
 *
 * <p>Threads and locks. {@link #counts} is called by {@link RealRock#post} under the posting rock's
 * lock, so it only adds to counters and never blocks. A rock joins {@link #live} once it is handed
 * out (connector) or registered (acceptor), and leaves it from {@link RockEnding} after it ended,
 * without its lock. {@link #ending} makes the move of an ended rock's bytes from {@link #live} to
 * the ended totals atomic for {@link #totals}: a scrape (read lock, taking each live rock's lock
 * briefly to read its counters) never counts an ending rock twice or not at all, so each total only
 * grows; the write lock is held only to move one rock's counts, never during I/O, and a rock that
 * ends during a scrape is moved by a virtual thread, so the thread that ended it never waits.
 */
public final class ProcessRocks implements RocksMonitor {
  public static final ProcessRocks INSTANCE = new ProcessRocks();

  private final Set<RealRock> live = ConcurrentHashMap.newKeySet();
  private final ReentrantReadWriteLock ending = new ReentrantReadWriteLock();
  /** Byte totals of ended rocks; written under the write lock of {@link #ending}. */
  private long endedWritten, endedAcknowledged, endedReceived, endedRetransmitted;

  private final LongAdder established = new LongAdder();
  private final LongAdder suspensions = new LongAdder();
  private final LongAdder resumes = new LongAdder();
  private final LongAdder attemptsFailed = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicLongArray refusals = new AtomicLongArray(RockRefusal.values().length);
  private final List<RockListener> listeners = new CopyOnWriteArrayList<>();

  /** Counts each rock's events as they are posted; never blocks (called under the rock's lock). */
  final RockListener counts =
      new RockListener() {
        @Override
        public void connected(Rock rock) {
          established.increment();
        }

        @Override
        public void suspended(Rock rock, Throwable cause) {
          suspensions.increment();
        }

        @Override
        public void reconnectAttemptFailed(
            Rock rock, int attempt, InetSocketAddress address, Throwable error) {
          attemptsFailed.increment();
        }

        @Override
        public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
          resumes.increment();
        }

        @Override
        public void closed(Rock rock) {
          closed.increment();
        }

        @Override
        public void failed(Rock rock, Throwable cause) {
          failed.increment();
        }
      };

  private ProcessRocks() {}

  /**
   * Counts {@code rock} among the live rocks, from the moment it is handed to the application
   * (connector) or registered by its server (acceptor). A rock that ended meanwhile leaves again.
   */
  public void add(RealRock rock) {
    live.add(rock);
    if (rock.lifeState().isTerminal()) {
      ended(rock);
    }
  }

  /** Moves an ended rock's byte counts to the ended totals; only its first call for a rock counts. */
  void ended(RealRock rock) {
    if (!live.contains(rock)) {
      return;
    }
    RockStats last = rock.stats();
    if (ending.writeLock().tryLock()) {
      moveLocked(rock, last);
    } else {
      // A scrape holds the read lock (about a microsecond per live rock): the caller, which may be
      // the timer thread that all rocks share, does not wait for it; a virtual thread does.
      Thread.ofVirtual().name("rocks-ended").start(() -> {
        ending.writeLock().lock();
        moveLocked(rock, last);
      });
    }
  }

  /** Moves {@code rock}'s bytes to the ended totals, then releases the write lock the caller holds. */
  private void moveLocked(RealRock rock, RockStats last) {
    try {
      if (live.remove(rock)) {
        endedWritten += last.bytesWritten();
        endedAcknowledged += last.bytesAcknowledged();
        endedReceived += last.bytesReceived();
        endedRetransmitted += last.bytesRetransmitted();
      }
    } finally {
      ending.writeLock().unlock();
    }
  }

  /** Returns how many rocks are held as not yet ended: for tests and diagnostics. */
  public int tracked() {
    return live.size();
  }

  /** Counts a handshake or resume this process refused as the accepting side. */
  public void refused(RockRefusal reason) {
    refusals.incrementAndGet(reason.ordinal());
  }

  /** The listeners of every rock, to be called with its own; empty when none was added. */
  List<RockListener> listeners() {
    return listeners;
  }

  @Override
  public Map<RockState, Integer> rocksByState() {
    int[] counts = new int[RockState.values().length];
    for (RealRock rock : live) {
      RockState state = rock.state();
      if (!state.isTerminal()) { // ended, and leaving the set right now
        counts[state.ordinal()]++;
      }
    }
    Map<RockState, Integer> byState = new EnumMap<>(RockState.class);
    for (RockState state : RockState.values()) {
      byState.put(state, counts[state.ordinal()]);
    }
    return Collections.unmodifiableMap(byState);
  }

  @Override
  public RocksTotals totals() {
    long written, acknowledged, received, retransmitted;
    ending.readLock().lock();
    try {
      written = endedWritten;
      acknowledged = endedAcknowledged;
      received = endedReceived;
      retransmitted = endedRetransmitted;
      for (RealRock rock : live) {
        RockStats stats = rock.stats();
        written += stats.bytesWritten();
        acknowledged += stats.bytesAcknowledged();
        received += stats.bytesReceived();
        retransmitted += stats.bytesRetransmitted();
      }
    } finally {
      ending.readLock().unlock();
    }
    return new RocksTotals(
        established.sum(),
        suspensions.sum(),
        resumes.sum(),
        attemptsFailed.sum(),
        closed.sum(),
        failed.sum(),
        written,
        acknowledged,
        received,
        retransmitted);
  }

  @Override
  public Map<RockRefusal, Long> refusals() {
    Map<RockRefusal, Long> byReason = new EnumMap<>(RockRefusal.class);
    for (RockRefusal reason : RockRefusal.values()) {
      byReason.put(reason, refusals.get(reason.ordinal()));
    }
    return Collections.unmodifiableMap(byReason);
  }

  @Override
  public void addListener(RockListener listener) {
    listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeListener(RockListener listener) {
    listeners.remove(listener);
  }
}
