package io.rocks.impl.wire;

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
 * The in-flight buffer through one write's life, as the sender now runs it: the application's
 * write appends it, the sender writes its DATA header in front of it (the frame is then written to
 * the socket from the buffer itself), and the peer's ACK discards it. Kept about half full of a
 * 1 MiB capacity (the default), as under load.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameStoreBench {
  @Param({"1024", "65536"})
  public int writeBytes;

  private FrameStore store;
  private byte[] chunk;
  private long written;

  @Setup
  public void setUp() {
    store = new FrameStore(1 << 20);
    chunk = new byte[writeBytes];
    while (store.size() < (1 << 19)) {
      appendAndFrame();
    }
  }

  /** Append, write the frame's header in place, discard on acknowledgement. */
  @Benchmark
  public int appendFrameDiscard() {
    appendAndFrame();
    store.discard(writeBytes);
    return store.size();
  }

  private void appendAndFrame() {
    store.append(chunk, 0, writeBytes);
    FrameStore.Slot slot = store.slotStartingAt(written);
    if (slot != null) {
      store.writeHeader(slot, slot.length, false);
    }
    written += writeBytes;
  }
}
