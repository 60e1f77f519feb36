package io.rocks.impl.jfr;

import io.rocks.Rock;
import io.rocks.RockListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A rock's life as JDK Flight Recorder events: {@code io.rocks.Established}, {@code
 * io.rocks.Suspended}, {@code io.rocks.ReconnectAttemptFailed}, {@code io.rocks.Resumed}, {@code
 * io.rocks.Closed} and {@code io.rocks.Failed}, each with the rock's id, its role and its peer.
 * They come from the same moments as the {@link RockListener} events: the rock commits each at the
 * change it reports, on the thread that made the change and under the rock's lock ({@code
 * RealRock.post}), so its time is the change's and it is in the recording once the new state can
 * be seen. A commit writes to the thread's own JFR buffer and does no I/O. Nothing runs unless the
 * flight recorder was started in this JVM; no dependency ({@code jdk.jfr} is part of the JDK).
 *
 * <p>Record them with {@code -XX:StartFlightRecording} (they are enabled by default, without stack
 * traces) or stream them with {@code jdk.jfr.consumer.RecordingStream}.
 */
public final class RockFlightEvents implements RockListener {
  private static final RockFlightEvents CONNECTOR = new RockFlightEvents("connector");
  private static final RockFlightEvents ACCEPTOR = new RockFlightEvents("acceptor");

  private final String role;

  private RockFlightEvents(String role) {
    this.role = role;
  }

  /** The listener for the rocks of one side: it keeps no state but the role it reports. */
  public static RockFlightEvents of(boolean connector) {
    return connector ? CONNECTOR : ACCEPTOR;
  }

  /**
   * True once the flight recorder is running in this JVM (a recording was ever started): only then
   * do rocks hand their events to this listener.
   */
  public static boolean active() {
    return FlightRecorder.isInitialized();
  }

  @Override
  public void connected(Rock rock) {
    Established event = new Established();
    if (event.shouldCommit()) {
      describe(event, rock);
      event.commit();
    }
  }

  @Override
  public void suspended(Rock rock, Throwable cause) {
    Suspended event = new Suspended();
    if (event.shouldCommit()) {
      describe(event, rock);
      event.cause = String.valueOf(cause);
      event.commit();
    }
  }

  @Override
  public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable error) {
    ReconnectAttemptFailed event = new ReconnectAttemptFailed();
    if (event.shouldCommit()) {
      describe(event, rock);
      event.attempt = attempt;
      event.address = String.valueOf(address);
      event.error = String.valueOf(error);
      event.commit();
    }
  }

  @Override
  public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
    Resumed event = new Resumed();
    if (event.shouldCommit()) {
      describe(event, rock);
      event.suspendedFor = suspendedFor.toNanos();
      event.bytesRetransmitted = bytesRetransmitted;
      event.commit();
    }
  }

  @Override
  public void closed(Rock rock) {
    Closed event = new Closed();
    if (event.shouldCommit()) {
      describe(event, rock);
      event.commit();
    }
  }

  @Override
  public void failed(Rock rock, Throwable cause) {
    Failed event = new Failed();
    if (event.shouldCommit()) {
      describe(event, rock);
      event.cause = String.valueOf(cause);
      event.commit();
    }
  }

  private void describe(RockEvent event, Rock rock) {
    event.rockId = rock.id().toString();
    event.peer = String.valueOf(rock.peer());
    event.role = role;
  }

  /** The fields every rock event carries. */
  @Category({"Rocks"})
  @StackTrace(false)
  abstract static class RockEvent extends Event {
    @Label("Rock")
    @Description("The rock's id, as its logs print it")
    String rockId;

    @Label("Peer")
    @Description("The peer's address as this side sees it now")
    String peer;

    @Label("Role")
    @Description("connector (it dials and reconnects) or acceptor")
    String role;
  }

  @Name("io.rocks.Established")
  @Label("Rock Established")
  @Description("The rock's handshake finished: it is keyed and confirmed")
  static final class Established extends RockEvent {}

  @Name("io.rocks.Suspended")
  @Label("Rock Suspended")
  @Description("The rock's connection failed; it keeps its bytes and recovers")
  static final class Suspended extends RockEvent {
    @Label("Cause")
    String cause;
  }

  @Name("io.rocks.ReconnectAttemptFailed")
  @Label("Rock Reconnect Attempt Failed")
  @Description("One attempt of the connecting side to resume failed; it tries again after its backoff")
  static final class ReconnectAttemptFailed extends RockEvent {
    @Label("Attempt")
    int attempt;

    @Label("Address")
    String address;

    @Label("Error")
    String error;
  }

  @Name("io.rocks.Resumed")
  @Label("Rock Resumed")
  @Description("The rock resumed on a new connection, retransmitting what the peer had not received")
  static final class Resumed extends RockEvent {
    @Label("Suspended For")
    @Timespan(Timespan.NANOSECONDS)
    long suspendedFor;

    @Label("Bytes Retransmitted")
    @DataAmount(DataAmount.BYTES)
    long bytesRetransmitted;
  }

  @Name("io.rocks.Closed")
  @Label("Rock Closed")
  @Description("The rock ended in order")
  static final class Closed extends RockEvent {}

  @Name("io.rocks.Failed")
  @Label("Rock Failed")
  @Description("The rock gave up")
  static final class Failed extends RockEvent {
    @Label("Cause")
    String cause;
  }
}
