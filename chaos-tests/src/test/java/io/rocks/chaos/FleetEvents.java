package io.rocks.chaos;

import io.rocks.Rock;
import io.rocks.RockListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Records the events of every rock of a {@link Fleet} with the {@link System#nanoTime} its callback
 * ran at, in the form a {@link PeerProcess} reads from a child's {@code EVENT} lines: the detail
 * starts with the rock's id. Each event is also handed to a sink as it is recorded (a child prints
 * it). Callbacks run on the rocks' event threads; every method is thread-safe (synchronized on this
 * object, the sink included, so lines come out in the order they were recorded).
 */
final class FleetEvents implements RockListener {
  private final Consumer<PeerProcess.Event> sink;
  private final List<PeerProcess.Event> events = new ArrayList<>();

  FleetEvents() {
    this(event -> {});
  }

  FleetEvents(Consumer<PeerProcess.Event> sink) {
    this.sink = sink;
  }

  @Override
  public void suspended(Rock rock, Throwable cause) {
    record("suspended", rock.id() + " " + oneLine(cause));
  }

  @Override
  public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
    record("resumed", rock.id() + " " + suspendedFor.toMillis() + " " + bytesRetransmitted);
  }

  @Override
  public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable error) {
    record("attempt-failed", rock.id() + " " + attempt + " " + oneLine(error));
  }

  @Override
  public void failed(Rock rock, Throwable cause) {
    record("failed", rock.id() + " " + oneLine(cause));
  }

  @Override
  public void closed(Rock rock) {
    record("closed", rock.id().toString());
  }

  private synchronized void record(String kind, String detail) {
    PeerProcess.Event event = new PeerProcess.Event(kind, System.nanoTime(), detail);
    events.add(event);
    sink.accept(event);
  }

  /** The events of {@code kind} so far, oldest first. */
  synchronized List<PeerProcess.Event> events(String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).toList();
  }

  private static String oneLine(Throwable t) {
    return String.valueOf(t).replace('\n', ' ');
  }
}
