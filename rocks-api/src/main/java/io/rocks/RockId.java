package io.rocks;

import java.util.HexFormat;

/**
 * The 128-bit random identifier of one rock, the same on both sides for the rock's whole life.
 *
 * <p>An id names a rock; it never authenticates one. Resuming a rock needs proof of the key agreed
 * when the rock was established, so an observed or guessed id alone is useless to an attacker.
 *
 * @param high the most significant 64 bits
 * @param low the least significant 64 bits
 */
public record RockId(long high, long low) {
  /**
   * Returns the id as 32 lowercase hexadecimal digits, {@link #high()} first, as logs and error
   * messages print it.
   *
   * @return the id in hexadecimal
   */
  @Override
  public String toString() {
    return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
  }
}
