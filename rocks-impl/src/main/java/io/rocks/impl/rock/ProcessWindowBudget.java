package io.rocks.impl.rock;

import io.rocks.impl.core.WindowTuning;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory every rock of this process draws on to grow its windows beyond their starting sizes
 * ({@link WindowTuning}): {@code rocks.window-budget}, or a quarter of the JVM's maximum heap.
 * Thread-safe and lock-free: rocks reserve and release under their own locks, never waiting.
 */
public final class ProcessWindowBudget implements WindowTuning.Budget {
  public static final ProcessWindowBudget INSTANCE = new ProcessWindowBudget();

  private final AtomicLong used = new AtomicLong();
  private volatile long limit = defaultLimit();

  private ProcessWindowBudget() {}

  private static long defaultLimit() {
    return Runtime.getRuntime().maxMemory() / 4;
  }

  /** Sets the budget to {@code bytes}, or to the default for 0. Growth already taken stays. */
  public void limit(long bytes) {
    limit = bytes > 0 ? bytes : defaultLimit();
  }

  /** The budget in bytes. */
  public long limit() {
    return limit;
  }

  /** Bytes the rocks of this process have grown their windows by, together. */
  public long used() {
    return used.get();
  }

  @Override
  public boolean tryReserve(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  @Override
  public void release(long bytes) {
    used.addAndGet(-bytes);
  }
}
