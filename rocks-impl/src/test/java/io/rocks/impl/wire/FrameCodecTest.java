package io.rocks.impl.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rocks.RockProtocolException;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.FrameReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The frame codec decodes what it encodes, however the bytes are split, and rejects garbage. */
public class FrameCodecTest {

  @Test
  void decodesFramesSplitAtEveryByteBoundaryWithTimeoutsBetween() throws IOException {
    byte[] payload = new byte[70_000 - 5_000];
    new SplittableRandom(3).nextBytes(payload);
    FrameWriter writer = new FrameWriter();
    writer.ack(123, 456, true);
    int at = writer.dataFrame(1000, payload.length, false);
    System.arraycopy(payload, 0, writer.buffer(), at, payload.length);
    at = writer.dataFrame(1000 + payload.length, 3, true);
    System.arraycopy(new byte[] {7, 8, 9}, 0, writer.buffer(), at, 3);
    writer.fin(1000 + payload.length + 3);
    writer.close();
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    writer.flushTo(encoded);

    // One byte per read, and a timeout before every byte: the reader must resume each time.
    FrameReader reader = new FrameReader(new TricklingStream(encoded.toByteArray()));
    assertEquals(Wire.ACK, nextFrameRetrying(reader));
    assertEquals(123, reader.received);
    assertEquals(456, reader.windowLimit);
    assertEquals(Wire.ACK_FLAG_FIN_RECEIVED, reader.flags);
    assertEquals(Wire.DATA, nextFrameRetrying(reader));
    assertEquals(1000, reader.offset);
    assertArrayEquals(payload, Arrays.copyOfRange(reader.buffer(), reader.bodyStart, reader.bodyStart + reader.length));
    assertEquals(false, reader.ackRequested);
    assertEquals(Wire.DATA, nextFrameRetrying(reader), "DATA_ACK decodes as DATA");
    assertEquals(true, reader.ackRequested);
    assertEquals(1000 + payload.length, reader.offset);
    assertArrayEquals(new byte[] {7, 8, 9}, Arrays.copyOfRange(reader.buffer(), reader.bodyStart, reader.bodyStart + reader.length));
    assertEquals(Wire.FIN, nextFrameRetrying(reader));
    assertEquals(1000 + payload.length + 3, reader.offset);
    assertEquals(Wire.CLOSE, nextFrameRetrying(reader));
    assertThrows(EOFException.class, () -> nextFrameRetrying(reader));
  }

