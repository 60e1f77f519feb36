package io.rocks.testkit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves seeded pseudo-random bytes through a stream and fingerprints them with SHA-256, so a test
 * can prove that what arrived is exactly what was sent: no byte lost, duplicated or reordered.
 *
 * <p>Each method blocks in stream I/O on the calling thread until it is done.
 */
public final class Transfer {
  private Transfer() {}

  /**
   * What one side sent or received: a byte count and the SHA-256 of those bytes, in hex. Two
   * digests are equal when their counts and hashes are.
   *
   * @param bytes how many bytes were sent or received
   * @param sha256 the SHA-256 of those bytes, as 64 lower-case hexadecimal digits
   */
  public record Digest(long bytes, String sha256) {}

  /**
   * Writes {@code byteCount} bytes generated from {@code seed} in writes of {@code chunkBytes},
   * adding each write to {@code progress}, and returns their digest. Does not close the stream.
   * Each write takes fresh bytes from the generator, so the bytes depend on {@code chunkBytes} as
   * well as on {@code seed}: {@link #expected} needs both to compute the same digest.
   *
   * @param out the stream to write to; it is neither flushed nor closed
   * @param byteCount how many bytes to write
   * @param seed the seed of the pseudo-random bytes
   * @param chunkBytes the length of each write (the last may be shorter); positive
   * @param progress increased by the length of each write once the write has returned
   * @return {@code byteCount} and the SHA-256 of the bytes written
   * @throws IOException if a write fails; the writes before it stay counted in {@code progress}
   */
  public static Digest send(
      OutputStream out, long byteCount, long seed, int chunkBytes, AtomicLong progress)
      throws IOException {
    MessageDigest sha = sha256();
    SplittableRandom random = new SplittableRandom(seed);
    byte[] chunk = new byte[chunkBytes];
    long remaining = byteCount;
    while (remaining > 0) {
      int n = (int) Math.min(chunk.length, remaining);
      random.nextBytes(chunk);
      out.write(chunk, 0, n);
      sha.update(chunk, 0, n);
      remaining -= n;
      progress.addAndGet(n);
    }
    return new Digest(byteCount, HexFormat.of().formatHex(sha.digest()));
  }

  /**
   * Returns the digest {@link #send} computes for the same arguments, without sending: what a
   * receiver of those bytes should get.
   *
   * @param byteCount how many bytes the sender writes
   * @param seed the sender's seed
   * @param chunkBytes the sender's length of each write; positive
   * @return {@code byteCount} and the SHA-256 of the bytes {@link #send} would write
   */
  public static Digest expected(long byteCount, long seed, int chunkBytes) {
    try {
      return send(OutputStream.nullOutputStream(), byteCount, seed, chunkBytes, new AtomicLong());
    } catch (IOException e) {
      throw new AssertionError("the null stream does not fail", e);
    }
  }

  /**
   * Reads until end of stream, adding each read to {@code progress}, and returns the digest of all
   * the bytes read. Reads into a buffer of 64 KiB. Does not close the stream.
   *
   * @param in the stream to read to its end
   * @param progress increased by the length of each read
   * @return how many bytes were read and their SHA-256
   * @throws IOException if a read fails; the reads before it stay counted in {@code progress}
   */
  public static Digest receive(InputStream in, AtomicLong progress) throws IOException {
    return receive(in, progress, 64 * 1024);
  }

  /**
   * As {@link #receive(InputStream, AtomicLong)}, reading into a buffer of {@code bufferBytes}: for
   * thousands of receivers at once, each moving a few KiB.
   *
   * @param in the stream to read to its end
   * @param progress increased by the length of each read
   * @param bufferBytes the length of the read buffer, so the most one read takes; positive
   * @return how many bytes were read and their SHA-256
   * @throws IOException if a read fails; the reads before it stay counted in {@code progress}
   */
  public static Digest receive(InputStream in, AtomicLong progress, int bufferBytes) throws IOException {
    MessageDigest sha = sha256();
    byte[] buf = new byte[bufferBytes];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      sha.update(buf, 0, n);
      total += n;
      progress.addAndGet(n);
    }
    return new Digest(total, HexFormat.of().formatHex(sha.digest()));
  }

  /**
   * Reads exactly {@code byteCount} bytes, adding each read to {@code progress}, and returns their
   * digest; reads nothing beyond them, so the stream stays open for more.
   *
   * @param in the stream to read from; it is not closed
   * @param byteCount how many bytes to read
   * @param progress increased by the length of each read
   * @return {@code byteCount} and the SHA-256 of the bytes read
   * @throws EOFException if the stream ends before {@code byteCount} bytes; its message says how
   *     many arrived
   * @throws IOException if a read fails; the reads before it stay counted in {@code progress}
   */
  public static Digest receiveExactly(InputStream in, long byteCount, AtomicLong progress)
      throws IOException {
    MessageDigest sha = sha256();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    while (total < byteCount) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, byteCount - total));
      if (n < 0) {
        throw new EOFException("the stream ended after " + total + " of " + byteCount + " bytes");
      }
      sha.update(buf, 0, n);
      total += n;
      progress.addAndGet(n);
    }
    return new Digest(total, HexFormat.of().formatHex(sha.digest()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
