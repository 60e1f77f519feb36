package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.testkit.Await;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Garbage on one connection closes that connection only; other rocks carry on. */
public class ProtocolGarbageTest {

  @Test
  @Timeout(60)
  void closesConnectionsThatSendGarbageAndHarmsNoOtherRock() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      SplittableRandom random = new SplittableRandom(99);
      for (int i = 0; i < 20; i++) {
        try (Socket attacker = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
          attacker.setSoTimeout(10_000);
          byte[] garbage = new byte[random.nextInt(1, 512)];
          random.nextBytes(garbage);
          attacker.getOutputStream().write(garbage);
          InputStream in = attacker.getInputStream();
          // The server answers garbage by closing (maybe after a REJECT); it never hangs.
          while (in.read() >= 0) {
            // drain a REJECT, if any
          }
        } catch (java.net.SocketException reset) {
          // A reset is also a close.
        }
      }
      assertEquals(RockState.CONNECTED, pair.serverRock().state());
      assertEquals(0, pair.serverRock().stats().suspensions());
      RockFailureTest.echoOnce(pair);
      Await.until(Duration.ofSeconds(10), "only the real rock is live",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 1);
    }
  }
}
