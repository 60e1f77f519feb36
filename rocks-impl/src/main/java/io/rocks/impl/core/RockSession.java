package io.rocks.impl.core;

import io.rocks.RockProtocolException;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.wire.FrameStore;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;

/**
 * One rock's byte streams and the frames that carry them, without sockets, threads, locks or a
 * clock: the protocol core that a {@code RealRock} drives. It takes decoded frames ({@link
 * #onData}, {@link #onAck}, {@link #onFin}, {@link #onClose}, {@link #onConfirm}), the
 * application's reads and writes ({@link #readBuffered}, {@link #buffer}), a new connection with
 * the peer's counts ({@link #attach}) and the ends of the streams ({@link #shutdownOutput}, {@link
 * #shutdownInput}, {@link #close}); it gives frames to send ({@link #fill}) and tells its driver
 * whom to wake ({@link #takeWakeups}). A simulator drives two of them against each other without
 * any network ({@code RockSessionSimulator} in the tests).
 *
 * <p>Byte accounting, per direction, in absolute 64-bit stream offsets:
 *
 * <pre>
 *  sending:   acked <= sent <= highestSent <= written    in-flight buffer holds [acked, written)
 *  receiving: consumed <= received                       receive buffer holds [consumed, received)
 * </pre>
 *
 * The peer may send up to the window limit this side advertised last ({@code consumed +
 * receiveCapacity()} when it was sent). {@code sent} goes back to what the peer holds when a new
 * connection is attached: the bytes after it are retransmitted.
 *
 * <p>Not thread-safe: its driver calls it under one lock (the rock's), and does all I/O outside
 * that lock. No method blocks, reads a clock or does I/O.
 */
public final class RockSession {
  /** Wake-up: bytes, or the end of input, for the application's readers. */
  public static final int WAKE_READERS = 1;
  /** Wake-up: space in the in-flight buffer, or the end of output, for the application's writers. */
  public static final int WAKE_WRITERS = 1 << 1;
  /** Wake-up: frames are due on the connection. */
  public static final int WAKE_SENDER = 1 << 2;
  /**
   * Wake-up: frames are due, unless an application writer was woken by {@link #WAKE_WRITERS} for
   * the same change; it sends them from its own thread.
   */
  public static final int WAKE_SENDER_UNLESS_WRITERS = 1 << 3;
  /** Wake-up: the rock's state or confirmation changed, for whoever waits on it. */
  public static final int WAKE_STATE = 1 << 4;
  /**
   * Wake-up: the session's next deadline may have come closer (idle mode ended, or the peer
   * announced a new pace): its driver looks at the session's timers again now.
   */
  public static final int WAKE_TIMER = 1 << 5;

  final Role role;
  /** Heartbeats, silence limits and idle mode. */
  public final Liveness liveness;

  private int wakeups;

  // ---- sending
  private final FrameStore inFlight;
  /** Windows that grow with the path; null when their sizes are fixed. */
  private final WindowTuning tuning;
  private long acked;
  private long sent;
  private long highestSent;
  private long written;
  private long peerWindowLimit = Wire.INITIAL_WINDOW;
  /** True once a DATA frame asked the peer for an acknowledgement, until one frees bytes. */
  private boolean ackRequested;
  /** Offset of our FIN once output is shut down, else -1. */
  private long finAt = -1;
  private boolean finSentOnConnection;
  private boolean finAcked;
  /**
   * True once CLOSE was put in a batch. The batch may still be being written: whoever ends the
   * rock closes the connection only after that write ({@code RealRock}).
   */
  private boolean closeSent;
  private long retransmitted;
  /** Bytes before this offset that are sent again after an attach count as retransmitted. */
  private long retransmitUntil;

