package io.rocks.impl.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Public keys of small order are refused on arrival ({@link KeyAgreement25519#checkPublicKey}), in
 * every encoding, and they are exactly the keys whose shared secret comes out all zeros.
 */
public class KeyAgreement25519Test {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

  /** The five small-order u-coordinates, little-endian, as published with libsodium. */
  private static final List<String> SMALL_ORDER_HEX =
      List.of(
          "0000000000000000000000000000000000000000000000000000000000000000",
          "0100000000000000000000000000000000000000000000000000000000000000",
          "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
          "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
          "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

  @Test
  void refusesEverySmallOrderKeyInEveryEncodingAndTheArithmeticAgrees() throws Exception {
    List<byte[]> encodings = new ArrayList<>();
    for (String hex : SMALL_ORDER_HEX) {
      byte[] canonical = HexFormat.of().parseHex(hex);
      encodings.add(canonical);
      byte[] topBit = canonical.clone();
      topBit[31] |= (byte) 0x80; // the top bit is ignored
      encodings.add(topBit);
      BigInteger plusP = littleEndian(canonical).add(P); // u + p reduces to u
      if (plusP.bitLength() <= 255) {
        encodings.add(toLittleEndian(plusP));
      }
    }
    assertEquals(12, encodings.size(), "5 canonical, 5 with the top bit, 2 non-canonical below 2^255");
    for (byte[] key : encodings) {
      String name = HexFormat.of().formatHex(key);
      GeneralSecurityException refused =
          assertThrows(GeneralSecurityException.class, () -> KeyAgreement25519.checkPublicKey(key), name);
      assertEquals("peer sent a low-order X25519 public key", refused.getMessage());
      // Bouncy Castle's X25519 gives an all-zero secret for it: the list is right.
      assertThrows(
          GeneralSecurityException.class,
          () -> new KeyAgreement25519(KeyAgreement25519.generate()).sharedSecret(key),
          name);
    }
  }

  @Test
  void acceptsRealKeysWhichAgreeBothWays() throws Exception {
    for (int i = 0; i < 200; i++) {
      KeyAgreement25519.Pair a = KeyAgreement25519.generate();
      KeyAgreement25519.Pair b = KeyAgreement25519.generate();
      KeyAgreement25519.checkPublicKey(a.publicKey());
      KeyAgreement25519.checkPublicKey(b.publicKey());
      assertArrayEquals(
          new KeyAgreement25519(a).sharedSecret(b.publicKey()),
          new KeyAgreement25519(b).sharedSecret(a.publicKey()));
    }
  }

  @Test
  void refusesAKeyOfTheWrongLength() {
    GeneralSecurityException refused =
        assertThrows(GeneralSecurityException.class, () -> KeyAgreement25519.checkPublicKey(new byte[31]));
    assertEquals("X25519 public key must be 32 bytes", refused.getMessage());
  }

  private static BigInteger littleEndian(byte[] bytes) {
    byte[] bigEndian = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      bigEndian[i] = bytes[bytes.length - 1 - i];
    }
    return new BigInteger(1, bigEndian);
  }

  private static byte[] toLittleEndian(BigInteger value) {
    byte[] out = new byte[32];
    byte[] bigEndian = value.toByteArray();
    for (int i = 0; i < bigEndian.length && i < 32; i++) {
      out[i] = bigEndian[bigEndian.length - 1 - i];
    }
    return out;
  }
}
