package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Resumption is authenticated: an id alone, a wrong key, or a recorded exchange gets nowhere, and
 * the real rock is not disturbed.
 */
public class RockResumeSecurityTest {
  private static final int RESUME_BYTES = Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.RESUME);
  private static final int CHALLENGE_BYTES = Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.CHALLENGE);
  private static final int PROOF_BYTES = Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.PROOF);
  private static final int GONE_BYTES = Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.GONE);

  /**
   * Without a pre-shared secret neither side computes the X25519 shared secret while the rock
   * connects and carries data; the first resume computes it on both sides, and proves it.
   */
  @Test
  @Timeout(60)
  void withoutASecretTheKeyIsComputedWhenTheRockFirstResumes() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      assertEquals(false, pair.clientRock().keys.keyComputed(), "client key computed before a resume");
      assertEquals(false, pair.serverRock().keys.keyComputed(), "server key computed before a resume");
      pair.relay.reset();
      Await.until(Duration.ofSeconds(30), "resumed",
          () -> pair.clientRock().stats().suspensions() == 1
              && pair.clientRock().state() == RockState.CONNECTED
              && pair.serverRock().state() == RockState.CONNECTED);
      assertTrue(pair.clientRock().keys.keyComputed(), "client key computed by the resume");
      assertTrue(pair.serverRock().keys.keyComputed(), "server key computed by the resume");
      RockFailureTest.echoOnce(pair);
    }
  }

  @Test
  @Timeout(60)
  void rejectsForgedResumeWithObservedIdAndRealRockCarriesOn() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      try (Socket attacker = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
        attacker.setSoTimeout(10_000);
        challenge(attacker, pair.client.rock().id(), randomBytes(16));
        DataInputStream in = new DataInputStream(attacker.getInputStream());
        // A proof made without the key: any 32 bytes.
        attacker.getOutputStream().write(proof(0, randomBytes(32)));
        assertRejected(in, Wire.REJECT_BAD_PROOF);
      }
      assertEquals(RockState.CONNECTED, pair.serverRock().state());
      assertEquals(0, pair.serverRock().stats().suspensions());
      RockFailureTest.echoOnce(pair);
      // The real peer still resumes after a real failure.
      pair.relay.reset();
      Await.until(Duration.ofSeconds(30), "real rock resumes",
          () -> pair.clientRock().stats().suspensions() == 1
              && pair.clientRock().state() == RockState.CONNECTED);
      RockFailureTest.echoOnce(pair);
    }
  }

  /**
   * A resume whose PROOF is processed after a newer resume of the same rock (the server's thread
   * for it was starved, say) is refused and its connection closed; the rock, which has moved on,
   * carries on. Its counts are stale: the newer connection acknowledged more since.
   */
  @Test
  @Timeout(60)
  void refusesAStaleAuthenticatedResumeAndTheRockCarriesOn() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      RealRock client = pair.clientRock();
      ResumeKey key = client.keys.key();
      try (Socket late = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
        late.setSoTimeout(10_000);
        byte[] clientNonce = randomBytes(16);
        byte[] challenge = challenge(late, client.id(), clientNonce);
        DataInputStream in = new DataInputStream(late.getInputStream());
        byte[] serverNonce = Arrays.copyOfRange(challenge, 6, 6 + Wire.NONCE_BYTES);
        long received = client.receivedCount();
        byte[] proof = key.clientProof(client.id(), clientNonce, serverNonce, received, false);

        // A newer resume, then data the client acknowledges on it: the server's sent bytes
        // acknowledged now exceed what the late PROOF says the client received.
        pair.relay.reset();
        Await.until(Duration.ofSeconds(30), "the newer resume",
            () -> client.stats().suspensions() == 1 && client.state() == RockState.CONNECTED
                && pair.serverRock().state() == RockState.CONNECTED);
        pair.accepted.getOutputStream().write(new byte[1000]);
        pair.client.getInputStream().readNBytes(1000);
        Await.until(Duration.ofSeconds(10), "the server's bytes acknowledged",
            () -> pair.serverRock().stats().bytesAcknowledged() > received);
        int serverSuspensions = pair.serverRock().stats().suspensions();

        late.getOutputStream().write(proof(received, proof)); // valid, and stale
        assertEquals(-1, in.read(), "the server closes the stale resume's connection");
        assertEquals(RockState.CONNECTED, pair.serverRock().state());
        assertEquals(serverSuspensions, pair.serverRock().stats().suspensions());
      }
      RockFailureTest.echoOnce(pair);
      assertEquals(RockState.CONNECTED, client.state());
      assertEquals(1, client.stats().suspensions());
    }
  }

  /** A GONE notice without the rock's key ends nothing: REJECT(BAD_PROOF), and the rock carries on. */
  @Test
  @Timeout(60)
  void rejectsAGoneNoticeWithoutTheKeyAndTheRockCarriesOn() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      try (Socket attacker = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
        attacker.setSoTimeout(10_000);
        challenge(attacker, pair.client.rock().id(), randomBytes(16));
        DataInputStream in = new DataInputStream(attacker.getInputStream());
        attacker.getOutputStream().write(ByteBuffer.allocate(GONE_BYTES)
            .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.GONE).put(Wire.GONE_ABORTED).put(randomBytes(32))
            .array());
        assertRejected(in, Wire.REJECT_BAD_PROOF);
      }
      assertEquals(RockState.CONNECTED, pair.serverRock().state());
      assertEquals(0, pair.serverRock().stats().suspensions());
      RockFailureTest.echoOnce(pair);
    }
  }

  @Test
  @Timeout(60)
  void rejectsResumeOfGuessedId() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      try (Socket attacker = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
        attacker.setSoTimeout(10_000);
        RockId guess = new RockId(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong());
        attacker.getOutputStream().write(resume(guess, randomBytes(16)));
        assertRejected(new DataInputStream(attacker.getInputStream()), Wire.REJECT_UNKNOWN_ROCK);
      }
      RockFailureTest.echoOnce(pair);
    }
  }

  @Test
  @Timeout(60)
  void rejectsReplayOfRecordedResumeExchange() throws Exception {
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      RockFailureTest.echoOnce(pair);
      pair.relay.recordUpstream(RESUME_BYTES + PROOF_BYTES);
      pair.relay.reset(); // the client resumes over a link an observer records
      Await.until(Duration.ofSeconds(30), "first resume",
          () -> pair.clientRock().stats().suspensions() == 1
              && pair.clientRock().state() == RockState.CONNECTED);
      RockFailureTest.echoOnce(pair);
      pair.relay.reset(); // ends the recorded link
      Await.until(Duration.ofSeconds(30), "second resume and recording",
          () -> pair.clientRock().stats().suspensions() == 2
              && pair.clientRock().state() == RockState.CONNECTED
              && !pair.relay.upstreamRecordings().isEmpty());
      List<byte[]> recordings = pair.relay.upstreamRecordings();
      byte[] recorded = recordings.get(0);
      assertEquals(RESUME_BYTES + PROOF_BYTES, recorded.length);
      assertEquals(Wire.RESUME, recorded[5]);
      assertEquals(Wire.PROOF, recorded[RESUME_BYTES + 5]);
      int serverSuspensions = pair.serverRock().stats().suspensions();

      try (Socket replayer = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
        replayer.setSoTimeout(10_000);
        replayer.getOutputStream().write(recorded);
        DataInputStream in = new DataInputStream(replayer.getInputStream());
        byte[] challenge = new byte[CHALLENGE_BYTES];
        in.readFully(challenge);
        assertEquals(Wire.CHALLENGE, challenge[5]);
        assertRejected(in, Wire.REJECT_BAD_PROOF);
      }
      assertEquals(RockState.CONNECTED, pair.serverRock().state());
      assertEquals(serverSuspensions, pair.serverRock().stats().suspensions());
      RockFailureTest.echoOnce(pair);
    }
  }

  @Test
  @Timeout(60)
  void aResumeConfirmsARockWhoseConfirmWasLostAndTheLateConfirmIsAccepted() throws Exception {
    io.rocks.RockSecret secret = io.rocks.RockSecret.of("0123456789abcdef0123456789abcdef".getBytes());
    RockOptions server =
        RockOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).preSharedSecret(secret).build();
    try (RockPair pair = new RockPair(RockOptions.builder().preSharedSecret(secret).build(), server)) {
      // A client establishes but its first connection dies before CONFIRM goes out: its rock is
      // not accepted yet, since only CONFIRM proves the secret.
      RawRockClient first = RawRockClient.establish(pair.server.getLocalPort(), secret, false);
      first.close();
      // It resumes with its key on a new connection, then sends the CONFIRM it had queued.
      ResumeKey key = first.established.key();
      try (Socket again = new Socket(InetAddress.getLoopbackAddress(), pair.server.getLocalPort())) {
        again.setSoTimeout(10_000);
        byte[] clientNonce = randomBytes(16);
        again.getOutputStream().write(resume(first.id, clientNonce));
        DataInputStream in = new DataInputStream(again.getInputStream());
        byte[] challenge = new byte[CHALLENGE_BYTES];
        in.readFully(challenge);
        assertEquals(Wire.CHALLENGE, challenge[5]);
        byte[] serverNonce = Arrays.copyOfRange(challenge, 6, 22);
        byte[] proof = key.clientProof(first.id, clientNonce, serverNonce, 0, false);
        FrameWriter frames = new FrameWriter();
        frames.putBytes(proof(0, proof), 0, PROOF_BYTES);
        frames.confirm(first.established.clientConfirm());
        data(frames, 7);
        frames.flushTo(again.getOutputStream());
        pair.server.setSoTimeout(10_000);
        io.rocks.RockSocket accepted = (io.rocks.RockSocket) pair.server.accept(); // the proof confirmed it
        // Frames are applied in order: the byte behind the late CONFIRM arrives only if the CONFIRM
        // was accepted (a refused one fails the rock and closes the connection).
        assertEquals(7, accepted.getInputStream().read(), "the byte after the late CONFIRM");
        accepted.getOutputStream().write(5);
        // The data frame comes after the server's ACK; read frames until DATA.
        FrameReader reader = new FrameReader(in);
        while (reader.nextFrame() != Wire.DATA) {
          // ACKs and heartbeats
        }
        assertEquals(5, reader.buffer()[reader.bodyStart]);
        assertEquals(RockState.CONNECTED, accepted.rock().state(), "no failure from the late CONFIRM");
      }
    }
  }

  static void assertRejected(DataInputStream in, byte reason) throws IOException {
    byte[] header = new byte[Wire.HANDSHAKE_HEADER_BYTES + 2];
    in.readFully(header);
    assertEquals(Wire.REJECT, header[5], "message type");
    assertEquals(reason, header[6], "reject reason");
    in.skipNBytes(header[7] & 0xff);
    assertEquals(-1, in.read(), "the server closes the connection after REJECT");
  }

  /** Sends RESUME for {@code id} on {@code socket} and returns the CHALLENGE that answers it. */
  static byte[] challenge(Socket socket, RockId id, byte[] clientNonce) throws IOException {
    socket.getOutputStream().write(resume(id, clientNonce));
    byte[] challenge = new byte[CHALLENGE_BYTES];
    new DataInputStream(socket.getInputStream()).readFully(challenge);
    assertEquals(Wire.CHALLENGE, challenge[5]);
    return challenge;
  }

  static byte[] resume(RockId id, byte[] nonce) {
    return ByteBuffer.allocate(RESUME_BYTES)
        .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.RESUME)
        .putLong(id.high()).putLong(id.low()).put(nonce)
        .array();
  }

  static byte[] proof(long received, byte[] proof) {
    return ByteBuffer.allocate(PROOF_BYTES)
        .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.PROOF)
        .putLong(received).put((byte) 0).put(proof)
        .array();
  }

  /** Appends a DATA frame of one byte, {@code value}, at offset 0. */
  private static void data(FrameWriter frames, int value) {
    int at = frames.dataFrame(0, 1, false);
    frames.buffer()[at] = (byte) value;
  }

  static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  @Test
  void resumeProofsDependOnEveryInput() {
    RockId id = new RockId(1, 2);
    byte[] secretA = new byte[32];
    Arrays.fill(secretA, (byte) 5);
    byte[] secretB = secretA.clone();
    ResumeKey key = ResumeKey.derive(secretA, null, id, new byte[32], new byte[32], new byte[16], new byte[16]);
    ResumeKey same = ResumeKey.derive(secretB, null, id, new byte[32], new byte[32], new byte[16], new byte[16]);
    byte[] cn = new byte[16];
    byte[] sn = new byte[16];
    byte[] base = key.clientProof(id, cn, sn, 10, false);
    assertArrayEquals(base, same.clientProof(id, cn, sn, 10, false));
    assertTrue(Arrays.stream(new byte[][] {
        key.serverProof(id, cn, sn, 10, false),
        key.clientProof(new RockId(1, 3), cn, sn, 10, false),
        key.clientProof(id, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, sn, 10, false),
        key.clientProof(id, cn, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 10, false),
        key.clientProof(id, cn, sn, 11, false),
        key.clientProof(id, cn, sn, 10, true)})
        .noneMatch(other -> Arrays.equals(other, base)));
    assertEquals("ResumeKey[redacted]", key.toString());
    assertArrayEquals(new byte[32], secretA, "the shared secret is zeroed after use");
  }
}
