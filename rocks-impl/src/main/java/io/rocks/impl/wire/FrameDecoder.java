package io.rocks.impl.wire;

import io.rocks.RockProtocolException;

/**
 * Decodes one frame from bytes in an array: a pure function, with no stream, no I/O and no state
 * of its own, so the same code serves the connection's {@code FrameReader} and a simulator that
 * feeds it bytes. {@code docs/PROTOCOL.md} §5 describes the layouts.
 */
public final class FrameDecoder {
  private FrameDecoder() {}

  /**
   * Decodes the frame that starts at {@code pos} in {@code buf}, where the bytes up to {@code
   * limit} are available, into {@code out}. Returns how many bytes the frame took (more than 0);
   * or, if the frame is not complete yet, minus the number of bytes from {@code pos} it needs
   * before it can say more (a header first, then the whole frame). Throws for bytes that are no
   * frame of this protocol, as soon as the header shows it.
   */
  public static int decode(byte[] buf, int pos, int limit, DecodedFrame out) throws RockProtocolException {
    int available = limit - pos;
    if (available < 1) {
      return -1;
    }
    byte frameType = buf[pos];
    switch (frameType) {
      case Wire.DATA, Wire.DATA_ACK -> {
        if (available < Wire.DATA_HEADER_BYTES) {
          return -Wire.DATA_HEADER_BYTES;
        }
        long dataOffset = getLong(buf, pos + 1);
        int dataLength = getInt(buf, pos + 9);
        if (dataLength <= 0 || dataLength > Wire.MAX_DATA_PAYLOAD) {
          throw new RockProtocolException(
              "DATA length " + dataLength + " outside 1.." + Wire.MAX_DATA_PAYLOAD);
        }
        if (dataOffset < 0) {
          throw new RockProtocolException("DATA offset " + dataOffset + " is negative");
        }
        int size = Wire.DATA_HEADER_BYTES + dataLength;
        if (available < size) {
          return -size;
        }
        out.offset = dataOffset;
        out.length = dataLength;
        out.ackRequested = frameType == Wire.DATA_ACK;
        out.bodyStart = pos + Wire.DATA_HEADER_BYTES;
        out.type = Wire.DATA;
        return size;
      }
      case Wire.ACK -> {
        if (available < Wire.ACK_BYTES) {
          return -Wire.ACK_BYTES;
        }
        long received = getLong(buf, pos + 1);
        long windowLimit = getLong(buf, pos + 9);
        if (received < 0 || windowLimit < received) {
          throw new RockProtocolException(
              "ACK received " + received + " window limit " + windowLimit + " are inconsistent");
        }
        out.received = received;
        out.windowLimit = windowLimit;
        out.flags = buf[pos + 17] & 0xff;
        out.type = Wire.ACK;
        return Wire.ACK_BYTES;
      }
      case Wire.FIN -> {
        if (available < Wire.FIN_BYTES) {
          return -Wire.FIN_BYTES;
        }
        long offset = getLong(buf, pos + 1);
        if (offset < 0) {
          throw new RockProtocolException("FIN offset " + offset + " is negative");
        }
        out.offset = offset;
        out.type = Wire.FIN;
        return Wire.FIN_BYTES;
      }
      case Wire.CLOSE -> {
        out.type = Wire.CLOSE;
        return Wire.CLOSE_BYTES;
      }
      case Wire.CONFIRM -> {
        if (available < Wire.CONFIRM_BYTES) {
          return -Wire.CONFIRM_BYTES;
        }
        out.bodyStart = pos + 1;
        out.type = Wire.CONFIRM;
        return Wire.CONFIRM_BYTES;
      }
      case Wire.PACE -> {
        if (available < Wire.PACE_BYTES) {
          return -Wire.PACE_BYTES;
        }
        int millis = getInt(buf, pos + 1);
        if (millis <= 0) {
          throw new RockProtocolException("PACE of " + millis + " ms is not positive");
        }
        out.paceMillis = millis;
        out.type = Wire.PACE;
        return Wire.PACE_BYTES;
      }
      default -> throw new RockProtocolException("unknown frame type " + Wire.typeName(frameType));
    }
  }

  public static int getInt(byte[] buf, int at) {
    return ((buf[at] & 0xff) << 24)
        | ((buf[at + 1] & 0xff) << 16)
        | ((buf[at + 2] & 0xff) << 8)
        | (buf[at + 3] & 0xff);
  }

  public static long getLong(byte[] buf, int at) {
    return ((long) getInt(buf, at) << 32) | (getInt(buf, at + 4) & 0xffffffffL);
  }
}
