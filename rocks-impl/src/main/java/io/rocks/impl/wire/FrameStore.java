package io.rocks.impl.wire;

import java.nio.ByteBuffer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The in-flight buffer: the bytes the application wrote that the peer has not acknowledged yet,
 * kept for retransmission, laid out so that most DATA frames are written to the socket from where
 * they are kept, without a copy into a frame buffer.
 *
 * <p>Bytes are kept in slots of at most {@link #FRAME} bytes of the stream, one after another in
 * arrays of up to {@link #FRAMES} slots, each slot's bytes with room for a DATA header in front:
 * {@code [header][bytes][header][bytes]...}. A DATA frame that starts where a slot starts gets its
 * header written into that room ({@link #writeHeader}) and is written to the socket from the array;
 * whole slots that follow one another in an array form one contiguous range, which the frame writer
 * sends in one write call ({@link FrameWriter#dataFrom}). A slot that was sent whole and holds at
 * least {@link #SEAL_BYTES} is sealed: later bytes start a new slot, so the next frame starts at a
 * slot's start too; a smaller one takes later small writes (so that a stream of tiny writes does
 * not make a slot each), but a write of {@link #SEAL_BYTES} or more starts a new one. A bulk
 * transfer is therefore sent entirely from here. A frame that starts inside
 * a slot (after small writes, when the window opened part way, when retransmission starts at the
 * peer's count) is copied into the frame buffer ({@link #peek}) and ends where its slot ends, so the
 * frame after it starts a slot again.
 *
 * <p>Allocates only as it fills: the first array holds {@link #FIRST_ARRAY_BYTES} on the Java heap,
 * then arrays of up to {@link #FRAMES} whole slots (fewer if the capacity is smaller) in direct
 * memory, so a rock that writes little holds little, and bulk data is copied in once and written to
 * the socket channel from there without the copy into a direct buffer the JDK makes for a heap
 * array ({@link FrameWriter#flushTo(Connection)}). When everything kept was acknowledged the store
 * starts afresh; every array no slot uses any more is kept for reuse, so neither bulk data nor small
 * messages make new arrays as they flow (a direct array costs a system call and page faults). An
 * empty store gives everything back ({@link #trimIfEmpty}). It holds at most the capacity's bytes
 * plus their headers, in one array more than they fill ({@link #allocationBound}: 1.5 MiB for the
 * default capacity of 1 MiB). If the JVM's direct memory runs out, arrays are made on the heap.
 *
 * <p>Not thread-safe: every call is made under the owning rock's lock. The one exception is the
 * array range of a frame {@link #writeHeader} prepared: the thread holding the rock's send lock
 * writes it to the socket after releasing the rock's lock. That range does not change meanwhile:
 * appends go after it, an array that grows is copied into a new one (the old one stays as it was),
 * and an array is reused only once the peer acknowledged all of it. The peer cannot acknowledge
 * bytes that are being written to it for the first time; it can acknowledge retransmitted ones (it
 * may have received them on the old connection after it told its count in the resume), so the
 * sender copies retransmitted frames instead of writing them from here ({@code RealRock}'s {@code
 * RockSession.fill}). A connection that was replaced may still be writing; its peer no longer reads it.
 */
public final class FrameStore {
  private static final Logger log = LogManager.getLogger(FrameStore.class);
  /** Set once direct memory ran out, so that is logged once; racy by design (a second log). */
  private static volatile boolean directMemoryWarned;
  /** The most stream bytes a slot holds: the largest DATA payload. */
  public static final int FRAME = Wire.MAX_DATA_PAYLOAD;
  /** Room in front of each slot's bytes for its DATA header. */
  static final int HEADER = Wire.DATA_HEADER_BYTES;
  /** Whole slots per array: as many frames as a sender writes in one batch. */
  public static final int FRAMES = 4;
  /** A slot sent whole is sealed once it holds this much, so the next frame starts a slot. */
  static final int SEAL_BYTES = 4 * 1024;
  private static final int FIRST_ARRAY_BYTES = HEADER + 8 * 1024;

  /** Where a slot's header goes and which stream bytes follow it. */
  public static final class Slot {
    public ByteBuffer array;
    /** Index of the header in {@link #array}; the bytes follow it. */
    public int at;
    /** Stream offset of the first byte. */
    long offset;
    int length;
    /** No byte is added to a sealed slot. */
    boolean sealed;
    /** True if a frame took all of this slot's bytes and none was added since. */
    boolean sentWhole;

    public long end() {
      return offset + length;
    }
  }

  private final int capacity;
  /** Bytes of a whole array: up to {@link #FRAMES} whole slots, no more than the capacity needs. */
  private final int arrayBytes;
  /** The slots, oldest first, in a ring: slot i is {@code ring[(head + i) % ring.length]}. */
  private Slot[] ring = new Slot[8];
  private int head;
  private int count;
  /** Stream offset of the first byte kept (everything before it was acknowledged). */
  private long start;
  /** Stream offset just after the last byte kept. */
  private long end;
  /**
   * Whole arrays no slot uses any more, kept for the next ones. Every one is kept (a new array is
   * made only when none is spare, so the arrays in use and kept never outnumber the most ever in
   * use at once): a direct array costs a system call to allocate and page faults to fill.
   */
  private ByteBuffer[] spares = new ByteBuffer[4]; // grows as more arrays are freed at once
  private int spareCount;
  /** The small first array, once no slot uses it, kept for the next small bytes. */
  private ByteBuffer spareSmall;

  public FrameStore(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity " + capacity);
    }
    this.capacity = capacity;
    int slots = (int) Math.min(FRAMES, (capacity + (long) FRAME - 1) / FRAME);
    this.arrayBytes = Math.max(FIRST_ARRAY_BYTES, slots * (HEADER + FRAME));
  }

  /**
   * The most bytes the store allocates, whatever is written: the capacity's bytes and their headers
   * (a slot under {@link #SEAL_BYTES} is followed by a larger one, so at most two slots per {@link
   * #SEAL_BYTES}, plus one cut short at each array's end), in one array more than they fill (the
   * first partly acknowledged, the last partly filled). Arrays kept for reuse count among them: a
   * new one is made only when none is kept.
   */
  public long allocationBound() {
    long headers = (long) HEADER * (2L * capacity / SEAL_BYTES + 16);
    long arrays = (capacity + headers + arrayBytes - 1) / arrayBytes + 1;
    return arrays * arrayBytes + FIRST_ARRAY_BYTES;
  }

  public int size() {
    return (int) (end - start);
  }

  public int free() {
    return capacity - size();
  }

  public int capacity() {
    return capacity;
  }

  /** Returns the bytes currently allocated, for memory accounting. */
  public int allocated() {
    int total = spareSmall == null ? 0 : spareSmall.capacity();
    for (int i = 0; i < spareCount; i++) {
      total += spares[i].capacity();
    }
    ByteBuffer previous = null;
    for (int i = 0; i < count; i++) {
      ByteBuffer array = slot(i).array;
      if (array != previous) {
        total += array.capacity();
        previous = array;
      }
    }
    return total;
  }

  /** Appends {@code len} bytes; the caller ensures {@code len <= free()}. */
  public void append(byte[] src, int off, int len) {
    if (len > free()) {
      throw new IllegalStateException("in-flight buffer overflow: " + len + " > " + free());
    }
    while (len > 0) {
      Slot tail = count == 0 ? null : slot(count - 1);
      if (tail == null
          || tail.sealed
          || tail.length == FRAME
          || (tail.sentWhole && len >= SEAL_BYTES)) { // a large write after a small slot went out
        tail = openSlot(tail, len);
      }
      tail.sentWhole = false;
      int room = tail.array.capacity() - (tail.at + HEADER + tail.length);
      if (room == 0) {
        if (tail.array.capacity() < arrayBytes) {
          grow(tail.array);
        } else {
          tail.sealed = true; // its array is full: the next bytes start a slot in a new one
        }
        continue;
      }
      int n = Math.min(len, Math.min(FRAME - tail.length, room));
      tail.array.put(tail.at + HEADER + tail.length, src, off, n);
      tail.length += n;
      end += n;
      off += n;
      len -= n;
    }
  }

  /** Copies {@code len} bytes starting {@code skip} bytes after the first kept byte. */
  public void peek(int skip, byte[] dst, int off, int len) {
    if (skip < 0 || len < 0 || (long) skip + len > size()) {
      throw new IndexOutOfBoundsException("peek " + skip + "+" + len + " of " + size());
    }
    long offset = start + skip;
    int i = indexOf(offset);
    while (len > 0) {
      Slot slot = slot(i++);
      int from = (int) (offset - slot.offset);
      int n = Math.min(len, slot.length - from);
      slot.array.get(slot.at + HEADER + from, dst, off, n);
      offset += n;
      off += n;
      len -= n;
    }
  }

  /** Returns the slot that starts at stream offset {@code offset}, or null if none does. */
  public Slot slotStartingAt(long offset) {
    if (offset < start || offset >= end) {
      return null;
    }
    Slot slot = slot(indexOf(offset));
    return slot.offset == offset ? slot : null;
  }

  /** Returns the stream offset where the slot holding the kept byte at {@code offset} ends. */
  public long slotEnd(long offset) {
    return slot(indexOf(offset)).end();
  }

  /**
   * Writes into {@code slot} the header of the DATA frame of its first {@code length} bytes (a
   * DATA_ACK frame if {@code requestAck}), which is then the {@link #HEADER} + {@code length}
   * bytes at {@code slot.at} of {@code slot.array}. Seals the slot if the frame takes all of it
   * and it holds at least {@link #SEAL_BYTES}.
   */
  public void writeHeader(Slot slot, int length, boolean requestAck) {
    ByteBuffer array = slot.array; // big-endian, as the wire is
    int at = slot.at;
    array.put(at, requestAck ? Wire.DATA_ACK : Wire.DATA);
    array.putLong(at + 1, slot.offset);
    array.putInt(at + 9, length);
    if (length == slot.length) {
      slot.sentWhole = true;
      slot.sealed |= length >= SEAL_BYTES;
    }
  }

  /** Removes {@code bytes} bytes from the front (the peer acknowledged them). */
  public void discard(int bytes) {
    if (bytes < 0 || bytes > size()) {
      throw new IndexOutOfBoundsException("discard " + bytes + " of " + size());
    }
    start += bytes;
    if (start == end && count > 0) {
      // Everything acknowledged: start afresh at the front of the last array, whatever its size,
      // so a rock that exchanges small messages keeps reusing its small first array.
      ByteBuffer last = slot(count - 1).array;
      ByteBuffer previous = null;
      for (int i = 0; i < count; i++) {
        ByteBuffer array = slot(i).array;
        if (array != previous && array != last) {
          keep(array);
        }
        previous = array;
      }
      keep(last); // taken first
      java.util.Arrays.fill(ring, null);
      head = 0;
      count = 0;
      return;
    }
    while (count > 0 && slot(0).end() <= start) {
      Slot dropped = slot(0);
      ring[head] = null;
      head = (head + 1) % ring.length;
      count--;
      boolean arrayUsed = count > 0 && slot(0).array == dropped.array;
      if (!arrayUsed) {
        keep(dropped.array);
      }
    }
  }

  /** Gives the memory back if nothing is kept; it is allocated again when bytes come. */
  public void trimIfEmpty() {
    if (size() == 0) {
      java.util.Arrays.fill(ring, null);
      head = 0;
      count = 0;
      java.util.Arrays.fill(spares, null);
      spareCount = 0;
      spareSmall = null;
    }
  }

  /** Keeps an array no slot uses any more for reuse, if there is room for it. */
  private void keep(ByteBuffer array) {
    if (array.capacity() == arrayBytes) {
      if (spareCount == spares.length) {
        spares = java.util.Arrays.copyOf(spares, spareCount * 2);
      }
      spares[spareCount++] = array;
    } else if (array.capacity() == FIRST_ARRAY_BYTES && array.capacity() != arrayBytes) {
      spareSmall = array;
    }
  }

  /**
   * Adds a slot after {@code previous} (null if there is none): in its array if there is room,
   * else in a kept or new array fit for {@code len} more bytes (a small one for a few bytes).
   */
  private Slot openSlot(Slot previous, int len) {
    Slot slot = new Slot();
    slot.offset = end;
    if (previous != null) {
      int next = previous.at + HEADER + previous.length;
      if (previous.array.capacity() - next > HEADER) {
        slot.array = previous.array;
        slot.at = next;
      }
    }
    if (slot.array == null) {
      boolean small = count == 0 && len <= FIRST_ARRAY_BYTES - HEADER;
      if (small && spareSmall != null) {
        slot.array = spareSmall;
        spareSmall = null;
      } else if (small && spareCount == 0) {
        slot.array = allocate(FIRST_ARRAY_BYTES);
      } else {
        slot.array = wholeArray();
      }
      slot.at = 0;
    }
    if (count == ring.length) {
      Slot[] grown = new Slot[ring.length * 2];
      for (int i = 0; i < count; i++) {
        grown[i] = slot(i);
      }
      ring = grown;
      head = 0;
    }
    ring[(head + count) % ring.length] = slot;
    count++;
    return slot;
  }

  /** Replaces a full small array with a whole one holding the same bytes at the same places. */
  private void grow(ByteBuffer small) {
    ByteBuffer grown = wholeArray();
    grown.put(0, small, 0, small.capacity());
    for (int i = count - 1; i >= 0 && slot(i).array == small; i--) {
      slot(i).array = grown;
    }
  }

  /** Returns a whole array: one kept for reuse if there is one, else a new one. */
  private ByteBuffer wholeArray() {
    if (spareCount == 0) {
      return allocate(arrayBytes);
    }
    ByteBuffer array = spares[--spareCount];
    spares[spareCount] = null;
    return array;
  }

  /**
   * Allocates an array: on the Java heap if it is the small first one, so that rocks exchanging
   * small messages hold only heap memory; off the heap (direct) otherwise, so the socket channel
   * writes bulk data from it without copying it into a direct buffer of its own first.
   */
  private ByteBuffer allocate(int bytes) {
    if (bytes == FIRST_ARRAY_BYTES && bytes != arrayBytes) {
      return ByteBuffer.allocate(bytes);
    }
    try {
      return ByteBuffer.allocateDirect(bytes);
    } catch (OutOfMemoryError e) {
      // The JVM's limit on direct memory (-XX:MaxDirectMemorySize) is reached, even after the
      // collection the JDK runs first: keep the bytes on the heap, which the channel copies from.
      if (!directMemoryWarned) {
        directMemoryWarned = true;
        log.warn("direct memory exhausted ({}); in-flight buffers fall back to the heap", e.getMessage());
      }
      return ByteBuffer.allocate(bytes);
    }
  }

  private Slot slot(int i) {
    return ring[(head + i) % ring.length];
  }

  /** Returns the index of the slot holding the kept byte at {@code offset}. */
  private int indexOf(long offset) {
    int low = 0;
    int high = count - 1;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (slot(mid).offset <= offset) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }
}
