package io.rocks.chaos;

import io.rocks.Rock;
import io.rocks.RockListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Records one side's rock events with the {@link System#nanoTime} at which each callback ran, so a
 * test or benchmark measures detection and resume times from the rock's own reports. Thread-safe:
 * callbacks and queries synchronize on this object; {@link #await} waits on it for the next event.
 */
public final class RockEvents implements RockListener {
  /** One recorded event. */
  public record Event(String kind, long atNanos, String detail) {}

  private final String side;
  private final List<Event> events = new ArrayList<>();
  private final List<Long> suspendedAt = new ArrayList<>();
  private final List<Long> resumedAt = new ArrayList<>();
  private final List<Long> retransmitted = new ArrayList<>();
  private final List<Duration> suspendedFor = new ArrayList<>();
  private final List<Throwable> suspendCauses = new ArrayList<>();
  private int reconnectFailures;
  private Throwable failure;
  private boolean closed;

  public RockEvents(String side) {
    this.side = side;
  }

  @Override
  public synchronized void connected(Rock rock) {
    record(new Event("connected", System.nanoTime(), ""));
  }

  @Override
  public synchronized void suspended(Rock rock, Throwable cause) {
    long now = System.nanoTime();
    suspendedAt.add(now);
    suspendCauses.add(cause);
    record(new Event("suspended", now, String.valueOf(cause)));
  }

  @Override
  public synchronized void reconnectAttemptFailed(
      Rock rock, int attempt, InetSocketAddress address, Throwable error) {
    reconnectFailures++;
    record(new Event("attempt-failed", System.nanoTime(), String.valueOf(error)));
  }

  @Override
  public synchronized void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
    long now = System.nanoTime();
    resumedAt.add(now);
    retransmitted.add(bytesRetransmitted);
    this.suspendedFor.add(suspendedFor);
    record(
        new Event(
            "resumed",
            now,
            "after " + suspendedFor.toMillis() + " ms, retransmitting " + bytesRetransmitted + " bytes"));
  }

  @Override
  public synchronized void closed(Rock rock) {
    closed = true;
    record(new Event("closed", System.nanoTime(), ""));
  }

  @Override
  public synchronized void failed(Rock rock, Throwable cause) {
    failure = cause;
    record(new Event("failed", System.nanoTime(), String.valueOf(cause)));
  }

  private void record(Event event) {
    events.add(event);
    notifyAll();
  }

  /**
   * Returns the first event of {@code kind} at or after {@code afterNanos}, waiting for it at most
   * {@code limit}; throws {@link TimeoutException} naming the side and kind if none comes.
   */
  public synchronized Event await(String kind, long afterNanos, Duration limit)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      for (Event event : events) {
        if (event.kind().equals(kind) && event.atNanos() - afterNanos >= 0) {
          return event;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(side + ": no " + kind + " event within " + limit.toMillis() + " ms");
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Returns the events of {@code kind} from {@code fromNanos} to {@code toNanos}, inclusive. */
  public synchronized List<Event> between(String kind, long fromNanos, long toNanos) {
    List<Event> found = new ArrayList<>();
    for (Event event : events) {
      if (event.kind().equals(kind) && event.atNanos() - fromNanos >= 0 && toNanos - event.atNanos() >= 0) {
        found.add(event);
      }
    }
    return found;
  }

  public String side() {
    return side;
  }

  public synchronized int suspensions() {
    return suspendedAt.size();
  }

  public synchronized int resumes() {
    return resumedAt.size();
  }

  /** The time of suspension number {@code index} (0-based). */
  public synchronized long suspendedAt(int index) {
    return suspendedAt.get(index);
  }

  public synchronized long resumedAt(int index) {
    return resumedAt.get(index);
  }

  public synchronized List<Long> suspendedTimes() {
    return List.copyOf(suspendedAt);
  }

  public synchronized List<Long> resumedTimes() {
    return List.copyOf(resumedAt);
  }

  /** How long each suspension lasted, as the rock reported when it resumed. */
  public synchronized List<Duration> suspendedFor() {
    return List.copyOf(suspendedFor);
  }

  public synchronized Throwable suspendCause(int index) {
    return suspendCauses.get(index);
  }

  public synchronized long totalRetransmitted() {
    return retransmitted.stream().mapToLong(Long::longValue).sum();
  }

  public synchronized int reconnectFailures() {
    return reconnectFailures;
  }

  public synchronized Throwable failure() {
    return failure;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** The events so far, one a line, times relative to {@code originNanos}; for failure messages. */
  public synchronized String describe(long originNanos) {
    StringBuilder out = new StringBuilder(side).append(" events:");
    for (Event e : events) {
      out.append(String.format(
          "%n  %+8d ms %s %s", (e.atNanos() - originNanos) / 1_000_000, e.kind(), e.detail()));
    }
    return out.toString();
  }
}
