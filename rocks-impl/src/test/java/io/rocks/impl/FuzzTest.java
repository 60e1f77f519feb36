package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockProtocolException;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded mutation fuzzing of the frame decoder and the handshake parser: valid messages are
 * mutated (bit flips, byte changes, insertions, deletions, truncation, splices, extreme length
 * fields) and decoded. The only acceptable outcomes are a decoded message, a {@link
 * RockProtocolException} or the end of input; anything else fails with the seed and input number,
 * so a failure reproduces with {@code -Drocks.fuzz.seed}.
 */
public class FuzzTest {
  private static final int INPUTS = 60_000;

  @Test
  @Timeout(120)
  void frameDecoderSurvivesMutatedFrames() throws IOException {
    long seed = Long.getLong("rocks.fuzz.seed", 20261127L);
    System.out.println("frame fuzz seed " + seed + ", " + INPUTS + " inputs");
    SplittableRandom random = new SplittableRandom(seed);
    long decoded = 0;
    for (int i = 0; i < INPUTS; i++) {
      byte[] input = mutate(AdversarialTest.validFrames(random), random);
      FrameReader reader = new FrameReader(new ByteArrayInputStream(input));
      try {
        while (true) {
          reader.nextFrame();
          decoded++;
          if (reader.type == Wire.DATA) {
            assertTrue(reader.length >= 1 && reader.length <= Wire.MAX_DATA_PAYLOAD);
            assertTrue(reader.bodyStart + reader.length <= reader.buffer().length);
          }
        }
      } catch (RockProtocolException | EOFException expected) {
        // the two acceptable ends
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + seed + " input " + i + ": " + e, e);
      }
    }
    System.out.println("frame fuzz: " + decoded + " frames decoded from " + INPUTS + " mutated streams");
  }

  @Test
  @Timeout(120)
  void handshakeParserSurvivesMutatedMessages() throws IOException {
    long seed = Long.getLong("rocks.fuzz.seed", 20261127L) + 1;
    System.out.println("handshake fuzz seed " + seed + ", " + INPUTS + " inputs");
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < INPUTS; i++) {
      byte[] input = mutate(validHandshake(random), random);
      FrameReader reader = new FrameReader(new ByteArrayInputStream(input));
      try {
        byte type = reader.nextHandshake();
        switch (type) {
          case Wire.HELLO -> Handshake.readHello(reader);
          case Wire.REJECT -> reader.rejectMessage();
          default -> reader.bodyBytes(0, Wire.handshakeBodyBytes(type));
        }
      } catch (RockProtocolException | EOFException expected) {
        // the two acceptable ends
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + seed + " input " + i + ": " + e, e);
      }
    }
  }

  private static byte[] validHandshake(SplittableRandom random) throws IOException {
    byte[] types = {Wire.HELLO, Wire.WELCOME, Wire.RESUME, Wire.CHALLENGE, Wire.PROOF};
    FrameWriter f = new FrameWriter();
    if (random.nextInt(6) == 0) {
      f.reject((byte) random.nextInt(1, 6), "reason " + random.nextInt());
    } else {
      byte type = types[random.nextInt(types.length)];
      f.handshakeHeader(type);
      byte[] body = new byte[Wire.handshakeBodyBytes(type)];
      random.nextBytes(body);
      f.putBytes(body, 0, body.length);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    f.flushTo(out);
    return out.toByteArray();
  }

  /** Returns a mutated copy of {@code input}: one to four random edits. */
  static byte[] mutate(byte[] input, SplittableRandom random) {
    byte[] data = input.clone();
    int edits = random.nextInt(1, 5);
    for (int e = 0; e < edits && data.length > 0; e++) {
      int at = random.nextInt(data.length);
      switch (random.nextInt(7)) {
        case 0 -> data[at] ^= (byte) (1 << random.nextInt(8)); // bit flip
        case 1 -> data[at] = (byte) random.nextInt(256); // byte change
        case 2 -> data = java.util.Arrays.copyOf(data, at); // truncation
        case 3 -> { // deletion
          byte[] shorter = new byte[data.length - 1];
          System.arraycopy(data, 0, shorter, 0, at);
          System.arraycopy(data, at + 1, shorter, at, data.length - at - 1);
          data = shorter;
        }
        case 4 -> { // insertion
          byte[] longer = new byte[data.length + 1];
          System.arraycopy(data, 0, longer, 0, at);
          longer[at] = (byte) random.nextInt(256);
          System.arraycopy(data, at, longer, at + 1, data.length - at);
          data = longer;
        }
        case 5 -> { // extreme 32-bit field
          if (at + 4 <= data.length) {
            int value = switch (random.nextInt(4)) {
              case 0 -> Integer.MAX_VALUE;
              case 1 -> Integer.MIN_VALUE;
              case 2 -> -1;
              default -> Wire.MAX_DATA_PAYLOAD + 1;
            };
            data[at] = (byte) (value >>> 24);
            data[at + 1] = (byte) (value >>> 16);
            data[at + 2] = (byte) (value >>> 8);
            data[at + 3] = (byte) value;
          }
        }
        default -> { // splice: repeat a slice
          int length = random.nextInt(1, Math.min(64, data.length - at) + 1);
          byte[] longer = new byte[data.length + length];
          System.arraycopy(data, 0, longer, 0, at + length);
          System.arraycopy(data, at, longer, at + length, data.length - at);
          data = longer;
        }
      }
    }
    return data;
  }
}