  // ---- receiving
  private final ByteRing inRing;
  private long received;
  private long consumed;
  /** Offset of the peer's FIN once received, else -1. */
  private long peerFinAt = -1;
  private boolean peerClosed;
  /** What the last ACK sent on this connection acknowledged; -1 before the first. */
  private long ackSentReceived = -1;
  /** True when the peer's DATA_ACK asked for an acknowledgement not yet sent. */
  private boolean peerWantsAck;
  /** True when the peer's ACK asked for an echo not yet sent ({@link Wire#ACK_FLAG_ECHO_REQUEST}). */
  private boolean echoReplyDue;
  private long advertisedLimit = Wire.INITIAL_WINDOW;
  /** True once an ACK of the peer's FIN was put in a batch (see {@link #closeSent}). */
  private boolean finAckSent;
  /**
   * The window limit the ACK sent along with WELCOME advertised (accepting side, until the first
   * connection is attached), else -1: that connection then needs no ACK of its own at first.
   */
  private long welcomeAdvertised = -1;
  /**
   * Accepting side: when WELCOME went out; while {@link #handshakeTimed}, the connector's first
   * ACK with {@link Wire#ACK_FLAG_WELCOMED} makes the time between a round-trip sample.
   */
  private long welcomeSentAtNanos;
  /**
   * True while this side's handshake round-trip sample is still to come: on the connecting side
   * from the start until WELCOME is read, on the accepting side from WELCOME until the connector's
   * first ACK with {@link Wire#ACK_FLAG_WELCOMED}; never after a resume. Meanwhile no echo is
   * asked: it would cost the peer an ACK of its own and measure nothing the handshake does not, on
   * every new rock.
   */
  private boolean handshakeTimed;
  /**
   * While an application thread in {@code read} applies a frame it read itself: where that frame's
   * bytes go first, straight from the frame instead of through the receive buffer; null otherwise.
   */
  private byte[] directDst;
  private int directOff;
  private int directLen;
  /** How many bytes the last DATA frame put at {@link #directDst}. */
  private int directDelivered;

  // ---- establishment
  /** True once the rock has a key, computed or pending: it can resume and send. */
  private boolean keyed;
  /**
   * True once the peer proved it derived the same key with its CONFIRM frame (or, on the accepting
   * side, by a verified resume); from the start without a pre-shared secret, where there is
   * nothing to prove. Until then the accepting side's receive window stays at {@link
   * Wire#INITIAL_WINDOW}, so an unproven peer cannot make it buffer more.
   */
  private boolean confirmed;
  /**
   * Accepting side: true once the connector showed that it read WELCOME, so it can resume: an ACK
   * with {@link Wire#ACK_FLAG_WELCOMED}, a verified CONFIRM or a verified resume.
   */
  private boolean peerWelcomed;
  /**
   * Connecting side: WELCOME was read and no ACK has told the acceptor yet ({@link
   * Wire#ACK_FLAG_WELCOMED}, which every ACK after WELCOME carries): the next DATA takes an ACK
   * along. The heartbeat, at most one interval after the last write, carries it otherwise.
   */
  private boolean welcomedAckDue;
  /** Accepting side: the CONFIRM tag the peer must send; null once checked. */
  private byte[] expectedConfirm;
  /** The CONFIRM tag to send first (each side sends one); null once queued. */
  private byte[] confirmToSend;
  /** True if the last {@link #attach} was a resume that confirmed the peer (see there). */
  private boolean confirmedByResume;

  // ---- the application's end
  private boolean appClosed;
  /** True once the application aborted the rock ({@code SO_LINGER} 0). */
  private boolean aborted;
  private boolean inputShutdown;
  private boolean outputShutdown;

  /** A session whose in-flight buffer and receive window keep the sizes given. */
  public RockSession(Role role, int inFlightCapacity, int receiveWindow, Liveness liveness) {
    this.role = role;
    this.handshakeTimed = role == Role.CONNECTOR;
    this.liveness = liveness;
    this.inFlight = new FrameStore(inFlightCapacity);
    this.inRing = new ByteRing(receiveWindow);
    this.tuning = null;
  }

  /** A session whose in-flight bound and receive window grow with the path ({@link WindowTuning}). */
  public RockSession(Role role, WindowTuning tuning, Liveness liveness) {
    this.role = role;
    this.handshakeTimed = role == Role.CONNECTOR;
    this.liveness = liveness;
    this.inFlight = new FrameStore(tuning.max());
    this.inRing = new ByteRing(tuning.max());
    this.tuning = tuning;
  }

  /** The window tuning, or null when the sizes are fixed. */
  public WindowTuning tuning() {
    return tuning;
  }

  /** How many unacknowledged bytes the in-flight buffer may hold now. */
  public int sendBound() {
    return tuning == null ? inFlight.capacity() : tuning.sendBound();
  }

  /** The receive window now (once the peer is confirmed, on the accepting side). */
  public int receiveWindow() {
    return tuning == null ? inRing.capacity() : tuning.receiveWindow();
  }

  /** Returns and clears the wake-ups the calls since the last one made due ({@code WAKE_*} bits). */
  public int takeWakeups() {
    int taken = wakeups;
    wakeups = 0;
    return taken;
  }

  // ---------------------------------------------------------------- the application

  /**
   * Copies up to {@code len} buffered bytes to {@code dst}. Returns how many, or -1 if input ended
   * (shut down, or the peer's FIN and every byte before it read), or 0 if none is buffered yet.
   */
  public int readBuffered(byte[] dst, int off, int len) {
    if (inputShutdown) {
      return -1;
    }
    if (inRing.size() > 0) {
      int n = Math.min(len, inRing.size());
      inRing.peek(0, dst, off, n);
      inRing.discard(n);
      consumed += n;
      return n;
    }
    return peerFinReceived() ? -1 : 0;
  }

