package io.rocks.impl.rock;

import io.rocks.Rock;

/**
 * Tells the benchmark harness whether a rock is in idle mode, which the public API does not show:
 * figure 5 checks that the rocks it measures "in idle mode" are. It works on the class path only,
 * where this class shares its package with rocks-impl, as the micro-benchmarks here do.
 *
 * <p>Any thread may call it; it holds the rock's lock for a moment.
 */
public final class IdleModeProbe {
  private IdleModeProbe() {}

  /** Returns true if {@code rock} is a rock of this implementation and is in idle mode now. */
  public static boolean idle(Rock rock) {
    return rock instanceof RealRock real && real.idle();
  }
}
