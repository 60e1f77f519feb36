package io.rocks.impl.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rocks.RockId;
import io.rocks.RockProtocolException;
import io.rocks.RockState;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.wire.Wire;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The resume handshake's bodies and the acceptor's decision, without a socket. */
public class ResumptionTest {
  private static final RockId ID = new RockId(0x1234L, 0x5679L);

  static ResumeKey key(int fill) {
    byte[] shared = new byte[32];
    Arrays.fill(shared, (byte) fill);
    return ResumeKey.derive(shared, null, ID, new byte[32], new byte[32], nonce(1), nonce(2));
  }

  static byte[] nonce(int fill) {
    byte[] nonce = new byte[Wire.NONCE_BYTES];
    Arrays.fill(nonce, (byte) fill);
    return nonce;
  }

  @Test
  void bothSidesAgreeOnTheCountsAndTheProofs() throws Exception {
    Resumption.Attempt attempt = new Resumption.Attempt(ID, key(7), nonce(3));
    byte[] resume = attempt.resumeBody();
    assertEquals(Wire.handshakeBodyBytes(Wire.RESUME), resume.length);
    assertArrayEquals(nonce(3), Arrays.copyOfRange(resume, Wire.ID_BYTES, resume.length));

    Resumption.Answer answer = new Resumption.Answer(ID, key(7), nonce(3), nonce(4), 0);
    byte[] challenge = answer.challengeBody(new Resumption.Counts(1_000_000_007L, true));
    assertEquals(new Resumption.Counts(1_000_000_007L, true), attempt.challenged(challenge, "server"));

    byte[] proof = attempt.proofBody(new Resumption.Counts(42, false));
    assertEquals(Wire.handshakeBodyBytes(Wire.PROOF), proof.length);
    assertEquals(new Resumption.Counts(42, false), answer.proved(proof, "client"));

    byte[] gone = attempt.goneBody(Wire.GONE_ABORTED);
    assertEquals(Wire.GONE_ABORTED, answer.gone(gone, "client"));
  }

  @Test
  void aChallengeFromAnotherKeyOrForAnotherNonceIsRefused() {
    Resumption.Attempt attempt = new Resumption.Attempt(ID, key(7), nonce(3));
    byte[] impostor =
        new Resumption.Answer(ID, key(8), nonce(3), nonce(4), 0).challengeBody(new Resumption.Counts(5, false));
    RockProtocolException e =
        assertThrows(RockProtocolException.class, () -> attempt.challenged(impostor, "10.0.0.1:7"));
    assertEquals(
        "rock " + ID + ": the server at 10.0.0.1:7 could not prove it holds the rock's key", e.getMessage());
    byte[] replayed =
        new Resumption.Answer(ID, key(7), nonce(9), nonce(4), 0).challengeBody(new Resumption.Counts(5, false));
    assertThrows(RockProtocolException.class, () -> attempt.challenged(replayed, "x"));
    assertThrows(IllegalStateException.class, () -> attempt.proofBody(new Resumption.Counts(0, false)),
        "no PROOF before a CHALLENGE checked out");
  }

  @Test
  void aProofReplayedFromAnEarlierResumeIsRefused() throws Exception {
    // An earlier resume, recorded by someone on the path.
    Resumption.Attempt earlier = new Resumption.Attempt(ID, key(7), nonce(3));
    Resumption.Answer first = new Resumption.Answer(ID, key(7), nonce(3), nonce(4), 0);
    earlier.challenged(first.challengeBody(new Resumption.Counts(0, false)), "server");
    byte[] recorded = earlier.proofBody(new Resumption.Counts(10, false));
    first.proved(recorded, "client");

    // The replay: the same RESUME again gets a fresh server nonce, which the old PROOF cannot answer.
    Resumption.Answer replay = new Resumption.Answer(ID, key(7), nonce(3), nonce(5), 1);
    replay.challengeBody(new Resumption.Counts(10, false));
    Resumption.BadProofException e =
        assertThrows(Resumption.BadProofException.class, () -> replay.proved(recorded, "10.0.0.9:1"));
    assertEquals("rejected resume of rock " + ID + " from 10.0.0.9:1: bad proof", e.getMessage());
    byte[] altered = recorded.clone();
    altered[7] ^= 1; // a count changed on the way
    assertThrows(Resumption.BadProofException.class, () -> first.proved(altered, "x"));
    assertThrows(Resumption.BadProofException.class, () -> first.gone(new byte[1 + ResumeKey.PROOF_BYTES], "x"));
    RockProtocolException shortBody =
        assertThrows(RockProtocolException.class, () -> first.proved(new byte[3], "x"));
    assertEquals("PROOF body of 3 bytes, expected " + Wire.handshakeBodyBytes(Wire.PROOF), shortBody.getMessage());
  }

  @Test
  void aResumeOlderThanTheAttachedOneIsStaleAndImpossibleCountsFailTheRock() {
    RockLifecycle life = new RockLifecycle(RockState.CONNECTED);
    RockSession session = new RockSession(Role.ACCEPTOR, 65_536, 65_536, new Liveness(500_000_000L, 3, 0, 0, 0));
    long older = life.nextChallenge();
    long newer = life.nextChallenge();
    Resumption.Counts none = new Resumption.Counts(0, false);
    assertEquals(Resumption.Admission.ATTACH, Resumption.admit(life, session, newer, none).admission());
    life.attached(0, true, newer);
    Resumption.Decision stale = Resumption.admit(life, session, older, none);
    assertEquals(Resumption.Admission.STALE, stale.admission());
    assertEquals("it answered challenge 0, and the resume of challenge 1 attached before it", stale.reason());
    Resumption.Decision impossible = Resumption.admit(life, session, newer, new Resumption.Counts(5, false));
    assertEquals(Resumption.Admission.IMPOSSIBLE, impossible.admission());
    assertEquals(session.checkPeerCounts(5, false), impossible.reason());
  }
}