  /** Returns how many received bytes the application may read without waiting. */
  public int available() {
    return inputShutdown || appClosed ? 0 : inRing.size();
  }

  /** Returns how many bytes {@link #buffer} takes now. */
  public int writable() {
    return Math.max(0, sendBound() - inFlight.size());
  }

  /** Appends up to {@code len} bytes to the in-flight buffer; returns how many fit. */
  public int buffer(byte[] src, int off, int len, long nowNanos) {
    int n = Math.min(len, writable());
    if (n > 0) {
      inFlight.append(src, off, n);
      written += n;
      if (liveness.written(nowNanos)) {
        wakeups |= WAKE_SENDER | WAKE_TIMER;
      }
    }
    return n;
  }

  /** The application read, or is about to: ends idle mode. */
  public void activity(long nowNanos) {
    if (liveness.activity(nowNanos)) {
      wakeups |= WAKE_SENDER | WAKE_TIMER;
    }
  }

  /**
   * Enters idle mode if nothing happened for its time and no data waits either way: none written
   * and unacknowledged, none received and unread. Returns true if it did (a PACE frame is due).
   */
  boolean maybeEnterIdle(long nowNanos) {
    boolean quiet = acked == written && inRing.size() == 0;
    if (!liveness.maybeEnterIdle(nowNanos, quiet)) {
      return false;
    }
    if (tuning != null) {
      // Grown windows go back to their starting sizes; the limit already advertised still holds
      // (windowLimitInForce), and the next ones follow the smaller window as bytes are read.
      tuning.idle();
    }
    wakeups |= WAKE_SENDER;
    return true;
  }

  /**
   * What the connection's timers call for at {@code nowNanos}, when the peer has been silent for
   * {@code silentNanos} and this side sent nothing for {@code sinceSendNanos}.
   *
   * @param dead true if the connection is dead: the peer was silent past its limit, or past the
   *     usual detection time while written data waits for an acknowledgement ({@link Liveness})
   * @param silenceNanos the silence that made it dead
   * @param heartbeatDue true if a heartbeat is due now
   * @param enteredIdle true if the rock entered idle mode at this look (a PACE frame is due)
   * @param nextAtNanos when to look again, if not dead
   */
  public record Look(boolean dead, long silenceNanos, boolean heartbeatDue, boolean enteredIdle, long nextAtNanos) {}

  /**
   * Looks at the connection's timers: the silence limits, idle mode, the heartbeat. The driver
   * calls it at the time {@link Look#nextAtNanos} of the previous look said, or sooner (after a
   * {@link #WAKE_TIMER} wake-up), with the silence it measured (stalls of its own discounted).
   * {@code senderTimesHeartbeats} says a sender of the driver's times the heartbeats itself while
   * the rock is not idle: the look then leaves them out.
   */
  public Look look(long nowNanos, long silentNanos, long sinceSendNanos, boolean senderTimesHeartbeats) {
    long fast = liveness.fastLimitNanos();
    long limit = liveness.silenceLimitNanos();
    long dataWait = dataWaiting() ? liveness.dataWaitNanos(nowNanos, silentNanos) : 0;
    if (silentNanos >= limit) {
      return new Look(true, silentNanos, false, false, 0);
    }
    if (dataWait >= fast) {
      return new Look(true, dataWait, false, false, 0);
    }
    boolean enteredIdle = maybeEnterIdle(nowNanos);
    boolean timesHeartbeats = !senderTimesHeartbeats || liveness.idle();
    boolean heartbeatDue = timesHeartbeats && liveness.heartbeatDue(sinceSendNanos);
    long next = limit - silentNanos;
    if (timesHeartbeats) {
      // After a heartbeat, the next one is due an interval after it (the slack keeps a look that
      // comes a moment early from finding it not yet due).
      next = Math.min(next, heartbeatDue ? liveness.ownHeartbeatAfterNanos() : liveness.heartbeatDueInNanos(sinceSendNanos));
    }
    if (dataWaiting()) {
      next = Math.min(next, fast - dataWait);
    }
    if (!liveness.idle()) {
      next = Math.min(next, liveness.idleAtNanos() - nowNanos);
    }
    return new Look(false, 0, heartbeatDue, enteredIdle, nowNanos + next);
  }

  /** True while written data waits for the peer's acknowledgement. */
  boolean dataWaiting() {
    return acked < written;
  }

