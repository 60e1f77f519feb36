package io.rocks.impl.rock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The rounding that makes idle rocks' looks fall due together. */
class RockWatchTest {
  private static final long SLOT = RockWatch.IDLE_SLOT_NANOS;

  @Test
  void roundsAnIdleLookUpToTheNextSlotAndNeverEarlier() {
    assertEquals(SLOT, RockWatch.idleSlot(1));
    assertEquals(SLOT, RockWatch.idleSlot(SLOT), "a look on the grid stays where it is");
    assertEquals(2 * SLOT, RockWatch.idleSlot(SLOT + 1));
    assertEquals(0, RockWatch.idleSlot(0));
    // System.nanoTime() may be negative: still rounded up, by less than one slot.
    assertEquals(-SLOT, RockWatch.idleSlot(-SLOT - SLOT / 2));
    long t = -7 * SLOT / 3;
    long slot = RockWatch.idleSlot(t);
    assertEquals(0, Math.floorMod(slot, SLOT));
    assertTrue(slot >= t && slot - t < SLOT, "within one slot after " + t + ": " + slot);
  }
}