  @Test
  void thePureDecoderAsksForExactlyTheBytesEachFrameNeedsAndDecodesEveryPrefixTheSame()
      throws IOException {
    FrameWriter writer = new FrameWriter();
    writer.pace(25_000);
    int at = writer.dataFrame(7, 5, true);
    System.arraycopy(new byte[] {1, 2, 3, 4, 5}, 0, writer.buffer(), at, 5);
    writer.ack(12, 99, false, true);
    writer.confirm(new byte[ResumeKey.PROOF_BYTES]);
    writer.fin(12);
    writer.close();
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    writer.flushTo(encoded);
    byte[] bytes = encoded.toByteArray();
    int[] sizes = {Wire.PACE_BYTES, Wire.DATA_HEADER_BYTES + 5, Wire.ACK_BYTES, Wire.CONFIRM_BYTES,
        Wire.FIN_BYTES, Wire.CLOSE_BYTES};
    byte[] types = {Wire.PACE, Wire.DATA, Wire.ACK, Wire.CONFIRM, Wire.FIN, Wire.CLOSE};
    int pos = 0;
    DecodedFrame frame = new DecodedFrame();
    for (int i = 0; i < sizes.length; i++) {
      // Every prefix of the frame: the decoder asks for more, never past the frame's own end.
      for (int available = 0; available < sizes[i]; available++) {
        int taken = FrameDecoder.decode(bytes, pos, pos + available, frame);
        assertEquals(true, taken < 0 && -taken > available && -taken <= sizes[i],
            "frame " + i + " with " + available + " bytes: " + taken);
      }
      assertEquals(sizes[i], FrameDecoder.decode(bytes, pos, bytes.length, frame));
      assertEquals(types[i], frame.type);
      pos += sizes[i];
    }
    assertEquals(bytes.length, pos);
    FrameDecoder.decode(bytes, 0, bytes.length, frame);
    assertEquals(25_000, frame.paceMillis);
    FrameDecoder.decode(bytes, Wire.PACE_BYTES, bytes.length, frame);
    assertEquals(7, frame.offset);
    assertEquals(true, frame.ackRequested);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Arrays.copyOfRange(bytes, frame.bodyStart, frame.bodyStart + 5));
  }

  @Test
  void rejectsAPaceThatIsNotPositive() {
    byte[] pace = {Wire.PACE, 0, 0, 0, 0};
    RockProtocolException e = assertThrows(RockProtocolException.class,
        () -> FrameDecoder.decode(pace, 0, pace.length, new DecodedFrame()));
    assertEquals("PACE of 0 ms is not positive", e.getMessage());
  }

  @Test
  void rejectsUnknownFrameType() {
    FrameReader reader = new FrameReader(new ByteArrayInputStream(new byte[] {0x7f, 0, 0}));
    RockProtocolException e = assertThrows(RockProtocolException.class, reader::nextFrame);
    assertEquals("unknown frame type 0x7f", e.getMessage());
  }

  @Test
  void rejectsDataLongerThanTheLimitBeforeReadingIt() {
    FrameWriter writer = new FrameWriter();
    writer.putByte(Wire.DATA);
    writer.putLong(0);
    writer.putInt(Wire.MAX_DATA_PAYLOAD + 1);
    FrameReader reader = new FrameReader(new ByteArrayInputStream(Arrays.copyOf(writer.buffer(), writer.size())));
    RockProtocolException e = assertThrows(RockProtocolException.class, reader::nextFrame);
    assertEquals("DATA length 65537 outside 1..65536", e.getMessage());
  }

  @Test
  void rejectsAckWithWindowBelowReceived() {
    FrameWriter writer = new FrameWriter();
    writer.ack(100, 50, false);
    FrameReader reader = new FrameReader(new ByteArrayInputStream(Arrays.copyOf(writer.buffer(), writer.size())));
    RockProtocolException e = assertThrows(RockProtocolException.class, reader::nextFrame);
    assertEquals("ACK received 100 window limit 50 are inconsistent", e.getMessage());
  }

  @Test
  void rejectsHandshakeWithoutMagic() {
    byte[] http = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    FrameReader reader = new FrameReader(new ByteArrayInputStream(http));
    RockProtocolException e = assertThrows(RockProtocolException.class, reader::nextHandshake);
    assertEquals("not a rocks peer: expected magic 0x524f434b, got 0x47455420", e.getMessage());
  }

  @Test
  void rejectsOtherProtocolVersion() {
    FrameWriter writer = new FrameWriter();
    writer.putInt(Wire.MAGIC);
    writer.putByte((byte) 9);
    writer.putByte(Wire.HELLO);
    FrameReader reader = new FrameReader(new ByteArrayInputStream(Arrays.copyOf(writer.buffer(), writer.size())));
    FrameReader.UnsupportedVersionException e =
        assertThrows(FrameReader.UnsupportedVersionException.class, reader::nextHandshake);
    assertEquals(9, e.version);
  }

  @Test
  void survivesSeededRandomGarbageWithOnlyProtocolErrorsOrEndOfStream() {
    long seed = 20261127L;
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < 20_000; i++) {
      byte[] garbage = new byte[random.nextInt(1, 200)];
      random.nextBytes(garbage);
      if (random.nextBoolean()) {
        garbage[0] = (byte) (Wire.DATA + random.nextInt(4)); // valid type, random fields
      }
      FrameReader reader = new FrameReader(new ByteArrayInputStream(garbage));
      int input = i;
      IOException e = assertThrows(IOException.class, () -> {
        while (true) {
          reader.nextFrame();
        }
      }, () -> "seed " + seed + " input " + input);
      if (!(e instanceof RockProtocolException) && !(e instanceof EOFException)) {
        throw new AssertionError("seed " + seed + " input " + input + ": " + e);
      }
    }
  }

  private static byte nextFrameRetrying(FrameReader reader) throws IOException {
    while (true) {
      try {
        return reader.nextFrame();
      } catch (SocketTimeoutException timeout) {
        // The stream times out before every byte; the reader keeps what it has and goes on.
      }
    }
  }

  /** Delivers one byte per read, throwing a timeout before each one. */
  private static final class TricklingStream extends InputStream {
    private final byte[] bytes;
    private int pos;
    private boolean timeoutNext = true;

    TricklingStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (timeoutNext) {
        timeoutNext = false;
        throw new SocketTimeoutException("Read timed out");
      }
      timeoutNext = true;
      if (pos == bytes.length) {
        return -1;
      }
      b[off] = bytes[pos++];
      return 1;
    }
  }
}
