package io.rocks.chaos;

import io.rocks.Rock;
import io.rocks.RockListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Counts one storm process's rock events, shared by every rock there as their listener, and groups
 * what went wrong by message: failures, suspension causes, failed reconnect attempts, and errors
 * the application saw (connect, read, write). The groups are the diagnosis, so each message is
 * normalized (rock ids, ports and other numbers replaced) until rocks that failed for the same
 * reason share one group, counted under the phase it happened in.
 *
 * <p>Callbacks run on the rocks' event threads, {@link #problem} on application threads, and the
 * queries and {@link #mark} on the command thread of {@link StormPeer}: every field is an atomic
 * or a concurrent map, so no lock is taken. An event racing with {@link #mark} may be counted on
 * either side of it.
 */
final class StormTally implements RockListener {
  private static final Pattern ROCK_ID = Pattern.compile("\\b[0-9a-f]{32}\\b");
  private static final Pattern PORT = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+):\\d+");
  private static final Pattern NUMBER = Pattern.compile("(?<![\\d.])\\d+(?![\\d.])");
  private static final int LONGEST_MESSAGE = 400;

  private final LongAdder connected = new LongAdder();
  private final LongAdder suspended = new LongAdder();
  private final LongAdder resumed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder attemptsFailed = new LongAdder();
  /** The {@link System#nanoTime} of the latest {@code connected} callback; 0 before the first. */
  private final AtomicLong lastConnectedNanos = new AtomicLong();
  /** The latest {@code resumed} callback since {@link #mark}; 0 if none. */
  private final AtomicLong lastResumedNanos = new AtomicLong();
  /** The earliest {@code suspended} callback since {@link #mark}; 0 if none. */
  private final AtomicLong firstSuspendedNanos = new AtomicLong();
  private final LongAdder suspendedSinceMark = new LongAdder();
  private final LongAdder resumedSinceMark = new LongAdder();
  private volatile String phase = "connect";
  /** Counts by "phase TAB kind TAB message". */
  private final Map<String, LongAdder> groups = new ConcurrentHashMap<>();

  @Override
  public void connected(Rock rock) {
    connected.increment();
    lastConnectedNanos.accumulateAndGet(System.nanoTime(), Math::max);
  }

  @Override
  public void suspended(Rock rock, Throwable cause) {
    long now = System.nanoTime();
    suspended.increment();
    suspendedSinceMark.increment();
    firstSuspendedNanos.compareAndSet(0, now);
    group("suspended", cause);
  }

  @Override
  public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable error) {
    attemptsFailed.increment();
    group("attempt failed", error);
  }

  @Override
  public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
    resumed.increment();
    resumedSinceMark.increment();
    lastResumedNanos.accumulateAndGet(System.nanoTime(), Math::max);
  }

  @Override
  public void failed(Rock rock, Throwable cause) {
    failed.increment();
    group("failed", cause);
  }

  @Override
  public void closed(Rock rock) {
    closed.increment();
  }

  /** Records an error the application saw: {@code kind} is what it was doing (connect, read, write). */
  void problem(String kind, Throwable error) {
    group(kind, error);
  }

  /** Starts phase {@code name}: later events are grouped under it, and the since-mark counts restart. */
  void mark(String name) {
    phase = name;
    lastResumedNanos.set(0);
    firstSuspendedNanos.set(0);
    suspendedSinceMark.reset();
    resumedSinceMark.reset();
  }

  /** Appends this tally's counters to a status line, as {@code key=value} words. */
  void describe(StringBuilder status) {
    status.append(" connectedEvents=").append(connected.sum())
        .append(" suspendedEvents=").append(suspended.sum())
        .append(" resumedEvents=").append(resumed.sum())
        .append(" failedEvents=").append(failed.sum())
        .append(" closedEvents=").append(closed.sum())
        .append(" attemptsFailed=").append(attemptsFailed.sum())
        .append(" suspendedEventsSinceMark=").append(suspendedSinceMark.sum())
        .append(" resumedEventsSinceMark=").append(resumedSinceMark.sum())
        .append(" lastConnectedNanos=").append(lastConnectedNanos.get())
        .append(" lastResumedNanos=").append(lastResumedNanos.get())
        .append(" firstSuspendedNanos=").append(firstSuspendedNanos.get())
        .append(" groups=").append(groups.size());
  }

  /** Returns one line per group, {@code COUNT TAB PHASE TAB KIND TAB MESSAGE}, largest first. */
  List<String> groups() {
    List<Map.Entry<String, Long>> counted = new ArrayList<>();
    groups.forEach((key, count) -> counted.add(Map.entry(key, count.sum())));
    counted.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, Long> e : counted) {
      lines.add(e.getValue() + "\t" + e.getKey());
    }
    return lines;
  }

  private void group(String kind, Throwable error) {
    groups.computeIfAbsent(phase + "\t" + kind + "\t" + describe(error), key -> new LongAdder()).increment();
  }

  /**
   * Returns "Class: message", with the root cause's if there is one, normalized so that the same
   * reason reads the same for every rock.
   */
  static String describe(Throwable error) {
    if (error == null) {
      return "(no cause given)";
    }
    StringBuilder text = new StringBuilder(error.getClass().getSimpleName()).append(": ").append(error.getMessage());
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != error) {
      text.append(" (cause ").append(root.getClass().getSimpleName()).append(": ").append(root.getMessage()).append(')');
    }
    return normalize(text.toString());
  }

  /** Replaces rock ids, ports and lone numbers, and keeps the message on one line of bounded length. */
  static String normalize(String message) {
    String text = ROCK_ID.matcher(message).replaceAll("<id>");
    text = PORT.matcher(text).replaceAll("$1:<port>");
    text = NUMBER.matcher(text).replaceAll("N");
    text = text.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    return text.length() <= LONGEST_MESSAGE ? text : text.substring(0, LONGEST_MESSAGE) + "...";
  }
}