  /**
   * Directs the bytes of the DATA frames applied from now on to {@code dst} first, up to {@code
   * len} in all, while the receive buffer is empty; {@link #endDirect} stops it.
   */
  public void beginDirect(byte[] dst, int off, int len) {
    directDst = dst;
    directOff = off;
    directLen = len;
    directDelivered = 0;
  }

  /** Stops {@link #beginDirect}; returns how many bytes went to its array. */
  public int endDirect() {
    directDst = null;
    return directDelivered;
  }

  /** Ends output after the bytes written so far (the peer reads them, then end of stream). */
  public void shutdownOutput() {
    if (!outputShutdown) {
      outputShutdown = true;
      finAt = written;
      wakeups |= WAKE_SENDER | WAKE_WRITERS;
    }
  }

  /** Ends input: buffered and later bytes are dropped, still acknowledged. */
  public void shutdownInput() {
    if (!inputShutdown) {
      inputShutdown = true;
      inRing.discard(inRing.size());
      consumed = received;
      wakeups |= WAKE_SENDER | WAKE_READERS;
    }
  }

  /**
   * Closes for the application: output ends after what was written, which is still delivered,
   * followed by CLOSE; input is dropped. Returns false if it was closed already.
   */
  public boolean close() {
    if (appClosed) {
      return false;
    }
    appClosed = true;
    if (!outputShutdown) {
      outputShutdown = true;
      finAt = written;
    }
    inputShutdown = true;
    inRing.discard(inRing.size());
    consumed = received;
    wakeups |= WAKE_READERS | WAKE_WRITERS | WAKE_SENDER | WAKE_STATE;
    return true;
  }

  /** Closes at once, dropping undelivered bytes in both directions (SO_LINGER 0). */
  public void abort() {
    appClosed = true;
    aborted = true;
    inputShutdown = true;
    outputShutdown = true;
    inRing.discard(inRing.size());
  }

  /** The rock ended: frees the in-flight bytes. */
  public void discardInFlight() {
    inFlight.discard(inFlight.size());
    if (tuning != null) {
      tuning.release();
    }
  }

  /** Gives back memory grown by bulk transfers; called when nothing was sent for an interval. */
  public void trimIdle() {
    inFlight.trimIfEmpty();
    inRing.trimIfEmpty();
  }

  // ---------------------------------------------------------------- establishment

  /**
   * The rock has a key, computed or pending ({@code confirmed}: the peer has nothing left to
   * prove). {@code clientConfirm}, if not null, is the CONFIRM tag to send first.
   */
  public void keyed(boolean confirmedNow, byte[] confirmTag) {
    keyed = true;
    if (confirmedNow) {
      confirmed = true;
    }
    if (confirmTag != null) {
      confirmToSend = confirmTag;
    }
  }

  /** Accepting side: the CONFIRM tag the client must send before it gets the full window. */
  public void expectConfirm(byte[] tag) {
    expectedConfirm = tag;
  }

  /**
   * Connecting side, once WELCOME was read, {@code handshakeNanos} after HELLO went out: the next
   * ACK tells the acceptor so, and the time is a round-trip sample for the windows.
   */
  public void welcomed(long handshakeNanos) {
    welcomedAckDue = true;
    handshakeTimed = false;
    if (tuning != null) {
      tuning.handshakeSample(handshakeNanos);
    }
  }

  /** Accepting side: WELCOME carried the rock's first ACK, which advertised {@code windowLimit}. */
  public void welcomeAdvertised(long windowLimit, long nowNanos) {
    welcomeAdvertised = windowLimit;
    welcomeSentAtNanos = nowNanos;
    handshakeTimed = true;
  }

  // ---------------------------------------------------------------- a new connection

  /**
   * Returns why the peer's counts for a new connection are impossible, or null if they are not:
   * it claims {@code peerReceived} bytes of our stream, and our FIN if {@code peerHasFin}.
   */
  public String checkPeerCounts(long peerReceived, boolean peerHasFin) {
    if (peerReceived < acked || peerReceived > highestSent) {
      return "peer claims to have received " + peerReceived + " bytes, but " + acked
          + " were acknowledged and " + highestSent + " sent";
    }
    if (peerHasFin && (finAt < 0 || peerReceived != finAt)) {
      return "peer claims a FIN that was never sent";
    }
    return null;
  }

