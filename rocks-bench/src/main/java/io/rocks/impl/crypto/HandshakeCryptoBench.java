package io.rocks.impl.crypto;

import io.rocks.RockId;
import io.rocks.impl.rock.Handshake;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cryptography of the rock handshakes, step by step, and all of it for one new rock (both
 * sides' key pairs, both shared secrets, both key derivations and both confirmation tags).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeCryptoBench {
  private KeyAgreement25519 client;
  private byte[] clientPublic;
  private byte[] serverPublic;
  private byte[] shared;
  private byte[] clientNonce;
  private byte[] serverNonce;
  private RockId id;
  private ResumeKey key;
  private java.security.KeyPairGenerator jdkGenerator;
  private java.security.KeyPair jdkClient;
  private java.security.PublicKey jdkServerPublic;

  @Setup
  public void setUp() throws GeneralSecurityException {
    client = new KeyAgreement25519();
    KeyAgreement25519 server = new KeyAgreement25519();
    clientPublic = client.publicKey();
    serverPublic = server.publicKey();
    shared = client.sharedSecret(serverPublic);
    clientNonce = Handshake.nonce();
    serverNonce = Handshake.nonce();
    id = Handshake.newRockId();
    key = ResumeKey.derive(shared.clone(), null, id, clientPublic, serverPublic, clientNonce, serverNonce);
    jdkGenerator = java.security.KeyPairGenerator.getInstance("X25519");
    jdkClient = jdkGenerator.generateKeyPair();
    jdkServerPublic = jdkGenerator.generateKeyPair().getPublic();
  }

  /**
   * The JDK's own X25519 ({@code XDH}), key pair: what the library would use without Bouncy Castle,
   * measured beside {@link #x25519KeyPair} to show why it carries that dependency.
   */
  @Benchmark
  public Object jdkXdhKeyPair() {
    return jdkGenerator.generateKeyPair().getPublic();
  }

  /** The JDK's X25519 shared secret, beside {@link #x25519SharedSecret}. */
  @Benchmark
  public byte[] jdkXdhSharedSecret() throws GeneralSecurityException {
    javax.crypto.KeyAgreement agreement = javax.crypto.KeyAgreement.getInstance("XDH");
    agreement.init(jdkClient.getPrivate());
    agreement.doPhase(jdkServerPublic, true);
    return agreement.generateSecret();
  }

  /**
   * Making an ephemeral X25519 key pair and encoding its public key (each side uses one per rock;
   * {@link KeyPairPool} makes them ahead of time, off the handshake's path).
   */
  @Benchmark
  public byte[] x25519KeyPair() {
    return new KeyAgreement25519(KeyPairPool.generate()).publicKey();
  }

  /** The X25519 shared secret with the peer's public key (each side computes one per rock). */
  @Benchmark
  public byte[] x25519SharedSecret() throws GeneralSecurityException {
    return client.sharedSecret(serverPublic);
  }

  /** HKDF-SHA256 of the shared secret into the rock's key. */
  @Benchmark
  public Object hkdfDerive() {
    return ResumeKey.derive(shared.clone(), null, id, clientPublic, serverPublic, clientNonce, serverNonce);
  }

  /** One resume proof (HMAC-SHA256); a resume computes four, two per side. */
  @Benchmark
  public byte[] resumeProof() {
    return key.clientProof(id, clientNonce, serverNonce, 123_456_789L, false);
  }

  /** A rock id and a nonce from the handshake's SecureRandom. */
  @Benchmark
  public byte[] idAndNonce() {
    return ResumeKey.concat(ResumeKey.idBytes(Handshake.newRockId()), Handshake.nonce());
  }

  /** Everything both sides compute to establish one rock, key pairs included. */
  @Benchmark
  public byte[] establishBothSides() throws GeneralSecurityException {
    RockId rockId = Handshake.newRockId();
    KeyAgreement25519 c = new KeyAgreement25519(KeyPairPool.generate());
    byte[] cPub = c.publicKey();
    byte[] cNonce = Handshake.nonce();
    KeyAgreement25519 s = new KeyAgreement25519(KeyPairPool.generate());
    byte[] sPub = s.publicKey();
    byte[] sNonce = Handshake.nonce();
    ResumeKey serverKey = ResumeKey.derive(s.sharedSecret(cPub), null, rockId, cPub, sPub, cNonce, sNonce);
    byte[] hello = ResumeKey.concat(ResumeKey.idBytes(rockId), cPub, cNonce);
    byte[] welcome = ResumeKey.concat(sPub, sNonce);
    byte[] text = ResumeKey.concat(hello, welcome);
    byte[] serverTag = serverKey.serverConfirm(text);
    ResumeKey clientKey = ResumeKey.derive(c.sharedSecret(sPub), null, rockId, cPub, sPub, cNonce, sNonce);
    if (!ResumeKey.matches(clientKey.serverConfirm(text), serverTag)) {
      throw new IllegalStateException("keys differ");
    }
    return clientKey.clientConfirm(text);
  }
}
