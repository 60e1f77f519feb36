package io.rocks.impl.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockId;
import io.rocks.impl.wire.Wire;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

/**
 * The test vectors of PROTOCOL.md §4.5, computed here with the X25519 key pairs of RFC 7748 §6.1
 * (Alice as the client, Bob as the server): the shared secret, the key, the confirm tags, the
 * resume proofs and the GONE proof, without and with a pre-shared secret.
 */
public class ResumeKeyVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] ALICE_PRIVATE = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  private static final byte[] CLIENT_PUBLIC = HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  private static final byte[] SERVER_PUBLIC = HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  private static final RockId ID = new RockId(0x0011223344556677L, 0x8899aabbccddeeffL);
  private static final byte[] HELLO_NONCE = HEX.parseHex("000102030405060708090a0b0c0d0e0f");
  private static final byte[] WELCOME_NONCE = HEX.parseHex("101112131415161718191a1b1c1d1e1f");
  private static final byte[] RESUME_NONCE = HEX.parseHex("202122232425262728292a2b2c2d2e2f");
  private static final byte[] CHALLENGE_NONCE = HEX.parseHex("303132333435363738393a3b3c3d3e3f");
  private static final byte[] SECRET = HEX.parseHex("404142434445464748494a4b4c4d4e4f");

  @Test
  void theSharedSecretIsRfc7748s() {
    assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", HEX.formatHex(sharedSecret()));
  }

  @Test
  void withoutAPreSharedSecret() {
    check(null,
        "04c5885e3fd8a3d4acf1b0b8a6d379ba7822ccd6a8f5e0e43d24f63233d4cb04",
        "2733c11b9124426c7f3d06b0d8041e17f68bf2ce98ec683d17fb43e70e12b5df",
        "063fec754a38c70477b799b1793c31f2567b5383b26cc8234b74dbd709bf8c6a",
        "db4185787c4a4637164854fd0d992e5cedefea5ce0bb0e7b7fdbca2df4ff72da",
        "5f325df6391c37cae62ae352c33bc7b19d07d2cc0f1ef223ffd5cf3ce4b57d7a",
        "0baa43c1748a28c7353f0b3b7c6f99815986bad4b26aba0ca23b8b0d2502432a");
  }

  @Test
  void withAPreSharedSecret() {
    check(SECRET,
        "172fdbc282d07dd0f0bf4384678d85a606ee3beb42898586b464e12e2855b8f4",
        "51dfe76572916c944b743839b985fad7cd9c97395a7500e834c11b0ed0eac330",
        "5ba6b11e6db40c37f88a8efb944642d082777b9230f3434a1fc1d01068df1766",
        "1e04bfc8fce602533f6642496442c1aab9d030f14ea35c9f8f45427bb64afa91",
        "03bf8e7092a25be826cc1aa0bd91d95eca14512f3528df99ad5737b781d57023",
        "db3c5fd6f8ea52752cd1fbc4d29483165b01c2a06cfe13f1d82503060fdcfc42");
  }

  private static void check(byte[] secret, String key, String serverConfirm, String clientConfirm,
      String serverProof, String clientProof, String goneProof) {
    ResumeKey derived = ResumeKey.derive(sharedSecret(), secret, ID, CLIENT_PUBLIC, SERVER_PUBLIC, HELLO_NONCE, WELCOME_NONCE);
    byte[] transcript = ResumeKey.concat(ResumeKey.idBytes(ID), CLIENT_PUBLIC, HELLO_NONCE, SERVER_PUBLIC, WELCOME_NONCE);
    assertEquals(key, HEX.formatHex(derived.keyBytesForTests()), "K");
    assertEquals(serverConfirm, HEX.formatHex(derived.serverConfirm(transcript)), "server confirm");
    assertEquals(clientConfirm, HEX.formatHex(derived.clientConfirm(transcript)), "client confirm");
    assertEquals(serverProof, HEX.formatHex(derived.serverProof(ID, RESUME_NONCE, CHALLENGE_NONCE, 1000, false)),
        "server proof, received 1000, fin 0");
    assertEquals(clientProof, HEX.formatHex(derived.clientProof(ID, RESUME_NONCE, CHALLENGE_NONCE, 2000, true)),
        "client proof, received 2000, fin 1");
    assertEquals(goneProof, HEX.formatHex(derived.goneProof(ID, RESUME_NONCE, CHALLENGE_NONCE, Wire.GONE_FAILED)),
        "GONE proof, reason 2 (failed)");
  }

  private static byte[] sharedSecret() {
    byte[] shared = new byte[32];
    X25519.calculateAgreement(ALICE_PRIVATE, 0, SERVER_PUBLIC, 0, shared, 0);
    return shared;
  }
}
