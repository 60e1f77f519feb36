package io.rocks.impl.core;

/**
 * A bounded ring of bytes that allocates only as it fills: it starts empty and doubles up to its
 * capacity, so an idle rock holds no buffer at all.
 *
 * <p>Not thread-safe: every call is made under the owning rock's lock.
 */
public final class ByteRing {
  private static final byte[] EMPTY = new byte[0];
  private static final int FIRST_ALLOCATION_BYTES = 8 * 1024;

  private final int capacity;
  private byte[] buf = EMPTY;
  private int head;
  private int size;

  ByteRing(int capacity) {
    this.capacity = capacity;
  }

  int size() {
    return size;
  }

  int free() {
    return capacity - size;
  }

  int capacity() {
    return capacity;
  }

  /** Returns the bytes currently allocated, for memory accounting. */
  int allocated() {
    return buf.length;
  }

  /** Appends {@code len} bytes; the caller ensures {@code len <= free()}. */
  void append(byte[] src, int off, int len) {
    if (len > free()) {
      throw new IllegalStateException("ring overflow: " + len + " > " + free());
    }
    grow(size + len);
    int tail = (head + size) % buf.length;
    int first = Math.min(len, buf.length - tail);
    System.arraycopy(src, off, buf, tail, first);
    System.arraycopy(src, off + first, buf, 0, len - first);
    size += len;
  }

  /** Copies {@code len} bytes starting {@code skip} bytes after the head, without removing them. */
  void peek(int skip, byte[] dst, int off, int len) {
    if (skip < 0 || len < 0 || skip + len > size) {
      throw new IndexOutOfBoundsException("peek " + skip + "+" + len + " of " + size);
    }
    int start = (head + skip) % Math.max(1, buf.length);
    int first = Math.min(len, buf.length - start);
    System.arraycopy(buf, start, dst, off, first);
    System.arraycopy(buf, 0, dst, off + first, len - first);
  }

  /** Removes {@code count} bytes from the head. */
  void discard(int count) {
    if (count < 0 || count > size) {
      throw new IndexOutOfBoundsException("discard " + count + " of " + size);
    }
    size -= count;
    head = size == 0 ? 0 : (head + count) % buf.length;
  }

  /** Gives the memory back if the ring is empty; it grows again when bytes come. */
  void trimIfEmpty() {
    if (size == 0) {
      buf = EMPTY;
      head = 0;
    }
  }

  private void grow(int needed) {
    if (needed <= buf.length) {
      return;
    }
    long length = Math.max(buf.length * 2L, FIRST_ALLOCATION_BYTES);
    while (length < needed) {
      length *= 2; // long: doubling past 1 GiB must not overflow
    }
    length = Math.min(length, capacity);
    byte[] grown = new byte[(int) length];
    if (size > 0) {
      peek(0, grown, 0, size);
    }
    buf = grown;
    head = 0;
  }
}
