package io.rocks.impl.core;

import io.rocks.impl.wire.FrameStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The ring that holds received bytes until the application reads them (and held the in-flight
 * bytes before {@link FrameStore}; {@link FrameStoreBench} measures that): bytes appended, copied
 * out, discarded. Kept half full (of a 1 MiB capacity, the default) so copies wrap around its end
 * as they do under load.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ByteRingBench {
  @Param({"1024", "65536"})
  public int writeBytes;

  private ByteRing ring;
  private byte[] chunk;
  private byte[] frame;

  @Setup
  public void setUp() {
    ring = new ByteRing(1 << 20);
    chunk = new byte[writeBytes];
    frame = new byte[writeBytes];
    byte[] half = new byte[(1 << 19) + 12_345]; // an odd fill, so the copies wrap unevenly
    ring.append(half, 0, half.length);
    ring.append(new byte[(1 << 20) - half.length], 0, (1 << 20) - half.length); // grow to capacity
    ring.discard((1 << 20) - half.length);
  }

  /** Append, copy out for sending, discard on acknowledgement. */
  @Benchmark
  public int appendPeekDiscard() {
    ring.append(chunk, 0, writeBytes);
    ring.peek(ring.size() - writeBytes, frame, 0, writeBytes);
    ring.discard(writeBytes);
    return ring.size();
  }
}