  /**
   * A new connection carries the rock on, after {@link #checkPeerCounts} passed: sending resumes
   * at {@code peerReceived}, and everything after it is sent again. {@code resumed} says it is a
   * resume (not the first connection). Returns how many bytes will be retransmitted; returns true
   * from {@link #confirmedByResume} if the resume itself confirmed the peer.
   */
  public long attach(long peerReceived, boolean peerHasFin, boolean resumed) {
    liveness.newConnection();
    echoReplyDue = false; // asked on the old connection, whose asker forgot it
    if (tuning != null) {
      tuning.newConnection();
    }
    releaseAcked(peerReceived);
    sent = peerReceived;
    long retransmitting = highestSent - peerReceived;
    retransmitUntil = highestSent;
    finSentOnConnection = peerHasFin;
    if (peerHasFin) {
      finAcked = true;
    }
    if (welcomeAdvertised >= 0 && !resumed) {
      ackSentReceived = 0; // WELCOME carried this connection's first ACK
      advertisedLimit = welcomeAdvertised;
    } else {
      ackSentReceived = -1; // the first frames on a new connection include an ACK
    }
    welcomeAdvertised = -1;
    ackRequested = false;
    confirmedByResume = false;
    if (resumed) {
      handshakeTimed = false; // a resume gives no handshake sample: echoes measure the new path
      peerWelcomed = true; // it resumed: it holds the key's inputs
      if (!confirmed) {
        // The peer's resume proof shows it holds the key, as CONFIRM would have. The CONFIRM it
        // had queued may still come on the new connection: expectedConfirm stays to check it.
        confirmed = true;
        confirmedByResume = true;
        wakeups |= WAKE_STATE;
      }
    }
    wakeups |= WAKE_SENDER;
    return retransmitting;
  }

  /** True if the last {@link #attach} confirmed the peer by its resume. */
  public boolean confirmedByResume() {
    return confirmedByResume;
  }

  // ---------------------------------------------------------------- frames received

  /**
   * Applies a DATA frame that arrived at {@code nowNanos}: {@code length} bytes at {@code offset},
   * found at {@code at} in {@code buf}.
   */
  public void onData(long offset, byte[] buf, int at, int length, boolean ackNow, long nowNanos)
      throws RockProtocolException {
    long end = offset + length;
    if (offset > received) {
      throw new RockProtocolException(
          "DATA at offset " + offset + " leaves a gap after " + received + " received bytes");
    }
    if (ackNow) {
      peerWantsAck = true; // even for bytes already received: the sender waits for the answer
    }
    if (end <= received) {
      if (peerWantsAck) {
        wakeups |= WAKE_SENDER;
      }
      return; // already received on an earlier connection
    }
    int skip = (int) (received - offset);
    int count = length - skip;
    if (peerFinAt >= 0) {
      throw new RockProtocolException("DATA after the peer's FIN at " + peerFinAt);
    }
    if (liveness.activity(nowNanos)) {
      wakeups |= WAKE_SENDER | WAKE_TIMER;
    }
    if (inputShutdown) {
      received += count;
      consumed += count;
    } else {
      if (end > windowLimitInForce()) {
        throw new RockProtocolException(
            "DATA up to " + end + " overruns the window limit " + windowLimitInForce());
      }
      int direct = 0;
      if (directDst != null && inRing.size() == 0) {
        // The application thread that read this frame takes its bytes at once.
        direct = Math.min(count, directLen);
        System.arraycopy(buf, at + skip, directDst, directOff, direct);
        consumed += direct;
        directDelivered = direct;
        directDst = null;
      }
      if (count > direct) {
        inRing.append(buf, at + skip + direct, count - direct);
        wakeups |= WAKE_READERS;
      }
      received += count;
    }
    if (received - ackSentReceived >= ackThreshold() || peerWantsAck) {
      wakeups |= WAKE_SENDER;
    }
  }

  /**
   * Applies an ACK: the peer holds {@code peerReceived} bytes of our stream and accepts up to
   * {@code windowLimit}. Returns true if it acknowledged our FIN for the first time, after which
   * the rock may be done.
   */
  public boolean onAck(long peerReceived, long windowLimit, int flags, long nowNanos) throws RockProtocolException {
    if (peerReceived > highestSent) {
      throw new RockProtocolException(
          "ACK for " + peerReceived + " bytes, but only " + highestSent + " were sent");
    }
    if (peerReceived < acked) {
      throw new RockProtocolException("ACK went backwards from " + acked + " to " + peerReceived);
    }
    boolean freed = peerReceived > acked;
    releaseAcked(peerReceived);
    if (sent < acked) {
      sent = acked;
    }
    if (windowLimit > peerWindowLimit) {
      peerWindowLimit = windowLimit;
      // A writer woken by the freed space sends, from its own thread.
      wakeups |= freed ? WAKE_SENDER_UNLESS_WRITERS : WAKE_SENDER;
      if (tuning != null && tuning.peerGranted(peerWindowLimit - acked)) {
        wakeups |= WAKE_WRITERS; // the in-flight buffer takes more now
      }
    }
    if ((flags & Wire.ACK_FLAG_ECHO_REQUEST) != 0) {
      echoReplyDue = true;
      wakeups |= WAKE_SENDER;
    }
    if ((flags & Wire.ACK_FLAG_ECHO_REPLY) != 0 && tuning != null) {
      tuning.echoAnswered(nowNanos);
    }
    if ((flags & Wire.ACK_FLAG_WELCOMED) != 0 && role == Role.ACCEPTOR) {
      peerWelcomed = true;
      if (handshakeTimed && tuning != null) {
        tuning.handshakeSample(nowNanos - welcomeSentAtNanos);
      }
      handshakeTimed = false;
    }
    if ((flags & Wire.ACK_FLAG_FIN_RECEIVED) != 0 && !finAcked) {
      if (finAt < 0 || acked != finAt) {
        throw new RockProtocolException("ACK of a FIN that was never sent");
      }
      finAcked = true;
      wakeups |= WAKE_SENDER;
      return true;
    }
    return false;
  }

