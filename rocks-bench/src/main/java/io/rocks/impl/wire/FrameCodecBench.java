package io.rocks.impl.wire;

import io.rocks.impl.io.FrameReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The frame codec on its own, without a socket: encoding a full 64 KiB DATA frame (header plus the
 * payload copy a writer thread makes from the in-flight buffer) and an ACK, and decoding them from
 * a stream that replays encoded frames, as the reader thread does from a socket.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameCodecBench {
  /** The payload of a full DATA frame. */
  public static final int PAYLOAD_BYTES = Wire.MAX_DATA_PAYLOAD;

  private final OutputStream sink = OutputStream.nullOutputStream();
  private final byte[] payload = new byte[PAYLOAD_BYTES];
  private FrameWriter writer;
  private FrameReader dataReader;
  private FrameReader ackReader;
  private long offset;

  @Setup
  public void setUp() throws IOException {
    new SplittableRandom(1).nextBytes(payload);
    writer = new FrameWriter();
    FrameWriter frames = new FrameWriter();
    for (int i = 0; i < 16; i++) {
      int at = frames.dataFrame((long) i * PAYLOAD_BYTES, PAYLOAD_BYTES, false);
      System.arraycopy(payload, 0, frames.buffer(), at, PAYLOAD_BYTES);
    }
    dataReader = new FrameReader(new Replay(java.util.Arrays.copyOf(frames.buffer(), frames.size())));
    FrameWriter acks = new FrameWriter();
    for (int i = 0; i < 1024; i++) {
      acks.ack(i * 1000L, i * 1000L + (1 << 20), false);
    }
    ackReader = new FrameReader(new Replay(java.util.Arrays.copyOf(acks.buffer(), acks.size())));
  }

  /** Header and 64 KiB payload copy of one DATA frame, then the write of the batch. */
  @Benchmark
  public int encodeData64KiB() throws IOException {
    int at = writer.dataFrame(offset, PAYLOAD_BYTES, false);
    System.arraycopy(payload, 0, writer.buffer(), at, PAYLOAD_BYTES);
    offset += PAYLOAD_BYTES;
    int size = writer.size();
    writer.flushTo(sink);
    return size;
  }

  /** One ACK (also the heartbeat), then the write of the batch. */
  @Benchmark
  public int encodeAck() throws IOException {
    writer.ack(offset, offset + (1 << 20), false);
    offset += 1000;
    int size = writer.size();
    writer.flushTo(sink);
    return size;
  }

  /** Reads and parses one 64 KiB DATA frame (the read copies it into the reader's buffer). */
  @Benchmark
  public long decodeData64KiB() throws IOException {
    byte type = dataReader.nextFrame();
    return dataReader.offset + type + dataReader.buffer()[dataReader.bodyStart];
  }

  /** Reads and parses one ACK. */
  @Benchmark
  public long decodeAck() throws IOException {
    byte type = ackReader.nextFrame();
    return ackReader.received + ackReader.windowLimit + type;
  }

  /** An endless stream repeating the same encoded frames, like a socket that never runs dry. */
  static final class Replay extends InputStream {
    private final byte[] bytes;
    private int pos;

    Replay(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      int b = bytes[pos] & 0xff;
      pos = (pos + 1) % bytes.length;
      return b;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
      int n = Math.min(len, bytes.length - pos);
      System.arraycopy(bytes, pos, dst, off, n);
      pos = (pos + n) % bytes.length;
      return n;
    }
  }
}
