package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The frames a short-lived rock puts on the wire, both ways, as an on-path observer records them:
 * a connect, one byte echoed, an orderly close. What a new rock asks of its peer costs every
 * connect on both sides, so it is checked frame by frame.
 */
public class ConnectFramesTest {
  /** A frame as recorded: its type, and an ACK's flags. */
  record Frame(byte type, int flags) {
    @Override
    public String toString() {
      return Wire.typeName(type) + (type == Wire.ACK ? "(flags " + flags + ")" : "");
    }
  }

  @Test
  @Timeout(60)
  void aConnectEchoAndCloseAskNoEchoBeforeTheHandshakeSampleAndSendOneCloseBesideTheLastAck() throws Exception {
    // A round trip of 200 ms through the relay: the client writes its byte long before WELCOME
    // can arrive, and the server answers it long before the client's ACK saying it read WELCOME.
    RockOptions options = RockOptions.builder().heartbeatInterval(Duration.ofSeconds(5)).build();
    try (RockServerSocket server = Rocks.rockServerSocket(0, InetAddress.getLoopbackAddress(), options);
        FaultRelay relay = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()))) {
      relay.delay(Duration.ofMillis(100));
      relay.recordUpstream(4096);
      relay.recordDownstream(4096);
      server.setSoTimeout(10_000);
      RockSocket client = Rocks.connectRock(relay.address(), options);
      client.getOutputStream().write(42);
      RockSocket accepted = server.accept();
      accepted.setSoTimeout(10_000);
      assertEquals(42, accepted.getInputStream().read());
      accepted.getOutputStream().write(43);
      client.setSoTimeout(10_000);
      assertEquals(43, client.getInputStream().read());
      // Half close first: a client that closed outright would end on its FIN's ACK alone, with a
      // CLOSE of its own, if that ACK came before the server's FIN (§8, "A closes early").
      client.shutdownOutput();
      assertEquals(-1, accepted.getInputStream().read());
      accepted.close();
      assertEquals(-1, client.getInputStream().read());
      client.close();
      Await.until(Duration.ofSeconds(20), "both rocks end CLOSED",
          () -> client.rock().state() == RockState.CLOSED && accepted.rock().state() == RockState.CLOSED);
      Await.until(Duration.ofSeconds(20), "the recorded link ends",
          () -> !relay.upstreamRecordings().isEmpty() && !relay.downstreamRecordings().isEmpty());

      List<Frame> up = frames(relay.upstreamRecordings().getFirst(), Wire.HELLO);
      List<Frame> down = frames(relay.downstreamRecordings().getFirst(), Wire.WELCOME);
      // The client: its first ACK rides with its byte, before WELCOME came; FIN on shutdownOutput;
      // then the ACK of the server's FIN, which ends the rock in order, with CLOSE in the same batch.
      assertEquals(Wire.ACK, up.getFirst().type(), "client frames " + up);
      assertEquals(0, up.getFirst().flags() & Wire.ACK_FLAG_ECHO_REQUEST, "no echo before WELCOME: " + up);
      assertEquals(Wire.DATA, up.get(1).type(), "client frames " + up);
      Frame lastAck = up.get(up.size() - 2);
      assertEquals(List.of(Wire.ACK, Wire.CLOSE), List.of(lastAck.type(), up.getLast().type()), "client frames " + up);
      assertTrue((lastAck.flags() & Wire.ACK_FLAG_FIN_RECEIVED) != 0, "client frames " + up);
      // The server: WELCOME carried its first ACK; its next ACK rides with its byte and asks for no
      // echo while the client's ACK after WELCOME (the handshake's sample) is still on its way.
      // It ends on the client's last ACK and CLOSE and sends no CLOSE of its own.
      assertEquals(Wire.ACK, down.getFirst().type(), "server frames " + down);
      assertEquals(Wire.ACK, down.get(1).type(), "server frames " + down);
      assertEquals(0, down.get(1).flags() & Wire.ACK_FLAG_ECHO_REQUEST, "no echo before the handshake's sample: " + down);
      assertEquals(Wire.DATA, down.get(2).type(), "server frames " + down);
      assertEquals(List.of(), down.stream().filter(f -> f.type() == Wire.CLOSE).toList(), "server frames " + down);
      assertEquals(1, up.stream().filter(f -> f.type() == Wire.CLOSE).count(), "client frames " + up);
    }
  }

  /** Decodes a recorded direction of a link: the handshake message {@code opening}, then frames. */
  private static List<Frame> frames(byte[] recorded, byte opening) throws IOException {
    FrameReader reader = new FrameReader(new ByteArrayInputStream(recorded));
    assertEquals(opening, reader.nextHandshake());
    List<Frame> frames = new ArrayList<>();
    while (true) {
      try {
        byte type = reader.nextFrame();
        frames.add(new Frame(type, type == Wire.ACK ? reader.flags : 0));
      } catch (EOFException end) {
        return frames;
      }
    }
  }
}
