package example;

import java.util.SplittableRandom;

/** The bytes the file server serves: 64 KiB blocks from a seeded generator. */
public final class Payload {
  /** The size of a block; payloads are whole blocks. */
  public static final int BLOCK = 65536;

  private final SplittableRandom random;

  public Payload(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Fills {@code block} (of {@link #BLOCK} bytes) with the next block. */
  public void next(byte[] block) {
    random.nextBytes(block);
  }
}
