package io.rocks.impl.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.impl.io.FrameReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The in-flight buffer keeps exactly the bytes written and not yet acknowledged, across frame and
 * array boundaries and reuse; the frames it hands out whole are byte for byte the frames a copy
 * would make, and a batch mixing them with buffered frames goes out in order.
 */
public class FrameStoreTest {
  private static final int CAPACITY = 1 << 20;

  /** A frame written from the store: where, and the bytes it held when it was handed out. */
  private record Handed(ByteBuffer array, int at, long streamEnd, byte[] bytes) {}

  /** Returns a copy of {@code length} bytes at {@code at} of {@code array}. */
  private static byte[] bytes(ByteBuffer array, int at, int length) {
    byte[] copy = new byte[length];
    array.get(at, copy);
    return copy;
  }

  @ParameterizedTest(name = "capacity {0}")
  @ValueSource(ints = {65_536, 100_000, 1 << 20})
  void keepsTheUnacknowledgedBytesThroughRandomWritesSendsAndAcknowledgements(int capacity) {
    SplittableRandom random = new SplittableRandom(42);
    FrameStore store = new FrameStore(capacity);
    byte[] stream = new byte[48 << 20];
    random.nextBytes(stream);
    long start = 0;
    long end = 0;
    List<Handed> handed = new ArrayList<>();
    int[] writeSizes = {1, 100, 8 * 1024, 65_536, 65_536 + 7, 200_000};
    while (end < stream.length - 300_000) {
      int len = Math.min(writeSizes[random.nextInt(writeSizes.length)], store.free());
      store.append(stream, (int) end, len);
      FrameStore.Slot slot = len == 0 ? null : store.slotStartingAt(end);
      if (slot != null && random.nextBoolean()) {
        int frame = random.nextInt(4) == 0 ? 1 + random.nextInt(slot.length) : slot.length;
        store.writeHeader(slot, frame, false); // sent, whole or in part (a window that closed)
        handed.add(new Handed(slot.array, slot.at, slot.offset + frame,
            bytes(slot.array, slot.at, Wire.DATA_HEADER_BYTES + frame)));
      }
      end += len;
      if (random.nextInt(3) == 0) {
        int acked = random.nextInt((int) (end - start) + 1);
        store.discard(acked);
        start += acked;
      }
      if (random.nextInt(50) == 0 && end == start) {
        store.trimIfEmpty();
      }
      assertEquals(end - start, store.size());
      assertEquals(capacity - (end - start), store.free());
      assertTrue(store.allocated() <= store.allocationBound(),
          store.allocated() + " bytes allocated, bound " + store.allocationBound());
      // A frame handed out stays as it was while any of its bytes await acknowledgement.
      long acknowledged = start;
      handed.removeIf(h -> h.streamEnd() <= acknowledged);
      for (Handed h : handed) {
        assertArrayEquals(h.bytes(), bytes(h.array(), h.at(), h.bytes().length),
            "a frame ending at " + h.streamEnd() + " changed before it was acknowledged");
      }
      int skip = (int) (end - start == 0 ? 0 : random.nextInt((int) (end - start)));
      int len2 = (int) Math.min(end - start - skip, random.nextInt(200_000));
      byte[] peeked = new byte[len2];
      store.peek(skip, peeked, 0, len2);
      assertArrayEquals(
          Arrays.copyOfRange(stream, (int) (start + skip), (int) (start + skip + len2)), peeked,
          "bytes " + (start + skip) + "+" + len2);
    }
  }

  @Test
  void aRockExchangingSmallMessagesKeepsItsSmallFirstArray() {
    FrameStore store = new FrameStore(1 << 20);
    byte[] message = new byte[100];
    int most = 0;
    for (int i = 0; i < 10_000; i++) {
      store.append(message, 0, message.length);
      FrameStore.Slot slot = store.slotStartingAt(i * 100L);
      assertNotNull(slot, "each message starts afresh once the last was acknowledged");
      store.writeHeader(slot, slot.length, false);
      most = Math.max(most, store.allocated());
      store.discard(message.length);
    }
    assertEquals(Wire.DATA_HEADER_BYTES + 8 * 1024, most, "1 MB went through an 8 KiB array");
  }

