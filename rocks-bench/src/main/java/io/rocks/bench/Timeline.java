package io.rocks.bench;

import io.rocks.Rock;
import io.rocks.RockListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/** A rock's events, each with the {@link System#nanoTime} at which its callback ran. */
final class Timeline implements RockListener {
  record Event(String kind, long at, String detail) {}

  private final String side;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  Timeline(String side) {
    this.side = side;
  }

  @Override
  public void suspended(Rock rock, Throwable cause) {
    events.add(new Event("suspended", System.nanoTime(), String.valueOf(cause)));
  }

  @Override
  public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
    events.add(new Event("resumed", System.nanoTime(), bytesRetransmitted + " bytes retransmitted"));
  }

  @Override
  public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable error) {
    events.add(new Event("attempt-failed", System.nanoTime(), String.valueOf(error)));
  }

  @Override
  public void failed(Rock rock, Throwable cause) {
    events.add(new Event("failed", System.nanoTime(), String.valueOf(cause)));
  }

  /** Returns the first event of {@code kind} at or after {@code after}, waiting up to {@code limit}. */
  Event await(String kind, long after, Duration limit) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      for (Event event : events) {
        if (event.kind().equals(kind) && event.at() - after >= 0) {
          return event;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException(side + ": no " + kind + " event within " + limit.toMillis() + " ms");
      }
      Thread.sleep(0, 200_000);
    }
  }

  /** Returns the events of {@code kind} in {@code [from, to]}. */
  List<Event> between(String kind, long from, long to) {
    List<Event> found = new ArrayList<>();
    for (Event event : events) {
      if (event.kind().equals(kind) && event.at() - from >= 0 && to - event.at() >= 0) {
        found.add(event);
      }
    }
    return found;
  }
}
