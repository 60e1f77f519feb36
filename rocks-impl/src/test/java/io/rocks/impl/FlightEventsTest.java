package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rock's life as JDK Flight Recorder events, recorded by a {@link RecordingStream} while it
 * happens and read back from its dump: established, suspended, resumed and closed for a pair that
 * survives a reset, and reconnect attempts then failed for a rock whose path stays dead past its
 * reconnect timeout, each with the rock's id, role and peer.
 *
 * <p>Read from the dump rather than from the stream's callbacks: on JDK 25.0.3 the live stream
 * handed over some events (the last ones of a rock, committed as it failed) with their longer
 * strings (the id, the peer) unresolved, while the recording itself holds them whole.
 */
class FlightEventsTest {
  private static final List<String> NAMES =
      List.of(
          "io.rocks.Established",
          "io.rocks.Suspended",
          "io.rocks.ReconnectAttemptFailed",
          "io.rocks.Resumed",
          "io.rocks.Closed",
          "io.rocks.Failed");

  @Test
  @Timeout(90)
  void aRocksLifeIsRecorded(@TempDir Path dir) throws Exception {
    try (RecordingStream stream = new RecordingStream()) {
      for (String name : NAMES) {
        stream.enable(name);
      }
      stream.startAsync();

      String id;
      String clientPeer;
      String serverPeer;
      try (RockPair pair = new RockPair(RockOptions.defaults())) {
        RockFailureTest.echoOnce(pair);
        Rock client = pair.client.rock();
        Rock server = pair.accepted.rock();
        id = client.id().toString();
        assertEquals(id, server.id().toString(), "one rock, two ends");
        pair.relay.reset();
        Await.until(Duration.ofSeconds(20), "both ends resumed",
            () -> client.stats().suspensions() == 1 && server.stats().suspensions() == 1
                && client.state() == RockState.CONNECTED && server.state() == RockState.CONNECTED);
        RockFailureTest.echoOnce(pair);
        clientPeer = String.valueOf(client.peer());
        serverPeer = String.valueOf(server.peer());
        pair.client.close();
        pair.accepted.close();
        Await.until(Duration.ofSeconds(10), "both ends closed",
            () -> client.state() == RockState.CLOSED && server.state() == RockState.CLOSED);
      }
      List<String> life =
          List.of("io.rocks.Established", "io.rocks.Suspended", "io.rocks.Resumed", "io.rocks.Closed");
      Await.until(Duration.ofSeconds(20), "the pair's events recorded",
          () -> names(recorded(stream, dir), id, "connector").equals(life)
              && names(recorded(stream, dir), id, "acceptor").equals(life));
      List<RecordedEvent> events = recorded(stream, dir);
      RecordedEvent resumed = only(events, id, "connector", "io.rocks.Resumed");
      assertTrue(resumed.getDuration("suspendedFor").toNanos() > 0, resumed.toString());
      assertTrue(resumed.getLong("bytesRetransmitted") >= 0, resumed.toString());
      assertEquals(clientPeer, only(events, id, "connector", "io.rocks.Closed").getString("peer"));
      assertEquals(serverPeer, only(events, id, "acceptor", "io.rocks.Closed").getString("peer"));
      String cause = only(events, id, "connector", "io.rocks.Suspended").getString("cause");
      assertTrue(cause.startsWith("java.net.SocketException") || cause.startsWith("java.io."), cause);

      // A rock whose path stays dead: its attempts fail, then it fails at its reconnect timeout.
      RockOptions shortLived = RockOptions.builder().reconnectTimeout(Duration.ofSeconds(2)).build();
      String failedId;
      try (RockPair pair = new RockPair(shortLived)) {
        RockFailureTest.echoOnce(pair);
        failedId = pair.client.rock().id().toString();
        pair.relay.close(); // the relay's port refuses every reconnection from now on
        Await.until(Duration.ofSeconds(30), "the client's rock fails",
            () -> pair.client.rock().state() == RockState.FAILED);
      }
      Await.until(Duration.ofSeconds(20), "its failure recorded",
          () -> names(recorded(stream, dir), failedId, "connector").contains("io.rocks.Failed"));
      List<String> failedLife = names(recorded(stream, dir), failedId, "connector");
      assertEquals(List.of("io.rocks.Established", "io.rocks.Suspended"), failedLife.subList(0, 2), failedLife.toString());
      assertTrue(failedLife.contains("io.rocks.ReconnectAttemptFailed"), failedLife.toString());
      assertEquals("io.rocks.Failed", failedLife.get(failedLife.size() - 1), failedLife.toString());
      String failure = only(recorded(stream, dir), failedId, "connector", "io.rocks.Failed").getString("cause");
      assertTrue(failure.startsWith(RockTimeoutException.class.getName() + ": rock " + failedId), failure);
    }
  }

  /** Everything the stream recorded so far, read back from a dump. */
  private static List<RecordedEvent> recorded(RecordingStream stream, Path dir) {
    try {
      Path file = Files.createTempFile(dir, "rocks", ".jfr");
      stream.dump(file);
      List<RecordedEvent> events = RecordingFile.readAllEvents(file);
      Files.delete(file);
      return events.stream().filter(e -> e.getEventType().getName().startsWith("io.rocks.")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The names of the events of rock {@code id} on one side, in the order they were committed. */
  private static List<String> names(List<RecordedEvent> events, String id, String role) {
    return events.stream()
        .filter(e -> id.equals(e.getString("rockId")) && role.equals(e.getString("role")))
        .sorted(Comparator.comparing(RecordedEvent::getStartTime))
        .map(e -> e.getEventType().getName())
        .toList();
  }

  private static RecordedEvent only(List<RecordedEvent> events, String id, String role, String name) {
    List<RecordedEvent> matching =
        events.stream()
            .filter(e -> id.equals(e.getString("rockId")) && role.equals(e.getString("role"))
                && e.getEventType().getName().equals(name))
            .toList();
    assertEquals(1, matching.size(), name + " of rock " + id + " (" + role + "): " + matching);
    return matching.get(0);
  }
}
