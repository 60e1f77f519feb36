package io.rocks.chaos;

import static io.rocks.chaos.ProxiedRocks.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.model.Toxic;
import io.rocks.RockOptions;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The core rock against faults injected by a real Toxiproxy server between client and server. Each
 * scenario moves at least 16 MiB both ways at once, checks SHA-256 both ways (no byte lost or
 * duplicated), and checks detection and resume times against the policy's bounds.
 */
@ExtendWith({ToxiproxyExtension.class, ChaosReport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ToxiproxyChaosTest {
  static final long BYTES = 16 * MIB;
  static final RockOptions OPTIONS = RockOptions.defaults();
  static final Duration TRANSFER_LIMIT = Duration.ofMinutes(2);

  @Test
  @Order(1)
  @DisplayName("silent cut: timeout 0 both ways, x3")
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void silentCut(Toxi toxi, Scenario scenario) throws Exception {
    int cuts = 3;
    try (ProxiedRocks rig = ProxiedRocks.open(toxi, scenario, OPTIONS, "silent-cut")) {
      rig.startTransfer(BYTES, 0);
      for (int cut = 1; cut <= cuts; cut++) {
        long checkpoint = cut * 4 * MIB;
        rig.allow(checkpoint);
        rig.awaitDelivered(checkpoint, TRANSFER_LIMIT);
        // The senders wait at the checkpoint: cut the link, then let them write into the dead path.
        List<Toxic> toxics = new ArrayList<>();
        String name = "silent-" + cut;
        ProxiedRocks.Fault fault = rig.inject("silent cut", () -> toxics.addAll(toxi.silentCut(rig.proxy, name)));
        rig.allow(checkpoint + 2 * MIB);
        Duration detection = rig.awaitClientSuspended(fault, rig.detectionBound());
        assertTrue(
            detection.compareTo(OPTIONS.heartbeatInterval()) >= 0,
            "a silent cut can only be noticed by missing heartbeats, yet it was noticed after "
                + detection.toMillis() + " ms");
        assertInstanceOf(
            SocketTimeoutException.class,
            rig.clientEvents.suspendCause(fault.clientSuspensionsBefore),
            "the client noticed the silent cut by heartbeat silence");
        // Heal only once both sides gave the dead connection up, as a real silent cut heals: Toxiproxy
        // dropped bytes in the middle of it, which no real TCP connection does.
        rig.awaitServerSuspended(fault, rig.detectionBound().plusSeconds(10));
        rig.heal(fault, () -> toxi.remove(toxics));
        rig.awaitResumed(fault, rig.resumeBound());
      }
      rig.finishAndVerify(TRANSFER_LIMIT);
      assertEquals(cuts, rig.client.rock().stats().suspensions(), "client suspensions\n" + rig.describe());
      assertEquals(cuts, rig.accepted.rock().stats().suspensions(), "server suspensions\n" + rig.describe());
      assertEquals(cuts, rig.clientEvents.resumes(), "client resumes");
      assertTrue(rig.clientEvents.totalRetransmitted() > 0, "the client retransmitted what the cut dropped");
      assertTrue(rig.serverEvents.totalRetransmitted() > 0, "the server retransmitted what the cut dropped");
    }
  }
}