  /** Applies the peer's FIN at {@code offset}. */
  public void onFin(long offset) throws RockProtocolException {
    if (peerFinAt >= 0) {
      if (offset != peerFinAt) {
        throw new RockProtocolException("FIN moved from " + peerFinAt + " to " + offset);
      }
      return;
    }
    if (offset != received) {
      throw new RockProtocolException("FIN at " + offset + " but " + received + " bytes received");
    }
    peerFinAt = offset;
    wakeups |= WAKE_READERS | WAKE_SENDER;
  }

  /** Applies the peer's PACE: its heartbeats come every {@code heartbeatMillis} from now on. */
  public void onPace(int heartbeatMillis) {
    liveness.onPace(heartbeatMillis);
    wakeups |= WAKE_TIMER;
  }

  /** Applies the peer's CLOSE: the rock ended at its end; it is done. */
  public void onClose() {
    peerClosed = true;
    wakeups |= WAKE_READERS | WAKE_WRITERS;
  }

  /** The peer told on another path that its application aborted the rock. */
  public void peerAborted() {
    peerClosed = true;
  }

  /**
   * Applies a CONFIRM frame carrying {@code tag}. Returns true if it confirmed the peer now (not
   * already by a resume). Throws if none was expected ({@code preShared} says whether this side
   * has a pre-shared secret) or the tag is wrong.
   */
  public boolean onConfirm(byte[] tag, boolean preShared, String rockId, String peer)
      throws RockProtocolException {
    if (expectedConfirm == null) {
      if (role == Role.CONNECTOR && !preShared) {
        throw new RockProtocolException(
            "rock " + rockId + ": the server at " + peer + " proves a pre-shared secret, and this"
                + " rock has none: set the same pre-shared-secret on both sides");
      }
      throw new RockProtocolException("unexpected CONFIRM");
    }
    if (!ResumeKey.matches(expectedConfirm, tag)) {
      throw new RockProtocolException(
          "rock " + rockId + ": the client could not prove it derived the rock's key (wrong"
              + " pre-shared secret, or a man in the middle)");
    }
    expectedConfirm = null;
    peerWelcomed = true;
    if (confirmed) {
      return false; // already confirmed by a resume; this is the CONFIRM queued before the cut
    }
    confirmed = true;
    wakeups |= WAKE_STATE | WAKE_SENDER; // the full window can now be granted
    return true;
  }

  private void releaseAcked(long upTo) {
    if (upTo > acked) {
      ackRequested = false;
      inFlight.discard((int) (upTo - acked));
      acked = upTo;
      wakeups |= WAKE_WRITERS;
    }
  }

  // ---------------------------------------------------------------- frames to send

