package io.rocks.impl.server;

import io.rocks.RockException;
import io.rocks.RockId;
import io.rocks.RockState;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.rock.RealRock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The rocks one server socket accepted, by id, so a RESUME finds its rock; which of them are
 * suspended, bounded by {@code max-suspended-rocks}; and the ids dropped for that bound, so their
 * clients hear why when they come back.
 *
 * <p>Threads: handshake threads look rocks up and add them; rocks report their suspensions and
 * ends through the server socket's {@code RockHooks}, on whichever thread moved them. The maps are
 * concurrent; the dropped ids are guarded by their own monitor (a bounded set update, no I/O).
 */
final class RockRegistry {
  /** How many dropped ids are remembered; the oldest are forgotten first. */
  private static final int REMEMBERED_DROPS = 4096;

  /** Names the server in the messages of rocks dropped for capacity. */
  private final String server;
  /** Every live rock, by id. Entries leave when the rock ends. */
  private final ConcurrentHashMap<RockId, RealRock> rocks = new ConcurrentHashMap<>();
  /** The rocks in {@link #rocks} that are suspended now. */
  private final Set<RealRock> suspended = ConcurrentHashMap.newKeySet();
  /**
   * The suspended rocks whose client had not shown that it read WELCOME when they suspended,
   * oldest suspension first: the first to go when the cap is reached ({@link #dropOne}). An entry
   * may outlive its rock's suspension (it was welcomed since); such entries are skipped.
   */
  private final ConcurrentSkipListMap<Suspension, RealRock> unwelcomed = new ConcurrentSkipListMap<>();
  /** Ids of rocks dropped because the cap was reached. Guarded by its own monitor. */
  private final LinkedHashSet<RockId> droppedForCapacity = new LinkedHashSet<>();

  /** When a rock suspended, and which: orders {@link #unwelcomed}. */
  private record Suspension(long sinceNanos, RockId id) implements Comparable<Suspension> {
    @Override
    public int compareTo(Suspension other) {
      int bySince = Long.compare(sinceNanos, other.sinceNanos);
      return bySince != 0 ? bySince : id.toString().compareTo(other.id.toString());
    }
  }

  RockRegistry(String server) {
    this.server = server;
  }

  /** True if a live rock has {@code id}. */
  boolean contains(RockId id) {
    return rocks.containsKey(id);
  }

  /** Adds a new rock; false if a live rock already has its id. */
  boolean add(RealRock rock) {
    return rocks.putIfAbsent(rock.id, rock) == null;
  }

  /** The live rock with {@code id}, or null. */
  RealRock find(RockId id) {
    return rocks.get(id);
  }

  /** True if the rock with {@code id} was dropped because the cap was reached. */
  boolean wasDropped(RockId id) {
    synchronized (droppedForCapacity) {
      return droppedForCapacity.contains(id);
    }
  }

  /** How many rocks are live, connected or suspended. */
  int size() {
    return rocks.size();
  }

  /** How many rocks are suspended now. */
  int suspendedCount() {
    return suspended.size();
  }

  /** The live rocks now (a copy). */
  List<RealRock> all() {
    return List.copyOf(rocks.values());
  }

  /** {@code rock} suspended: counts it, and makes room if more than its cap are suspended now. */
  void suspended(RealRock rock) {
    suspended.add(rock);
    if (!rock.keys.peerWelcomed()) {
      unwelcomed.put(new Suspension(rock.suspendedSinceNanos(), rock.id), rock);
    }
    int cap = rock.options().maxSuspendedRocks();
    if (suspended.size() > cap) {
      dropOne(rock, cap);
    }
  }

  /** {@code rock} resumed. */
  void resumed(RealRock rock) {
    suspended.remove(rock);
    unwelcomed.remove(new Suspension(rock.suspendedSinceNanos(), rock.id));
  }

  /** {@code rock} ended: it leaves the registry. */
  void terminated(RealRock rock) {
    suspended.remove(rock);
    unwelcomed.remove(new Suspension(rock.suspendedSinceNanos(), rock.id));
    rocks.remove(rock.id, rock);
  }

  /**
   * Makes room when more than {@code cap} rocks are suspended, {@code suspendedNow} the latest: fails
   * the suspended rock whose client has not shown that it read WELCOME ({@link
   * RealRock#peerWelcomed}) and that suspended first, if there is one, else {@code suspendedNow}.
   * Anyone can open rocks and vanish before reading WELCOME, so such rocks make room for the rest.
   * The dropped rock's id is remembered so that its client, if it comes back, hears why.
   */
  private void dropOne(RealRock suspendedNow, int cap) {
    RealRock victim = suspendedNow;
    Map.Entry<Suspension, RealRock> oldest;
    while ((oldest = unwelcomed.pollFirstEntry()) != null) {
      RealRock candidate = oldest.getValue();
      if (candidate.lifeState() == RockState.SUSPENDED && !candidate.keys.peerWelcomed()) {
        victim = candidate;
        break;
      }
    }
    synchronized (droppedForCapacity) {
      droppedForCapacity.add(victim.id);
      if (droppedForCapacity.size() > REMEMBERED_DROPS) {
        droppedForCapacity.remove(droppedForCapacity.iterator().next());
      }
    }
    victim.fail(
        new RockException(
            "rock " + victim.id + " from " + Addresses.format(victim.peer()) + " dropped: the server at " + server
                + " already holds its limit of " + cap + " suspended rocks (max-suspended-rocks)"));
  }
}
