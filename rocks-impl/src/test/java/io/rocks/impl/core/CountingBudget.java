package io.rocks.impl.core;

/**
 * A window budget that counts what it lent, with a limit: for {@link WindowTuningTest} and the
 * simulator, which rocks-bench runs from rocks-impl's test jar (figure 8), so it is a class of its
 * own in that jar.
 */
final class CountingBudget implements WindowTuning.Budget {
  final long limit;
  long used;

  CountingBudget(long limit) {
    this.limit = limit;
  }

  @Override
  public boolean tryReserve(long bytes) {
    if (used + bytes > limit) {
      return false;
    }
    used += bytes;
    return true;
  }

  @Override
  public void release(long bytes) {
    used -= bytes;
  }
}