  @Test
  void framesStartAtSlotsAndMatchACopiedFrame() {
    FrameStore store = new FrameStore(CAPACITY);
    byte[] stream = new byte[300_001];
    new SplittableRandom(7).nextBytes(stream);
    store.append(stream, 0, 1); // a first small write, as an application's header would be
    FrameStore.Slot first = store.slotStartingAt(0);
    assertNotNull(first);
    assertEquals(1, first.length);
    store.writeHeader(first, 1, false);
    assertEquals(false, first.sealed, "a small slot stays open after it was sent");
    store.append(stream, 1, 10); // small writes go on filling it
    assertNull(store.slotStartingAt(1), "inside the first slot");
    assertEquals(11, store.slotEnd(1));
    store.writeHeader(first, 11, false);
    store.append(stream, 11, stream.length - 11); // a large write after it starts a slot
    long offset = 11;
    List<Long> starts = new ArrayList<>();
    while (offset < stream.length) {
      FrameStore.Slot slot = store.slotStartingAt(offset);
      assertNotNull(slot, "a slot starts where the previous ends: " + offset);
      boolean ackRequested = starts.size() == 1;
      store.writeHeader(slot, slot.length, ackRequested);
      assertEquals(slot.length >= FrameStore.SEAL_BYTES, slot.sealed);
      FrameWriter copied = new FrameWriter();
      int body = copied.dataFrame(offset, slot.length, ackRequested);
      System.arraycopy(stream, (int) offset, copied.buffer(), body, slot.length);
      assertArrayEquals(
          Arrays.copyOf(copied.buffer(), copied.size()),
          bytes(slot.array, slot.at, Wire.DATA_HEADER_BYTES + slot.length),
          "frame at " + offset);
      starts.add(offset);
      offset = slot.end();
    }
    // The first array holds the small slot and four more; the last is cut where the array ends.
    assertEquals(List.of(11L, 65_547L, 131_083L, 196_619L, 262_131L), starts);
    // After a sealed slot, new bytes start a new slot.
    store.discard(200_000);
    store.append(new byte[] {9}, 0, 1);
    FrameStore.Slot last = store.slotStartingAt(stream.length);
    assertNotNull(last);
    assertEquals(1, last.length);
    assertEquals(stream.length + 1 - 200_000, store.size());
    assertThrows(IndexOutOfBoundsException.class, () -> store.peek(0, new byte[1], 0, stream.length));
    assertThrows(IllegalStateException.class, () -> store.append(new byte[CAPACITY], 0, CAPACITY));
  }

  @Test
  void smallBytesStayOnTheHeapAndBulkBytesAreKeptOffIt() {
    FrameStore store = new FrameStore(CAPACITY);
    store.append(new byte[100], 0, 100);
    assertTrue(store.slotStartingAt(0).array.hasArray(), "a small first array is a heap array");
    store.append(new byte[FrameStore.FRAME], 0, FrameStore.FRAME);
    FrameStore.Slot bulk = store.slotStartingAt(store.slotEnd(0));
    assertTrue(bulk.array.isDirect(), "bulk bytes go to a direct array the channel writes from");
  }

  /**
   * A batch of an ACK, six DATA frames kept in the store (four in one array, two in the next) and
   * a FIN, as a rock's sender makes it; with the stream it carries and its DATA frames' offsets and
   * lengths.
   */
  private record Mixed(byte[] stream, List<long[]> expected, FrameWriter batch) {
    /** The batch of 5 frames and 123 bytes of random bytes from {@code seed}. */
    static Mixed of(long seed) {
      byte[] stream = new byte[5 * FrameStore.FRAME + 123];
      new SplittableRandom(seed).nextBytes(stream);
      List<long[]> expected = new ArrayList<>();
      return new Mixed(stream, expected, mixedBatch(stream, expected));
    }
  }

  /** Builds {@link Mixed}'s batch of {@code stream}, adding each DATA frame to {@code expected}. */
  private static FrameWriter mixedBatch(byte[] stream, List<long[]> expected) {
    FrameStore store = new FrameStore(CAPACITY);
    for (int off = 0; off < stream.length; off += FrameStore.FRAME) {
      int len = Math.min(FrameStore.FRAME, stream.length - off);
      store.append(stream, off, len);
      store.writeHeader(store.slotStartingAt(off), len, false); // sent as written: sealed
    }
    FrameWriter batch = new FrameWriter();
    batch.ack(5, 1 << 20, false);
    for (long offset = 0; offset < stream.length; ) {
      FrameStore.Slot slot = store.slotStartingAt(offset);
      store.writeHeader(slot, slot.length, false);
      batch.dataFrom(slot.array, slot.at, Wire.DATA_HEADER_BYTES + slot.length);
      expected.add(new long[] {offset, slot.length});
      offset = slot.end();
    }
    batch.fin(stream.length);
    return batch;
  }

