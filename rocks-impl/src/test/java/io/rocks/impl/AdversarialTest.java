package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockProtocolException;
import io.rocks.RockSecret;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.crypto.KeyAgreement25519;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A peer that breaks the protocol after a valid handshake loses its own rock, with a logged reason,
 * and harms no other rock; a peer that lacks the pre-shared secret never gets a rock.
 */
public class AdversarialTest {
  private static final RockOptions SERVER = RockOptions.builder()
      .reconnectTimeout(Duration.ofSeconds(2)).handshakeTimeout(Duration.ofSeconds(2)).build();

  /** Each attack: a name and the frames sent after a valid handshake. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "ack-for-bytes-never-sent", "ack-going-backwards", "data-with-a-gap", "data-beyond-window",
      "data-after-fin", "fin-moving", "unknown-frame-type", "data-length-beyond-limit",
      "unexpected-confirm", "fin-ack-never-sent"})
  @Timeout(60)
  void closesTheOffendingRockOnlyWithALoggedReason(String attack) throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults(), SERVER)) {
      RockFailureTest.echoOnce(pair);
      try (RawRockClient raw = RawRockClient.establish(pair.server.getLocalPort(), null, true)) {
        RockSocket victim = (RockSocket) pair.server.accept();
        victim.getOutputStream().write(new byte[100]);
        raw.awaitData(100); // the bytes an honest peer could acknowledge have arrived
        FrameWriter frames = new FrameWriter();
        attackFrames(attack).accept(frames);
        try {
          raw.send(frames);
        } catch (IOException closedMidway) {
          // An attack longer than the socket buffers (data beyond the window) can be cut short:
          // the server closed the connection on the first offending frame, while the rest was
          // still being written. The checks below tell that close from any other failure.
        }
        assertTrue(raw.closedByServer(), "the server closes the offending connection");
        Await.until(Duration.ofSeconds(10), "the offending rock fails",
            () -> victim.rock().state() == RockState.FAILED);
        // Bytes delivered before the offence stay readable; writing shows the failure.
        IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
            () -> victim.getOutputStream().write(1));
        assertInstanceOf(RockProtocolException.class, error, error.toString());
        Await.until(Duration.ofSeconds(10), "no thread of the offending rock is left",
            () -> RockThreads.live(raw.id) == 0);
      }
      assertEquals(RockState.CONNECTED, pair.serverRock().state());
      assertEquals(0, pair.serverRock().stats().suspensions());
      RockFailureTest.echoOnce(pair);
      assertEquals(1, ((RealRockServerSocket) pair.server).liveRocks());
    }
  }

  private static Consumer<FrameWriter> attackFrames(String attack) {
    return switch (attack) {
      case "ack-for-bytes-never-sent" -> f -> f.ack(1_000_000, 2_000_000, false);
      case "ack-going-backwards" -> f -> {
        f.ack(100, 1 << 16, false);
        f.ack(50, 1 << 16, false);
      };
      case "data-with-a-gap" -> f -> data(f, 10, 5);
      case "data-beyond-window" -> f -> {
        for (int i = 0; i < 20; i++) {
          data(f, i * 65536L, 65536); // 1.25 MiB unread against a 1 MiB window
        }
      };
      case "data-after-fin" -> f -> {
        data(f, 0, 5);
        f.fin(5);
        data(f, 5, 5);
      };
      case "fin-moving" -> f -> {
        f.fin(0);
        f.fin(3);
      };
      case "unknown-frame-type" -> f -> f.putByte((byte) 0x6e);
      case "data-length-beyond-limit" -> f -> {
        f.putByte(Wire.DATA);
        f.putLong(0);
        f.putInt(Wire.MAX_DATA_PAYLOAD + 1);
      };
      case "unexpected-confirm" -> f -> f.confirm(new byte[ResumeKey.PROOF_BYTES]); // no secret: none due
      case "fin-ack-never-sent" -> f -> f.ack(100, 1 << 16, true);
      default -> throw new IllegalArgumentException(attack);
    };
  }

  private static void data(FrameWriter f, long offset, int length) {
    int at = f.dataFrame(offset, length, false);
    java.util.Arrays.fill(f.buffer(), at, at + length, (byte) 'x');
  }

  @Test
  @Timeout(60)
  void aClientThatDoesNotConfirmThePreSharedSecretLosesItsRock() throws Exception {
    RockSecret secret = RockSecret.of("0123456789abcdef0123456789abcdef".getBytes());
    RockOptions server = SERVER.toBuilder().preSharedSecret(secret).build();
    try (RockPair pair = new RockPair(RockOptions.builder().preSharedSecret(secret).build(), server);
        RawRockClient raw = RawRockClient.establish(pair.server.getLocalPort(), secret, false)) {
      assertEquals(2, ((RealRockServerSocket) pair.server).liveRocks(), "the unproven rock is held");
      assertTrue(raw.closedByServer(), "the server gives up on a silent, unproven client");
      Await.until(Duration.ofSeconds(10), "the unproven rock leaves the registry",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 1);
      pair.server.setSoTimeout(1_000);
      org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class, pair.server::accept,
          "the unproven rock was never handed to the application");
      RockFailureTest.echoOnce(pair);
    }
  }

  /**
   * A client whose public key is a low-order point (any shared secret with it is all zeros) is
   * refused at HELLO, before the server makes a rock for it.
   */
  @Test
  @Timeout(60)
  void aLowOrderPublicKeyIsRefusedAndTheRockNeverAccepted() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults(), SERVER);
        Socket attacker = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
      attacker.setSoTimeout(20_000);
      byte[] nonce = new byte[Wire.NONCE_BYTES];
      io.rocks.RockId id = Handshake.newRockId();
      attacker.getOutputStream().write(ByteBuffer.allocate(Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.HELLO))
          .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.HELLO).putLong(id.high()).putLong(id.low())
          .put(new byte[KeyAgreement25519.PUBLIC_KEY_BYTES]) // u = 0: a point of small order
          .put(nonce).array());
      DataInputStream in = new DataInputStream(attacker.getInputStream());
      byte[] reject = new byte[Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.REJECT)];
      in.readFully(reject);
      assertEquals(Wire.REJECT, reject[5], "message type");
      assertEquals(Wire.REJECT_BAD_KEY, reject[6], "reject reason");
      assertEquals("bad public key", new String(in.readNBytes(reject[7] & 0xff), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(-1, in.read(), "the server closes the connection after REJECT");
      pair.server.setSoTimeout(1_000);
      org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class, pair.server::accept,
          "the refused rock is not handed to the application");
      assertEquals(1, ((RealRockServerSocket) pair.server).liveRocks(), "no rock was made for it");
      RockFailureTest.echoOnce(pair);
    }
  }

  @Test
  @Timeout(60)
  void aClientWithTheWrongPreSharedSecretIsRefusedAndNeverAccepted() throws Exception {
    RockSecret secret = RockSecret.of("0123456789abcdef0123456789abcdef".getBytes());
    RockSecret wrong = RockSecret.of("fedcba9876543210fedcba9876543210".getBytes());
    RockOptions server = SERVER.toBuilder().preSharedSecret(secret).build();
    try (RockPair pair = new RockPair(RockOptions.builder().preSharedSecret(secret).build(), server)) {
      RockFailureTest.echoOnce(pair); // the right secret works, and resumes
      pair.relay.reset();
      Await.until(Duration.ofSeconds(20), "resumed",
          () -> pair.clientRock().stats().suspensions() == 1 && pair.clientRock().state() == RockState.CONNECTED);
      RockFailureTest.echoOnce(pair);

      RockSocket impostor = Rocks.connectRock(pair.relay.address(), RockOptions.builder().preSharedSecret(wrong).build());
      IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> impostor.getInputStream().read());
      assertTrue(error.getMessage().contains("could not prove it derived the rock's key"), error.getMessage());
      assertEquals(RockState.FAILED, impostor.rock().state());

      RockSocket noSecret = Rocks.connectRock(pair.relay.address(), RockOptions.defaults());
      IOException lacking =
          org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> noSecret.getInputStream().read());
      assertTrue(lacking.getMessage().contains("proves a pre-shared secret, and this rock has none"), lacking.getMessage());
      pair.server.setSoTimeout(2_000);
      org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class, pair.server::accept,
          "a rock whose client lacks the secret is never handed to the application");
      Await.until(Duration.ofSeconds(10), "unproven rocks leave the registry",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 1);
    }
  }

  @Test
  @Timeout(90)
  void attackersRacingTheRealPeerToResumeAreAllRejected() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      RockFailureTest.echoOnce(pair);
      int serverPort = pair.server.getLocalPort();
      List<Future<Byte>> attacks = new ArrayList<>();
      pair.relay.reset(); // the real peer reconnects now...
      for (int i = 0; i < 50; i++) { // ...while attackers who saw the id race it
        attacks.add(pool.submit(() -> forgedResume(serverPort, pair.client.rock().id())));
      }
      for (Future<Byte> attack : attacks) {
        byte outcome = attack.get(30, TimeUnit.SECONDS);
        assertEquals(Wire.REJECT_BAD_PROOF, outcome, "every attacker is rejected for its proof");
      }
      Await.until(Duration.ofSeconds(20), "the real peer resumed",
          () -> pair.clientRock().state() == RockState.CONNECTED && pair.clientRock().stats().suspensions() == 1);
      RockFailureTest.echoOnce(pair);
      assertEquals(1, ((RealRockServerSocket) pair.server).liveRocks());
    }
  }

  /** Sends RESUME for {@code id} with a made-up proof; returns the REJECT reason received. */
  private static byte forgedResume(int port, io.rocks.RockId id) throws IOException {
    try (Socket attacker = new Socket(InetAddress.getLoopbackAddress(), port)) {
      attacker.setSoTimeout(20_000);
      byte[] nonce = new byte[16];
      new SplittableRandom().nextBytes(nonce);
      attacker.getOutputStream().write(ByteBuffer.allocate(38).putInt(Wire.MAGIC).put(Wire.VERSION)
          .put(Wire.RESUME).putLong(id.high()).putLong(id.low()).put(nonce).array());
      DataInputStream in = new DataInputStream(attacker.getInputStream());
      byte[] challenge = new byte[63];
      in.readFully(challenge);
      byte[] proof = new byte[32];
      new SplittableRandom().nextBytes(proof);
      attacker.getOutputStream().write(ByteBuffer.allocate(47).putInt(Wire.MAGIC).put(Wire.VERSION)
          .put(Wire.PROOF).putLong(challenge.length).put((byte) 0).put(proof).array());
      byte[] reject = new byte[8];
      in.readFully(reject);
      assertEquals(Wire.REJECT, reject[5]);
      return reject[6];
    }
  }

  @Test
  @Timeout(120)
  void holdsAtMostTheConfiguredNumberOfSuspendedRocks() throws Exception {
    RockOptions server = SERVER.toBuilder().maxSuspendedRocks(2).reconnectTimeout(Duration.ofMinutes(5)).build();
    RockOptions client = RockOptions.builder().reconnectTimeout(Duration.ofMinutes(5)).build();
    try (RockPair pair = new RockPair(client, server);
        io.rocks.testkit.FaultRelay link = new io.rocks.testkit.FaultRelay(loopback(pair.server.getLocalPort()))) {
      List<RockSocket> clients = new ArrayList<>();
      List<RockSocket> accepted = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        clients.add(Rocks.connectRock(link.address(), client));
        accepted.add((RockSocket) pair.server.accept());
      }
      // A rock whose handshake a cut interrupts fails instead of suspending: let all three finish.
      Await.until(Duration.ofSeconds(20), "all three clients established",
          () -> clients.stream().allMatch(c -> c.rock().state() == RockState.CONNECTED));
      // Until its client shows it read WELCOME, a server's rock waits for a resume only the
      // handshake timeout (PROTOCOL.md §7.5); these must wait out the cut.
      Await.until(Duration.ofSeconds(20), "the server saw all three welcomed",
          () -> accepted.stream().allMatch(r -> ((RealRock) r.rock()).keys.peerWelcomed()));
      RockFailureTest.echoOnce(pair);
      // Three rocks suspend and cannot come back yet; the pair's rock stays connected on its link.
      link.cutSilently();
      for (RockSocket rock : accepted) {
        rock.rock().suspend();
      }
      Await.until(Duration.ofSeconds(20), "third suspended rock dropped",
          () -> accepted.stream().filter(r -> r.rock().state() == RockState.FAILED).count() == 1);
      RockSocket dropped = accepted.stream().filter(r -> r.rock().state() == RockState.FAILED).findFirst().orElseThrow();
      IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> dropped.getInputStream().read());
      assertTrue(error.getMessage().contains("already holds its limit of 2 suspended rocks"), error.getMessage());
      assertEquals(2, ((RealRockServerSocket) pair.server).suspendedRocks());
      link.restore();
      RockSocket droppedClient = clients.stream().filter(c -> c.rock().id().equals(dropped.rock().id())).findFirst().orElseThrow();
      Await.until(Duration.ofSeconds(20), "its client is refused with the reason",
          () -> droppedClient.rock().state() == RockState.FAILED);
      IOException clientError = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> droppedClient.getInputStream().read());
      assertTrue(clientError.getMessage().contains("limit of suspended rocks"), clientError.getMessage());
      // The other two resume; the connected rock never noticed.
      Await.until(Duration.ofSeconds(20), "the others resume",
          () -> accepted.stream().filter(r -> r.rock().state() == RockState.CONNECTED).count() == 2);
      assertEquals(0, pair.serverRock().stats().suspensions());
      RockFailureTest.echoOnce(pair);
      for (RockSocket c : clients) {
        c.setSoLinger(true, 0);
        c.close();
      }
    }
  }

  @Test
  @Timeout(120)
  void seededMutationsOfRealSessionsNeverBreakTheServer() throws Exception {
    long seed = Long.getLong("rocks.fuzz.seed", 20261127L);
    System.out.println("socket fuzz seed " + seed + " (rerun with -Drocks.fuzz.seed=" + seed + ")");
    SplittableRandom random = new SplittableRandom(seed);
    List<Throwable> internalErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (RockPair pair = new RockPair(RockOptions.defaults(), SERVER)) {
      int sessions = 300;
      for (int i = 0; i < sessions; i++) {
        byte[] valid = validFrames(random);
        byte[] mutated = FuzzTest.mutate(valid, random);
        try (RawRockClient raw = RawRockClient.establish(pair.server.getLocalPort(), null, true)) {
          RockSocket victim = (RockSocket) pair.server.accept();
          victim.rock().addListener(new io.rocks.RockListener() {
            @Override public void failed(io.rocks.Rock rock, Throwable cause) {
              if (!(cause instanceof RockProtocolException) && !(cause instanceof io.rocks.RockTimeoutException)) {
                internalErrors.add(cause);
              }
            }
          });
          raw.send(mutated);
        }
      }
      Await.until(Duration.ofSeconds(60), "every fuzzed rock is gone",
          () -> ((RealRockServerSocket) pair.server).liveRocks() == 1);
      assertEquals(List.of(), internalErrors);
      RockFailureTest.echoOnce(pair);
    }
  }

  /** A plausible stream of frames from a client: data, acks, a FIN. */
  static byte[] validFrames(SplittableRandom random) throws IOException {
    FrameWriter f = new FrameWriter();
    long offset = 0;
    int frames = random.nextInt(1, 6);
    for (int i = 0; i < frames; i++) {
      int length = random.nextInt(1, 2000);
      data(f, offset, length);
      offset += length;
      f.ack(0, 1 << 16, false);
    }
    if (random.nextBoolean()) {
      f.fin(offset);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    f.flushTo(out);
    return out.toByteArray();
  }

  static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }
}
