package io.rocks.chaos;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets senders write only up to an allowance, so a test can put a fault exactly mid-transfer: hold
 * the senders at a byte offset, inject the fault, then let them go on. Thread-safe.
 */
final class Gate {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition raised = lock.newCondition();
  private long allowance;

  Gate(long initialAllowance) {
    allowance = initialAllowance;
  }

  /** Lets each stream write up to {@code bytes} in total; never lowers the allowance. */
  void allow(long bytes) {
    lock.lock();
    try {
      if (bytes > allowance) {
        allowance = bytes;
        raised.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Lets every stream write everything. */
  void open() {
    allow(Long.MAX_VALUE);
  }

  long allowance() {
    lock.lock();
    try {
      return allowance;
    } finally {
      lock.unlock();
    }
  }

  /** Blocks until more than {@code written} bytes are allowed; returns how many more. */
  private long awaitRoom(long written) throws InterruptedIOException {
    lock.lock();
    try {
      while (allowance <= written) {
        raised.await();
      }
      return allowance - written;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted at the gate after " + written + " bytes");
    } finally {
      lock.unlock();
    }
  }

  /** Wraps {@code out} so that its writes wait at this gate. */
  OutputStream wrap(OutputStream out) {
    return new FilterOutputStream(out) {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
          int n = (int) Math.min(len, awaitRoom(written));
          out.write(b, off, n);
          written += n;
          off += n;
          len -= n;
        }
      }
    };
  }
}
