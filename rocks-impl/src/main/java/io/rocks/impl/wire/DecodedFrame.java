package io.rocks.impl.wire;

/**
 * The fields of the last frame {@link FrameDecoder} decoded; which ones are set depends on {@link
 * #type}. Payloads and bodies are not copied: they stay in the buffer the frame was decoded from,
 * at {@link #bodyStart}, valid until that buffer is reused.
 */
public class DecodedFrame {
  /** The frame type: {@link Wire#DATA} (also for DATA_ACK), ACK, FIN, CLOSE, CONFIRM or PACE. */
  public byte type;
  /** DATA: where its payload starts in the stream; FIN: where the stream ends. */
  public long offset;
  /** DATA: payload length; handshake messages: body length. */
  public int length;
  /** ACK: how many bytes of our stream the peer holds. */
  public long received;
  /** ACK: the peer's window limit. */
  public long windowLimit;
  /** ACK: flags ({@link Wire#ACK_FLAG_FIN_RECEIVED}, {@link Wire#ACK_FLAG_WELCOMED}). */
  public int flags;
  /** DATA: true if the frame was a DATA_ACK, asking for an acknowledgement at once. */
  public boolean ackRequested;
  /** PACE: the peer's heartbeat interval from now on, in milliseconds. */
  public int paceMillis;
  /** Where the DATA payload, CONFIRM tag or handshake body starts in the decoded buffer. */
  public int bodyStart;
}
