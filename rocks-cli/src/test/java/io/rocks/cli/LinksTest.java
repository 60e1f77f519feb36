package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockException;
import io.rocks.RockId;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.RockStats;
import io.rocks.testkit.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The status summary of {@link Links}. A rock's listener events are dispatched after its state has
 * changed, so the summary must not depend on having seen them.
 */
class LinksTest {
  @Test
  void aSuspensionShowsBeforeItsEventArrivesAndKeepsItsStartWhenTheEventComes() throws Exception {
    StateRock rock = new StateRock();
    Links links = new Links(new Display.Log());
    Links.Link link = links.add("control", rock, true);
    assertNull(links.summary().longestCurrentSuspension());

    rock.state = RockState.SUSPENDED; // the listener's suspended event has not run yet
    Links.Summary first = links.summary();
    assertEquals("SUSPENDED", first.state());
    assertNotNull(first.longestCurrentSuspension(), "a suspended rock with no suspension time");
    assertTrue(first.longestIsControl());

    Await.until(Duration.ofSeconds(5), "the suspension shown to last 2 ms",
        () -> links.summary().longestCurrentSuspension().toMillis() >= 2);
    Duration before = links.summary().longestCurrentSuspension();
    link.suspended(rock, new RockException("cut")); // arrives late: the start already seen stays
    Duration after = links.summary().longestCurrentSuspension();
    assertTrue(after.compareTo(before) >= 0, before + " then " + after);

    rock.state = RockState.CONNECTED;
    link.resumed(rock, Duration.ofMillis(5), 0);
    assertNull(links.summary().longestCurrentSuspension());
    assertEquals("CONNECTED", links.summary().state());
    assertEquals(List.of(link), rock.listeners);
  }

  /** A rock whose state the test sets; everything else is inert. */
  private static final class StateRock implements Rock {
    volatile RockState state = RockState.CONNECTED;
    final List<RockListener> listeners = new ArrayList<>();

    @Override public RockId id() { return new RockId(1, 2); }
    @Override public RockState state() { return state; }
    @Override public InetSocketAddress peer() { return new InetSocketAddress("127.0.0.1", 7000); }
    @Override public RockStats stats() {
      return new RockStats(0, 0, 0, 0, state == RockState.SUSPENDED ? 1 : 0, Duration.ZERO);
    }
    @Override public RockOptions options() { return RockOptions.defaults(); }
    @Override public void setOptions(RockOptions options) {}
    @Override public void suspend() {}
    @Override public void reconnectNow() {}
    @Override public List<InetSocketAddress> reconnectAddresses() { return List.of(); }
    @Override public void reconnectAddresses(List<InetSocketAddress> addresses) {}
    @Override public void addListener(RockListener listener) { listeners.add(listener); }
    @Override public void removeListener(RockListener listener) { listeners.remove(listener); }
  }
}
