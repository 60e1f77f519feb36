package io.rocks.interop;

import java.util.concurrent.atomic.AtomicInteger;

/** The server side of {@link Calculator}; counts the calls it serves. Thread-safe. */
final class CalculatorImpl implements Calculator {
  private final AtomicInteger calls = new AtomicInteger();

  @Override
  public byte[] echo(byte[] data) {
    calls.incrementAndGet();
    return data;
  }

  @Override
  public String sha256(byte[] data) {
    calls.incrementAndGet();
    return Digests.sha256(data);
  }

  @Override
  public long add(long a, long b) {
    calls.incrementAndGet();
    return a + b;
  }

  @Override
  public int callsBefore() {
    return calls.getAndIncrement();
  }
}