  /**
   * Appends to {@code frames} whatever is due on the current connection: CONFIRM, an ACK (a
   * heartbeat if {@code heartbeatDue}), DATA up to the peer's window, FIN, CLOSE. Returns true if
   * the rock may be done once these frames are written ({@link #done}).
   */
  public boolean fill(FrameWriter frames, boolean heartbeatDue, long nowNanos) {
    if (role == Role.ACCEPTOR && !keyed) {
      return false; // with a pre-shared secret the first frame is our CONFIRM, once it is derived
    }
    boolean peerFin = peerFinReceived();
    if (tuning != null && fullWindowGranted()) {
      tuning.consumed(consumed, nowNanos); // a grown window makes a window update due
    }
    long limit = windowLimitInForce();
    long sendLimit = Math.min(written, peerWindowLimit);
    int pace = liveness.takePace();
    if (pace > 0) {
      frames.pace(pace); // with an ACK: the peer may be waiting for one to end its own idle mode
    }
    boolean ackDue =
        pace > 0
            || heartbeatDue
            // an acknowledgement rides along with data: no wake-up of its own (a write call of its
            // own when the data is written from the in-flight buffer, FrameWriter)
            || (sent < sendLimit && received > ackSentReceived)
            || received - ackSentReceived >= ackThreshold()
            || peerWantsAck
            || windowUpdateDue()
            || (peerFin && !finAckSent)
            || (welcomedAckDue && sent < sendLimit)
            || echoReplyDue
            || (ackSentReceived < 0);
    if (confirmToSend != null) {
      frames.confirm(confirmToSend);
      confirmToSend = null;
    }
    boolean peerFinAckedNow = ackDue && peerFin && !finAckSent;
    if (ackDue) {
      int echo = echoReplyDue ? Wire.ACK_FLAG_ECHO_REPLY : 0;
      echoReplyDue = false;
      // Ask for an echo on the first ACK of a connection, so the round trip is known before bytes
      // come, and then only while bytes come: the round trip serves the receive window. A new
      // rock's handshake is its first sample: no echo while it is outstanding.
      if (tuning != null
          && !handshakeTimed
          && tuning.echoDue(nowNanos)
          && (!tuning.sampled() || (received > ackSentReceived && ackSentReceived >= 0))) {
        echo |= Wire.ACK_FLAG_ECHO_REQUEST;
        tuning.echoAsked(nowNanos);
      }
      frames.ack(received, limit, peerFin, role == Role.CONNECTOR && keyed, echo);
      welcomedAckDue = false;
      ackSentReceived = received;
      peerWantsAck = false;
      advertisedLimit = limit;
      finAckSent = peerFin;
    }
    int batchBytes = 0;
    while (sent < sendLimit && batchBytes < FrameStore.FRAMES * FrameStore.FRAME) {
      // A frame is at most one slot of the in-flight buffer; one that starts inside a slot ends
      // where the slot ends, so the next starts a slot again (FrameStore).
      FrameStore.Slot slot = inFlight.slotStartingAt(sent);
      long slotEnd = slot != null ? slot.end() : inFlight.slotEnd(sent);
      int n = (int) (Math.min(slotEnd, sendLimit) - sent);
      // Ask for an acknowledgement once half the in-flight buffer waits for one: the peer
      // acknowledges every quarter of its own window, which may be more than our buffer holds.
      boolean requestAck = !ackRequested && sent + n - acked >= sendBound() / 2;
      ackRequested |= requestAck;
      if (slot != null && sent >= retransmitUntil && n >= COPY_BELOW) {
        // Written from the in-flight buffer itself, with the frames that follow it there. Not a
        // retransmission: the peer may acknowledge those bytes (received on the old connection)
        // while they are written, and their array may then be reused (FrameStore).
        inFlight.writeHeader(slot, n, requestAck);
        frames.dataFrom(slot.array, slot.at, Wire.DATA_HEADER_BYTES + n);
      } else {
        int at = frames.dataFrame(sent, n, requestAck);
        inFlight.peek((int) (sent - acked), frames.buffer(), at, n);
      }
      if (sent < retransmitUntil) {
        retransmitted += Math.min(n, retransmitUntil - sent);
      }
      sent += n;
      highestSent = Math.max(highestSent, sent);
      batchBytes += n;
    }
    if (finAt >= 0 && sent == finAt && !finSentOnConnection && !finAcked) {
      frames.fin(finAt);
      finSentOnConnection = true;
      highestSent = Math.max(highestSent, sent);
    }
    if (appClosed && finAcked && !peerFin && !closeSent) {
      frames.close();
      closeSent = true;
      return true;
    }
    if (endedInOrder() && peerFinAckedNow && !closeSent && !peerClosed) {
      // This batch ends the rock in order: CLOSE goes in the same write call as the last ACK, so
      // the peer ends on it at once. A side whose orderly end comes with the peer's last ACK sends
      // nothing more: the peer has everything (RockEnding#terminate).
      frames.close();
      closeSent = true;
    }
    return endedInOrder();
  }

  /**
   * True once both directions ended in order: our FIN is acknowledged, and the peer's FIN was
   * received and its acknowledgement put in a batch.
   */
  public boolean endedInOrder() {
    return finAcked && peerFinReceived() && finAckSent;
  }

  /**
   * DATA frames with fewer payload bytes are copied into the batch instead of being written from
   * the in-flight buffer: the copy costs less than the write call of their own they would take, and
   * the ACK, FIN or CLOSE beside them go in the same call (a request and its answer, a connect's
   * first byte).
   */
  static final int COPY_BELOW = 4096;