  /** Decodes a written batch and checks its frames and payload. */
  private static void assertDecodes(byte[] written, Mixed mixed) throws IOException {
    List<long[]> expected = mixed.expected();
    byte[] stream = mixed.stream();
    FrameReader reader = new FrameReader(new ByteArrayInputStream(written));
    assertEquals(Wire.ACK, reader.nextFrame());
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    for (long[] frame : expected) {
      assertEquals(Wire.DATA, reader.nextFrame());
      assertEquals(frame[0], reader.offset);
      assertEquals(frame[1], reader.length);
      payload.write(reader.buffer(), reader.bodyStart, reader.length);
    }
    assertEquals(Wire.FIN, reader.nextFrame());
    assertArrayEquals(stream, payload.toByteArray());
  }

  @Test
  void aBatchMixingBufferedAndKeptFramesGoesToAChannelInOrderFromTheStore() throws IOException {
    Mixed mixed = Mixed.of(3);
    FrameWriter batch = mixed.batch();
    int total = batch.size();
    RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);
    batch.flushTo(channel);
    assertEquals(0, batch.size(), "emptied");
    assertEquals(total, channel.bytes.size());
    // The ACK; frames 0-3 (one range of one array) in calls of at most MAX_WRITE_BYTES; frames 4
    // and 5 (the next array); the FIN. The ranges are written from the store's direct arrays.
    int max = FrameWriter.MAX_WRITE_BYTES;
    int range1 = 4 * (Wire.DATA_HEADER_BYTES + FrameStore.FRAME);
    int range2 = 2 * Wire.DATA_HEADER_BYTES + FrameStore.FRAME + 123;
    assertEquals(List.of(Wire.ACK_BYTES, max, max, range1 - 2 * max, range2, Wire.FIN_BYTES),
        channel.calls);
    assertEquals(List.of(false, true, true, true, true, false), channel.direct);
    assertDecodes(channel.bytes.toByteArray(), mixed);
  }

  @Test
  void aChannelThatTakesPartOfEachWriteGetsTheWholeBatchInOrder() throws IOException {
    Mixed mixed = Mixed.of(4);
    FrameWriter batch = mixed.batch();
    int total = batch.size();
    RecordingChannel channel = new RecordingChannel(10_000); // a send buffer that keeps filling
    batch.flushTo(channel);
    assertEquals(total, channel.bytes.size());
    assertTrue(channel.calls.stream().allMatch(n -> n <= 10_000), channel.calls.toString());
    assertDecodes(channel.bytes.toByteArray(), mixed);
  }

  @Test
  void aBatchWrittenToAStreamCopiesDirectRangesAndDecodesTheSame() throws IOException {
    Mixed mixed = Mixed.of(3);
    FrameWriter batch = mixed.batch();
    int total = batch.size();
    CountingStream out = new CountingStream();
    batch.flushTo(out);
    assertEquals(0, batch.size(), "emptied");
    // The ACK, each direct range in pieces of at most one frame, then the FIN.
    int frame = Wire.DATA_HEADER_BYTES + FrameStore.FRAME;
    assertEquals(List.of(Wire.ACK_BYTES, frame, frame, frame, frame, frame,
        Wire.DATA_HEADER_BYTES + 123, Wire.FIN_BYTES), out.writes);
    assertEquals(total, out.bytes.size());
    assertDecodes(out.bytes.toByteArray(), mixed);
  }

  /** Records each write: the bytes taken, whether from a direct buffer; takes at most a limit. */
  private static final class RecordingChannel implements WritableByteChannel {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> calls = new ArrayList<>();
    final List<Boolean> direct = new ArrayList<>();
    private final int perCall;

    RecordingChannel(int perCall) {
      this.perCall = perCall;
    }

    @Override
    public int write(ByteBuffer src) {
      byte[] chunk = new byte[Math.min(src.remaining(), perCall)];
      direct.add(src.isDirect());
      src.get(chunk);
      bytes.writeBytes(chunk);
      calls.add(chunk.length);
      return chunk.length;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Records each write call's length. */
  private static final class CountingStream extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> writes = new ArrayList<>();

    @Override
    public void write(int b) {
      bytes.write(b);
      writes.add(1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
      writes.add(len);
    }
  }
}
