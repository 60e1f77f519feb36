package io.rocks.chaos;

import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.testkit.Transfer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One rock of a storm and the application that uses it. Each direction carries three segments of
 * seeded bytes ({@link Transfer}), the first as soon as the rock exists and the others when the
 * parent asks ({@link #request}), then end of stream ({@link #finish}). The connecting side first
 * sends the rock's index (4 bytes, not part of the digest), so the accepting side knows which rock
 * it has and which seeds to send. Both ends keep the SHA-256 of everything they sent and received,
 * and the parent compares them across the two processes.
 *
 * <p>Threads: a virtual thread of the rock's own ({@link #start}) sends the first segment and then
 * reads until end of stream; the command thread's helpers call {@link #request} and {@link #finish};
 * the status and results are read on the command thread. {@link #writing} guards the output: every
 * write happens in {@link #sendDue} under it, one thread at a time, in segment order.
 */
final class StormRock {
  static final int CONNECTOR = 0;
  static final int ACCEPTOR = 1;
  static final int SEGMENTS = 3;
  private static final int HEADER_BYTES = 4;
  /** The application's read buffer: small, as thousands of rocks each read a few KiB. */
  private static final int READ_BUFFER_BYTES = 4096;

  private final RockSocket socket;
  private final int side;
  private final int segmentBytes;
  private final StormTally tally;
  /** The rock's index in the storm; -1 on the accepting side until its header is read. */
  private volatile int index;

  private final ReentrantLock writing = new ReentrantLock();
  /** Guarded by {@link #writing}. */
  private final MessageDigest sentDigest = sha256();
  /** Segments written so far; written under {@link #writing}, read anywhere. */
  private volatile int segmentsWritten;
  /** The highest segment the parent asked for; 1 from the start. */
  private volatile int segmentsRequested = 1;
  private volatile boolean finishRequested;
  /** Set under {@link #writing} once output is shut down; "-" until then. */
  private volatile String sentSha = "-";
  private volatile boolean writeFailed;
  private final AtomicLong sent = new AtomicLong();

  private final AtomicLong received = new AtomicLong();
  /** The digest of everything received, set at end of stream; "-" until then. */
  private volatile String receivedSha = "-";
  private volatile boolean readerDone;
  private volatile int suspensionsAtMark;
  private volatile boolean connectedAtMark;

  StormRock(RockSocket socket, int side, int index, int segmentBytes, StormTally tally) {
    this.socket = socket;
    this.side = side;
    this.index = index;
    this.segmentBytes = segmentBytes;
    this.tally = tally;
  }

  /** Starts the rock's application thread: header (connecting side), first segment, then reads. */
  void start() {
    Thread.ofVirtual().name("storm-rock").start(this::run);
  }

  private void run() {
    try {
      InputStream in = socket.getInputStream();
      if (side == ACCEPTOR) {
        byte[] header = in.readNBytes(HEADER_BYTES);
        if (header.length < HEADER_BYTES) {
          throw new EOFException("end of stream before the rock's index");
        }
        index = ByteBuffer.wrap(header).getInt();
      }
      sendDue();
      receivedSha = Transfer.receive(in, received, READ_BUFFER_BYTES).sha256();
    } catch (IOException | RuntimeException e) {
      tally.problem("read", e);
    } finally {
      readerDone = true;
    }
  }

  /** Asks for segments up to {@code segment} to be sent, after those before it. */
  void request(int segment) {
    if (segment > segmentsRequested) {
      segmentsRequested = segment;
    }
    sendDue();
  }

  /** Asks for end of stream once every requested segment is sent. */
  void finish() {
    finishRequested = true;
    sendDue();
  }

  /**
   * Writes what is due, in order: the header (connecting side), the requested segments, then end
   * of stream if asked. Does nothing on the accepting side before the header arrived (the rock's
   * own thread calls it then). Blocks only while the rock's in-flight buffer is full.
   */
  private void sendDue() {
    writing.lock();
    try {
      if (index < 0 || writeFailed) {
        return;
      }
      OutputStream out = socket.getOutputStream();
      if (segmentsWritten == 0 && side == CONNECTOR) {
        out.write(ByteBuffer.allocate(HEADER_BYTES).putInt(index).array());
      }
      DigestOutputStream digesting = new DigestOutputStream(out, sentDigest);
      while (segmentsWritten < segmentsRequested) {
        int segment = segmentsWritten + 1;
        Transfer.send(digesting, segmentBytes, seed(index, side, segment), segmentBytes, sent);
        segmentsWritten = segment;
      }
      if (finishRequested && segmentsWritten == SEGMENTS && sentSha.equals("-")) {
        socket.shutdownOutput();
        sentSha = HexFormat.of().formatHex(sentDigest.digest());
      }
    } catch (IOException | RuntimeException e) {
      writeFailed = true;
      tally.problem("write", e);
    } finally {
      writing.unlock();
    }
  }

  /** The seed of one segment: distinct for every rock, side and segment. */
  static long seed(int index, int side, int segment) {
    return ((long) index << 8) | ((long) side << 4) | segment;
  }

  RockState state() {
    return socket.rock().state();
  }

  int suspensions() {
    return socket.rock().stats().suspensions();
  }

  /** Remembers the suspension count and state, from which {@link #suspensionsSinceMark} and {@link #recoveredSinceMark} count. */
  void mark() {
    connectedAtMark = state() == RockState.CONNECTED;
    suspensionsAtMark = suspensions();
  }

  int suspensionsSinceMark() {
    return suspensions() - suspensionsAtMark;
  }

  /**
   * Returns true if the rock is connected after being suspended since the mark, or after being
   * suspended (or connecting) at the mark.
   */
  boolean recoveredSinceMark() {
    return state() == RockState.CONNECTED && (!connectedAtMark || suspensionsSinceMark() > 0);
  }

  /** Returns true once the peer's first {@code segments} segments have arrived. */
  boolean hasReceived(int segments) {
    return received.get() >= (long) segments * segmentBytes;
  }

  int segmentsWritten() {
    return segmentsWritten;
  }

  boolean readerDone() {
    return readerDone;
  }

  boolean endOfStream() {
    return !receivedSha.equals("-");
  }

  /** Aborts the rock at the end of a run (linger 0: no orderly close is waited for). */
  void abort() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException ignored) {
      // Ending anyway.
    }
  }

  /**
   * One line of results: {@code rock INDEX STATE SUSPENSIONS SENT_BYTES SENT_SHA RECEIVED_BYTES
   * RECEIVED_SHA}, a digest being "-" until output was shut down or end of stream read.
   */
  String result() {
    return "rock " + index + " " + state() + " " + suspensions() + " " + sent.get() + " " + sentSha + " "
        + received.get() + " " + receivedSha;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
