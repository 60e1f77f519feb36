package io.rocks.chaos;

import io.rocks.RockSocket;
import io.rocks.RockState;
import java.util.ArrayList;
import java.util.List;

/**
 * One side's rocks in a storm process, and the commands both sides answer alike:
 *
 * <pre>
 *   status        -> status key=value ...   (counts by state, suspensions, data progress, events)
 *   mark PHASE    -> (nothing)              suspensions and events count from here, grouped as PHASE
 *   send K        -> (nothing)              every rock sends segments up to K, in the background
 *   finish        -> (nothing)              every rock ends its output after its segments
 *   results       -> rock INDEX STATE SUSPENSIONS SENT SENT_SHA RECEIVED RECEIVED_SHA, one per rock
 *   groups        -> group COUNT TAB PHASE TAB KIND TAB MESSAGE, one per distinct problem
 * </pre>
 *
 * <p>Rocks are added by the role's accepting or connecting threads and read by the command thread:
 * {@link #rocks} is guarded by its own monitor, held only to add or to copy.
 */
final class StormRocks {
  private final int side;
  private final int segmentBytes;
  final StormTally tally = new StormTally();
  private final List<StormRock> rocks = new ArrayList<>();

  StormRocks(int side, int segmentBytes) {
    this.side = side;
    this.segmentBytes = segmentBytes;
  }

  /** Takes a new rock in (index -1 on the accepting side: its header tells) and starts its application. */
  void add(RockSocket socket, int index) {
    StormRock rock = new StormRock(socket, side, index, segmentBytes, tally);
    synchronized (rocks) {
      rocks.add(rock);
    }
    rock.start();
  }

  private List<StormRock> snapshot() {
    synchronized (rocks) {
      return List.copyOf(rocks);
    }
  }

  /** Answers a shared command; returns false if {@code words[0]} is not one. */
  boolean answer(String[] words, List<String> reply) {
    switch (words[0]) {
      case "status" -> reply.add("status" + status());
      case "mark" -> {
        for (StormRock rock : snapshot()) {
          rock.mark();
        }
        tally.mark(words[1]);
      }
      case "send" -> {
        int segment = Integer.parseInt(words[1]);
        for (StormRock rock : snapshot()) {
          Thread.ofVirtual().name("storm-send").start(() -> rock.request(segment));
        }
      }
      case "finish" -> {
        for (StormRock rock : snapshot()) {
          Thread.ofVirtual().name("storm-finish").start(rock::finish);
        }
      }
      case "results" -> {
        for (StormRock rock : snapshot()) {
          reply.add(rock.result());
        }
      }
      case "groups" -> {
        for (String group : tally.groups()) {
          reply.add("group " + group);
        }
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * The status words: {@code rocks}, {@code live} (not CLOSED or FAILED), a count per {@link
   * RockState}, {@code suspensions} (sum of the rocks' counters), {@code suspensionsSinceMark},
   * {@code suspendedSinceMark} (rocks that suspended since the mark), {@code resumedSinceMark}
   * (rocks CONNECTED again after a suspension since the mark, or after being suspended at it), {@code behindK} (live rocks that lack the peer's first K
   * segments), {@code wroteK} (rocks that sent K segments), {@code readersDone}, {@code
   * endOfStream}, and the tally's event counters.
   */
  String status() {
    List<StormRock> all = snapshot();
    int[] states = new int[RockState.values().length];
    long suspensions = 0;
    long suspensionsSinceMark = 0;
    int suspendedSinceMark = 0;
    int resumedSinceMark = 0;
    int live = 0;
    int[] behind = new int[StormRock.SEGMENTS + 1];
    int[] wrote = new int[StormRock.SEGMENTS + 1];
    int readersDone = 0;
    int endOfStream = 0;
    for (StormRock rock : all) {
      RockState state = rock.state();
      states[state.ordinal()]++;
      boolean alive = state != RockState.CLOSED && state != RockState.FAILED;
      live += alive ? 1 : 0;
      suspensions += rock.suspensions();
      int since = rock.suspensionsSinceMark();
      suspensionsSinceMark += since;
      suspendedSinceMark += since > 0 ? 1 : 0;
      resumedSinceMark += rock.recoveredSinceMark() ? 1 : 0;
      for (int k = 1; k <= StormRock.SEGMENTS; k++) {
        behind[k] += alive && !rock.hasReceived(k) ? 1 : 0;
        wrote[k] += rock.segmentsWritten() >= k ? 1 : 0;
      }
      readersDone += rock.readerDone() ? 1 : 0;
      endOfStream += rock.endOfStream() ? 1 : 0;
    }
    StringBuilder status = new StringBuilder();
    status.append(" rocks=").append(all.size()).append(" live=").append(live);
    for (RockState state : RockState.values()) {
      status.append(' ').append(state).append('=').append(states[state.ordinal()]);
    }
    status.append(" suspensions=").append(suspensions)
        .append(" suspensionsSinceMark=").append(suspensionsSinceMark)
        .append(" suspendedSinceMark=").append(suspendedSinceMark)
        .append(" resumedSinceMark=").append(resumedSinceMark);
    for (int k = 1; k <= StormRock.SEGMENTS; k++) {
      status.append(" behind").append(k).append('=').append(behind[k]);
      status.append(" wrote").append(k).append('=').append(wrote[k]);
    }
    status.append(" readersDone=").append(readersDone).append(" endOfStream=").append(endOfStream);
    tally.describe(status);
    return status.toString();
  }
}