  /** True if data waits for the next round of {@link #fill}: written, unsent, within the window. */
  public boolean dataLeft() {
    return sent < Math.min(written, peerWindowLimit);
  }

  /**
   * Received bytes that call for an acknowledgement at once: a quarter of the window, so a sender
   * limited by the window always has three quarters of it to keep sending. A sender whose
   * in-flight buffer is smaller asks for one sooner, with a DATA frame that requests it.
   */
  private long ackThreshold() {
    return receiveCapacity() / 4;
  }

  /** True if the application read enough since the last ACK that the peer should hear of it. */
  public boolean windowUpdateDue() {
    return consumed + receiveCapacity() - advertisedLimit >= receiveCapacity() / 4;
  }

  /**
   * The offset the peer may send up to: what the window allows now, but never less than an ACK
   * already advertised (a window that shrank after idle mode takes effect as bytes are read).
   */
  private long windowLimitInForce() {
    return Math.max(consumed + receiveCapacity(), advertisedLimit);
  }

  /**
   * Returns how many unread bytes this side accepts: on the accepting side the full window only
   * once the client is confirmed; the connecting side chose its peer, and reads nothing before the
   * server's CONFIRM when there is one to check.
   */
  private int receiveCapacity() {
    return fullWindowGranted() ? receiveWindow() : Wire.INITIAL_WINDOW;
  }

  /** True once this side grants its whole window (see {@link #receiveCapacity}). */
  private boolean fullWindowGranted() {
    return confirmed || role == Role.CONNECTOR;
  }

  // ---------------------------------------------------------------- the end

  /**
   * True once the rock has nothing left to do: our FIN is acknowledged and the peer's FIN received
   * (and its acknowledgement sent), or the application closed and the peer was told with CLOSE, or
   * the peer sent CLOSE. The frames this depends on may be in a batch still being written.
   */
  public boolean done() {
    return endedInOrder()
        || (appClosed && finAcked && closeSent)
        || peerClosed;
  }

  /** True if the peer already has everything this side will ever send, FIN included. */
  public boolean deliveredEverything() {
    return finAt >= 0 && acked == finAt && (finAcked || peerFinAt >= 0);
  }

  /** True once the peer's FIN arrived and every byte before it was received. */
  public boolean peerFinReceived() {
    return peerFinAt >= 0 && received == peerFinAt;
  }

  // ---------------------------------------------------------------- accessors

  long written() {
    return written;
  }

  long acked() {
    return acked;
  }

  long sent() {
    return sent;
  }

  long highestSent() {
    return highestSent;
  }

  public long received() {
    return received;
  }

  long consumed() {
    return consumed;
  }

  long retransmitted() {
    return retransmitted;
  }

  public long peerFinAt() {
    return peerFinAt;
  }

  public boolean keyed() {
    return keyed;
  }

  public boolean confirmed() {
    return confirmed;
  }

  public boolean peerWelcomed() {
    return peerWelcomed;
  }

  public boolean appClosed() {
    return appClosed;
  }

  public boolean aborted() {
    return aborted;
  }

  public boolean peerClosed() {
    return peerClosed;
  }

  public boolean closeSent() {
    return closeSent;
  }

  public boolean inputShutdown() {
    return inputShutdown;
  }

  public boolean outputShutdown() {
    return outputShutdown;
  }

  /** Bytes in the receive buffer, for diagnostics and the simulator. */
  int bufferedIn() {
    return inRing.size();
  }

  /** Bytes in the in-flight buffer. */
  int bufferedOut() {
    return inFlight.size();
  }

  /** The most the in-flight and receive buffers may ever allocate together. */
  long allocationBound() {
    return inFlight.allocationBound() + inRing.capacity();
  }

  /** Bytes allocated by the in-flight and receive buffers. */
  public long allocatedBytes() {
    return (long) inFlight.allocated() + inRing.allocated();
  }

  /** Returns every counter of both directions, for diagnosing a stalled rock. */
  public String describe() {
    return String.format(
        "confirmed=%s | out: acked=%d sent=%d highestSent=%d written=%d peerWindowLimit=%d finAt=%d"
            + " finSent=%s finAcked=%s ring=%d/%d | in: received=%d consumed=%d ring=%d/%d"
            + " advertised=%d ackSent=%d peerFinAt=%d | appClosed=%s",
        confirmed, acked, sent, highestSent, written, peerWindowLimit, finAt, finSentOnConnection,
        finAcked, inFlight.size(), inFlight.allocated(), received, consumed, inRing.size(),
        inRing.allocated(), advertisedLimit, ackSentReceived, peerFinAt, appClosed);
  }
}
