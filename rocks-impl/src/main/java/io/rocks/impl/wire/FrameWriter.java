package io.rocks.impl.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Encodes handshake messages and frames into a growable buffer and writes a batch of them with few
 * calls. DATA frames kept whole in the in-flight buffer ({@link FrameStore#writeHeader}) are not
 * copied in: the batch refers to them ({@link #dataFrom}), and is written in order as the buffered
 * bytes before each such range (one call), the range itself, and so on; ranges that follow one
 * another in the same array are written as one, in calls of at most {@link #MAX_WRITE_BYTES}. On a
 * TCP connection the socket channel takes the ranges straight from the in-flight buffer's direct
 * arrays, with no copy; a TLS connection has no channel and is written as a stream, a range held
 * off the heap copied through a scratch array first.
 *
 * <p>Not thread-safe: used by one thread at a time (the handshake thread; then, as {@link
 * io.rocks.impl.io.Connection#frames}, whichever thread holds the rock's send lock). {@link
 * #flushTo} blocks in socket I/O and must never run under the rock's lock.
 */
public final class FrameWriter {
  /** The most bytes one write call is given, as in the JDK's socket streams. */
  static final int MAX_WRITE_BYTES = 128 * 1024;

  private byte[] buf = new byte[256];
  private int size;
  /** Ranges written from elsewhere, in order: the array, where in it, how many bytes. */
  private ByteBuffer[] rangeArrays = new ByteBuffer[FrameStore.FRAMES];
  private int[] rangeStarts = new int[FrameStore.FRAMES];
  private int[] rangeLengths = new int[FrameStore.FRAMES];
  /** How many bytes of {@link #buf} go before each range. */
  private int[] rangeAfter = new int[FrameStore.FRAMES];
  private int ranges;
  private int rangeBytes;
  /** Where a range held off the heap is copied to be written to a stream; made when needed. */
  private byte[] scratch;

  /** Returns how many bytes the batch holds, buffered and referred to. */
  public int size() {
    return size + rangeBytes;
  }

  /**
   * Appends the frame kept, header included, as the {@code length} bytes at {@code at} of {@code
   * array} ({@link FrameStore#writeHeader}); they are written from there. The array range must not
   * change until {@link #flushTo} returns.
   */
  public void dataFrom(ByteBuffer array, int at, int length) {
    int last = ranges - 1;
    if (last >= 0
        && rangeArrays[last] == array
        && rangeStarts[last] + rangeLengths[last] == at
        && rangeAfter[last] == size) {
      rangeLengths[last] += length; // follows the previous range: one write
    } else {
      if (ranges == rangeArrays.length) {
        rangeArrays = java.util.Arrays.copyOf(rangeArrays, ranges * 2);
        rangeStarts = java.util.Arrays.copyOf(rangeStarts, ranges * 2);
        rangeLengths = java.util.Arrays.copyOf(rangeLengths, ranges * 2);
        rangeAfter = java.util.Arrays.copyOf(rangeAfter, ranges * 2);
      }
      rangeArrays[ranges] = array;
      rangeStarts[ranges] = at;
      rangeLengths[ranges] = length;
      rangeAfter[ranges] = size;
      ranges++;
    }
    rangeBytes += length;
  }

  public void handshakeHeader(byte type) {
    putInt(Wire.MAGIC);
    putByte(Wire.VERSION);
    putByte(type);
  }

  public void reject(byte reason, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    int textLength = Math.min(255, text.length);
    handshakeHeader(Wire.REJECT);
    putByte(reason);
    putByte((byte) textLength);
    putBytes(text, 0, textLength);
  }

  /**
   * Appends a DATA header for {@code length} bytes at {@code offset} (a DATA_ACK frame if {@code
   * requestAck}), reserves room for the payload, and returns the index in {@link #buffer()} where
   * the payload must be copied.
   */
  public int dataFrame(long offset, int length, boolean requestAck) {
    ensure(Wire.DATA_HEADER_BYTES + length);
    putByte(requestAck ? Wire.DATA_ACK : Wire.DATA);
    putLong(offset);
    putInt(length);
    int at = size;
    size += length;
    return at;
  }

  public void ack(long received, long windowLimit, boolean finReceived) {
    ack(received, windowLimit, finReceived, false);
  }

  /** An ACK; {@code welcomed} sets {@link Wire#ACK_FLAG_WELCOMED} (the connector's, once welcomed). */
  public void ack(long received, long windowLimit, boolean finReceived, boolean welcomed) {
    ack(received, windowLimit, finReceived, welcomed, 0);
  }

  /** An ACK with {@code echoFlags} ({@link Wire#ACK_FLAG_ECHO_REQUEST}, {@link Wire#ACK_FLAG_ECHO_REPLY}) too. */
  public void ack(long received, long windowLimit, boolean finReceived, boolean welcomed, int echoFlags) {
    putByte(Wire.ACK);
    putLong(received);
    putLong(windowLimit);
    putByte((byte) ((finReceived ? Wire.ACK_FLAG_FIN_RECEIVED : 0) | (welcomed ? Wire.ACK_FLAG_WELCOMED : 0) | echoFlags));
  }

  public void fin(long offset) {
    putByte(Wire.FIN);
    putLong(offset);
  }

  public void close() {
    putByte(Wire.CLOSE);
  }

  /** A PACE frame: the sender's heartbeats come every {@code heartbeatMillis} from now on. */
  public void pace(int heartbeatMillis) {
    putByte(Wire.PACE);
    putInt(heartbeatMillis);
  }

  public void confirm(byte[] tag) {
    putByte(Wire.CONFIRM);
    putBytes(tag, 0, tag.length);
  }

  public byte[] buffer() {
    return buf;
  }

  /** Drops a buffer grown by bulk data, when idle; it grows again as needed. */
  public void trim() {
    if (size == 0 && buf.length > 256) {
      buf = new byte[256];
    }
    scratch = null;
  }

  /**
   * Writes the batch to {@code channel} in order and empties the batch. Blocks until all of it is
   * written. The ranges are written from their arrays as they are (no copy if they are direct).
   */
  public void flushTo(WritableByteChannel channel) throws IOException {
    writeInOrder(new Sink() {
      @Override
      public void bytes(byte[] array, int off, int len) throws IOException {
        writeFully(channel, ByteBuffer.wrap(array, off, len));
      }

      @Override
      public void range(ByteBuffer array, int at, int length) throws IOException {
        writeFully(channel, array.slice(at, length));
      }
    });
  }

  /** Where {@link #writeInOrder} puts the batch: its encoded bytes and its ranges. */
  private interface Sink {
    void bytes(byte[] array, int off, int len) throws IOException;

    void range(ByteBuffer array, int at, int length) throws IOException;
  }

  /**
   * Hands the batch to {@code sink} in order (the buffered bytes before each range, the range, and
   * so on, then the rest), and empties the batch, also if the sink throws.
   */
  private void writeInOrder(Sink sink) throws IOException {
    if (size() == 0) {
      return;
    }
    try {
      int written = 0;
      for (int i = 0; i < ranges; i++) {
        if (rangeAfter[i] > written) {
          sink.bytes(buf, written, rangeAfter[i] - written);
          written = rangeAfter[i];
        }
        sink.range(rangeArrays[i], rangeStarts[i], rangeLengths[i]);
      }
      if (size > written) {
        sink.bytes(buf, written, size - written);
      }
    } finally {
      empty();
    }
  }

  /**
   * Writes all of {@code bytes}, at most {@link #MAX_WRITE_BYTES} per call. Each piece is a call
   * of its own, as the JDK's socket streams do: gathering the batch into fewer, larger calls
   * measurably slowed transfers both ways at once (docs/benchmarks.md).
   */
  private static void writeFully(WritableByteChannel channel, ByteBuffer bytes) throws IOException {
    int end = bytes.limit();
    while (bytes.position() < end) {
      bytes.limit(Math.min(end, bytes.position() + MAX_WRITE_BYTES));
      while (bytes.hasRemaining()) {
        channel.write(bytes); // a blocking channel writes at least one byte per call
      }
    }
  }

  /** Writes the batch to {@code out} in order, flushes it, and empties the batch. Blocks. */
  public void flushTo(OutputStream out) throws IOException {
    if (size() == 0) {
      return;
    }
    writeInOrder(new Sink() {
      @Override
      public void bytes(byte[] array, int off, int len) throws IOException {
        out.write(array, off, len);
      }

      @Override
      public void range(ByteBuffer array, int at, int length) throws IOException {
        writeRange(out, array, at, length);
      }
    });
    out.flush();
  }

  private void writeRange(OutputStream out, ByteBuffer array, int at, int length)
      throws IOException {
    if (array.hasArray()) {
      out.write(array.array(), array.arrayOffset() + at, length);
      return;
    }
    if (scratch == null) {
      scratch = new byte[FrameStore.HEADER + FrameStore.FRAME];
    }
    for (int done = 0; done < length; ) {
      int n = Math.min(scratch.length, length - done);
      array.get(at + done, scratch, 0, n);
      out.write(scratch, 0, n);
      done += n;
    }
  }

  private void empty() {
    size = 0;
    java.util.Arrays.fill(rangeArrays, 0, ranges, null); // keeps no array alive
    ranges = 0;
    rangeBytes = 0;
  }

  public void putByte(byte value) {
    ensure(1);
    buf[size++] = value;
  }

  public void putBytes(byte[] src, int off, int len) {
    ensure(len);
    System.arraycopy(src, off, buf, size, len);
    size += len;
  }

  public void putInt(int value) {
    ensure(4);
    buf[size++] = (byte) (value >>> 24);
    buf[size++] = (byte) (value >>> 16);
    buf[size++] = (byte) (value >>> 8);
    buf[size++] = (byte) value;
  }

  public void putLong(long value) {
    putInt((int) (value >>> 32));
    putInt((int) value);
  }

  private void ensure(int count) {
    if (buf.length - size < count) {
      byte[] grown = new byte[Math.max(buf.length * 2, size + count)];
      System.arraycopy(buf, 0, grown, 0, size);
      buf = grown;
    }
  }
}
