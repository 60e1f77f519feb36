package io.rocks.impl.io;

import io.rocks.RockProtocolException;
import io.rocks.impl.wire.DecodedFrame;
import io.rocks.impl.wire.FrameDecoder;
import io.rocks.impl.wire.Wire;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes handshake messages and frames from one underlying connection.
 *
 * <p>A read that times out ({@link java.net.SocketTimeoutException}) consumes nothing that was not
 * parsed: bytes already buffered stay, and calling {@link #nextFrame()} again continues where it
 * stopped. This lets the reader loop use a short socket timeout to watch for silence.
 *
 * <p>The buffer starts small, grows to the next power of two that holds a frame, and to four full
 * DATA frames once bulk data flows, so an idle connection, or one carrying small messages, costs
 * little. Not thread-safe: used by one thread at a time, the one that owns the
 * connection's input (the handshake thread, then the reader thread or an application thread it
 * lent the input to: {@link Connection#inputTaken}, handed over under the rock's lock).
 */
public final class FrameReader extends DecodedFrame {
  private static final int INITIAL_BUFFER_BYTES = 1024;
  /**
   * The buffer of a connection that carried only heartbeats for a while ({@link #trim}): room for
   * a heartbeat's frames. Ten thousand idle rocks hold 9 MiB less than with {@link
   * #INITIAL_BUFFER_BYTES}; the first DATA frame grows it back ({@link #dataArrived}).
   */
  private static final int QUIET_BUFFER_BYTES = 128;
  /**
   * The buffer a connection carrying bulk data grows to: room for several frames, so one read
   * takes in what a peer's batched write sent and the reader wakes once for all of it.
   */
  private static final int MAX_BUFFER_BYTES = 4 * (Wire.DATA_HEADER_BYTES + Wire.MAX_DATA_PAYLOAD);
  /**
   * The most a platform thread asks one read for, unless the frame it reads needs more. A virtual
   * thread asks for all the buffer's room: each wait costs it a trip through the JDK's poller, so
   * fewer, larger reads win. A platform thread that drains the socket with large reads waits in
   * the kernel more often, and on loopback each of its wake-ups is paid by the sending thread:
   * reads of at most 64 KiB made one-way transfers between platform threads about 5% faster, in
   * alternating transfers in one process, and virtual threads 7 to 12% slower (docs/benchmarks.md).
   */
  private static final int PLATFORM_READ_BYTES = 64 * 1024;

  private final InputStream in;
  private byte[] buf = new byte[INITIAL_BUFFER_BYTES];
  private int pos;
  private int limit;
  private volatile long lastByteNanos = System.nanoTime();
  /** {@link LocalStalls#total} when the last byte arrived: stalls after it are not silence. */
  private volatile long stalledAtLastByte = LocalStalls.total(lastByteNanos);

  // The fields of the last frame or handshake message are those of DecodedFrame; bodyStart is an
  // index in buffer().

  public FrameReader(InputStream in) {
    this.in = in;
  }

  /** Returns the buffer holding the last frame's payload; valid until the next call. */
  public byte[] buffer() {
    return buf;
  }

  /**
   * Reads whatever arrives (at least one byte, or times out) and says whether what is buffered so
   * far starts a rocks handshake: 1 if the four magic bytes are there, -1 if a byte differs from
   * them (a plain peer), 0 if too few bytes came to tell.
   */
  public int readAndClassify() throws IOException {
    if (limit - pos < 4) { // called at the start of a connection: the buffer has room
      int n = in.read(buf, limit, buf.length - limit);
      if (n < 0) {
        throw new EOFException("connection closed by the peer's end");
      }
      limit += n;
      lastByteNanos = System.nanoTime();
      stalledAtLastByte = LocalStalls.total(lastByteNanos);
    }
    return classify();
  }

  /** Classifies the buffered bytes as {@link #readAndClassify()} does, without reading. */
  int classify() {
    for (int i = 0; i < Math.min(4, limit - pos); i++) {
      if (buf[pos + i] != (byte) (Wire.MAGIC >>> (24 - 8 * i))) {
        return -1;
      }
    }
    return limit - pos >= 4 ? 1 : 0;
  }

  /** Returns true if not a byte has arrived on this connection yet. */
  public boolean receivedNothing() {
    return limit == 0 && pos == 0;
  }

  /** Returns a copy of the bytes read but not parsed, to hand to a plain socket's reader. */
  public byte[] unparsed() {
    return Arrays.copyOfRange(buf, pos, limit);
  }

  /**
   * Drops a buffer grown by data when nothing is buffered, so a connection that carries only
   * heartbeats is small.
   */
  public void trim() {
    if (pos == limit && buf.length > QUIET_BUFFER_BYTES) {
      buf = new byte[QUIET_BUFFER_BYTES];
      pos = 0;
      limit = 0;
    }
  }

  /** A DATA frame came: a buffer {@link #trim}med to a heartbeat's size grows back. */
  public void dataArrived() {
    if (buf.length < INITIAL_BUFFER_BYTES) {
      byte[] grown = new byte[INITIAL_BUFFER_BYTES];
      System.arraycopy(buf, pos, grown, 0, limit - pos);
      limit -= pos;
      pos = 0;
      buf = grown;
    }
  }

  /** Returns {@link System#nanoTime()} when a byte last arrived on this connection. */
  public long lastByteNanos() {
    return lastByteNanos;
  }

  /**
   * Returns how long the peer has been silent at {@code nowNanos}: the time since a byte last
   * arrived on this connection, less the time this JVM was stalled meanwhile ({@link
   * LocalStalls}), but less at most {@code maxForgivenNanos}. A heartbeat this side could not read
   * because it was not running is not missing; the bound keeps a machine that stays overloaded
   * from hiding a dead link for long.
   */
  public long silentNanos(long nowNanos, long maxForgivenNanos) {
    long stalled = Math.min(maxForgivenNanos, LocalStalls.since(stalledAtLastByte, nowNanos));
    return nowNanos - lastByteNanos - stalled;
  }

  /**
   * Reads one handshake message and returns its type; its body is at {@link #bodyStart}. A REJECT's
   * message is available from {@link #rejectMessage()}.
   */
  public byte nextHandshake() throws IOException {
    ensure(Wire.HANDSHAKE_HEADER_BYTES);
    int magic = getInt(pos);
    if (magic != Wire.MAGIC) {
      throw new RockProtocolException(
          String.format("not a rocks peer: expected magic 0x%08x, got 0x%08x", Wire.MAGIC, magic));
    }
    byte version = buf[pos + 4];
    byte messageType = buf[pos + 5];
    if (version != Wire.VERSION && messageType != Wire.REJECT) {
      throw new UnsupportedVersionException(version);
    }
    int bodyBytes = Wire.handshakeBodyBytes(messageType);
    if (bodyBytes < 0) {
      throw new RockProtocolException("unknown handshake message type " + Wire.typeName(messageType));
    }
    ensure(Wire.HANDSHAKE_HEADER_BYTES + bodyBytes);
    if (messageType == Wire.REJECT) {
      bodyBytes += buf[pos + Wire.HANDSHAKE_HEADER_BYTES + 1] & 0xff;
      ensure(Wire.HANDSHAKE_HEADER_BYTES + bodyBytes);
    }
    type = messageType;
    bodyStart = pos + Wire.HANDSHAKE_HEADER_BYTES;
    length = bodyBytes;
    pos += Wire.HANDSHAKE_HEADER_BYTES + bodyBytes;
    return messageType;
  }

  /** Returns a copy of {@code count} bytes of the last message's body from {@code at}. */
  public byte[] bodyBytes(int at, int count) {
    return Arrays.copyOfRange(buf, bodyStart + at, bodyStart + at + count);
  }

  public long bodyLong(int at) {
    return getLong(bodyStart + at);
  }

  int bodyInt(int at) {
    return getInt(bodyStart + at);
  }

  /** Returns the reason and text of the last REJECT. */
  public String rejectMessage() {
    int textLength = buf[bodyStart + 1] & 0xff;
    return new String(buf, bodyStart + 2, textLength, StandardCharsets.UTF_8);
  }

  public byte rejectReason() {
    return buf[bodyStart];
  }

  /**
   * Reads one frame and returns its type; fields are set as the type needs ({@link FrameDecoder}
   * decodes, this reads until it has enough).
   */
  public byte nextFrame() throws IOException {
    while (true) {
      int taken = FrameDecoder.decode(buf, pos, limit, this);
      if (taken > 0) {
        pos += taken;
        return type;
      }
      ensure(-taken);
    }
  }

  /** Makes at least {@code count} unparsed bytes available, reading as needed. */
  private void ensure(int count) throws IOException {
    if (limit - pos >= count) {
      return;
    }
    if (buf.length - pos < count) {
      if (count > MAX_BUFFER_BYTES) {
        throw new IllegalStateException("frame larger than the reader buffer: " + count);
      }
      byte[] target = buf;
      if (buf.length < count) {
        target = new byte[grownSize(count)];
      }
      System.arraycopy(buf, pos, target, 0, limit - pos);
      limit -= pos;
      pos = 0;
      buf = target;
    }
    while (limit - pos < count) {
      int room = buf.length - limit;
      if (!Thread.currentThread().isVirtual()) {
        room = Math.min(room, Math.max(count - (limit - pos), PLATFORM_READ_BYTES));
      }
      int n = in.read(buf, limit, room);
      if (n < 0) {
        throw new EOFException("connection closed by the peer's end");
      }
      limit += n;
      lastByteNanos = System.nanoTime();
      stalledAtLastByte = LocalStalls.total(lastByteNanos);
    }
  }

  /**
   * Returns the buffer size for a frame of {@code count} bytes that does not fit: a full DATA frame
   * means bulk data, and the buffer grows straight to the bulk size; a smaller frame gets the
   * next power of two that holds it. Thousands of rocks exchanging small messages then keep
   * buffers of a few KiB, not 256 KiB each.
   */
  private static int grownSize(int count) {
    if (count >= Wire.DATA_HEADER_BYTES + Wire.MAX_DATA_PAYLOAD) {
      return MAX_BUFFER_BYTES;
    }
    return Math.min(MAX_BUFFER_BYTES, Integer.highestOneBit(count - 1) << 1);
  }

  private int getInt(int at) {
    return FrameDecoder.getInt(buf, at);
  }

  private long getLong(int at) {
    return FrameDecoder.getLong(buf, at);
  }

  /** The peer speaks a protocol version this side does not. */
  public static final class UnsupportedVersionException extends RockProtocolException {
    public final byte version;

    public UnsupportedVersionException(byte version) {
      super("peer speaks rocks protocol version " + version + "; this side speaks " + Wire.VERSION);
      this.version = version;
    }
  }
}
