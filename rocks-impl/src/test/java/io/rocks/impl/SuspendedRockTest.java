package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.io.RockThreads;
import io.rocks.testkit.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A suspended rock costs a deadline on the shared timer: no thread, no socket between attempts. */
public class SuspendedRockTest {

  @Test
  @Timeout(60)
  void aSuspendedRockHoldsNoThreadBetweenReconnectionAttempts() throws Exception {
    RockOptions options = RockOptions.builder()
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
        .backoffJitter(0)
        .reconnectTimeout(Duration.ofSeconds(40))
        .build();
    try (RockPair pair = new RockPair(options)) {
      RockFailureTest.echoOnce(pair);
      AtomicInteger attempts = new AtomicInteger();
      pair.client.rock().addListener(new RockListener() {
        @Override
        public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable cause) {
          attempts.incrementAndGet();
        }
      });
      pair.relay.close(); // both connections end and every reconnection is refused at once
      Await.until(Duration.ofSeconds(20),
          () -> "both ends suspended, the client after two failed attempts; client " + pair.client.rock().state()
              + ", server " + pair.accepted.rock().state() + ", " + attempts.get() + " failed attempts",
          () -> pair.client.rock().state() == RockState.SUSPENDED
              && pair.accepted.rock().state() == RockState.SUSPENDED
              && attempts.get() >= 2);
      // Each attempt ends within milliseconds (connection refused), then waits 1 s on the timer:
      // most of the time neither end of the rock has a thread.
      Await.until(Duration.ofSeconds(20), "no thread of the rock while it is suspended",
          () -> RockThreads.live(pair.client.rock().id()) == 0);
      assertEquals(RockState.SUSPENDED, pair.client.rock().state());
      assertEquals(RockState.SUSPENDED, pair.accepted.rock().state());
      assertTrue(attempts.get() >= 2, "attempts " + attempts.get());
    }
  }
}
