package io.rocks.impl;

import io.rocks.Rock;
import io.rocks.RockException;
import io.rocks.RockId;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockProtocolException;
import io.rocks.RockState;
import io.rocks.RockStats;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The state of one rock, shared by the application threads that read and write it, the reader and
 * writer threads of its current {@link Connection}, and its {@link Supervisor}.
 *
 * <p>Everything mutable is guarded by {@link #lock}, a {@link ReentrantLock} (never a monitor, so
 * virtual threads blocked on it do not pin their carrier), except the fields documented otherwise
 * (volatile ones, and {@link #welcomeRead}, owned by whichever thread owns the first connection's
 * input). No socket I/O happens while it is held: threads copy bytes under the lock and do I/O
 * after releasing it.
 *
 * <p>Who does the I/O: while bytes stream, the application's threads. A {@code write} sends its own
 * frames when no other thread holds {@link #sendLock}; a {@code read} reads frames itself when the
 * reader thread has lent it the connection's input ({@link Connection#inputTaken}). The reader and
 * writer threads do the rest: heartbeats, retransmissions, frames no application thread is there to
 * read or send. See {@link #read} and {@link #sendDueInline}.
 *
 * <p>Byte accounting, per direction, in absolute 64-bit stream offsets:
 *
 * <pre>
 *  sending:   acked <= sent <= written      in-flight buffer holds [acked, written)
 *  receiving: consumed <= received           in ring holds [consumed, received)
 * </pre>
 *
 * The peer may send up to its window limit ({@code consumed + receiveWindow}); the connection is
 * always drained (by the reader thread when no application thread reads it), so heartbeats and
 * acknowledgements flow even when the application reads nothing.
 */
final class RealRock implements Rock {
  private static final Logger log = LogManager.getLogger(RealRock.class);
  /**
   * How long the reader thread leaves a lent connection unread after an application thread last
   * read from it before it takes it back. See {@link #read} and {@link #awaitInputTurn}.
   */
  private static final long LEND_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /**
   * How long a new rock's reader thread leaves WELCOME to the application's first read before it
   * reads it itself (see {@link #attach}).
   */
  private static final long WELCOME_LEND_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** The least time a new rock keeps saying HELLO again ({@link #establishWindowNanos}). */
  private static final long ESTABLISH_WINDOW_FLOOR_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** How long the last write as a rock ends may take ({@link #closeAfterLastWrite}). */
  private static final long CLOSE_GRACE_MILLIS = 100;
  /**
   * How long a failed write waits for a reader to meet the failure itself (reading first what the
   * peer sent before it closed: its CLOSE, or the acknowledgement of our FIN) before the watch acts
   * on it ({@link #writeFailed}).
   */
  private static final long WRITE_FAILURE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /**
   * How long a writer thread with nothing to send waits for more before it ends: long enough that
   * a busy rock keeps its writer, short enough that an idle one has none.
   */
  private static final long WRITER_LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** How soon the watch looks again at a silent connection whose bytes wait unread. */
  private static final long STARVED_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The least time between two looks of a rock's watch. */
  private static final long WATCH_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** The longest the reader thread waits before it looks again at a lent connection in use. */
  private static final long LEND_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  enum Role {
    CONNECTOR,
    ACCEPTOR
  }

  final RockId id;
  final Role role;
  /** Replaced whole by {@link #setOptions}; read without the lock by the connection threads. */
  private volatile RockOptions options;
  private final EventDispatcher events;
  private final List<RockListener> listeners = new CopyOnWriteArrayList<>();
  /** Tells the rock's owner of suspensions, resumptions, confirmation and the end. */
  private final RockHooks hooks;

  final ReentrantLock lock = new ReentrantLock();
  /** Held by an application thread for a whole {@link #write} call; taken before {@link #lock}. */
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Signalled when bytes arrive for the application, or input ends. */
  private final Condition readable = lock.newCondition();
  /** Signalled when the in-flight buffer frees space, or output can no longer be written. */
  private final Condition writable = lock.newCondition();
  /**
   * Held by the one thread that encodes frames for the current connection and writes them: its
   * writer thread, or an application thread sending the bytes it just wrote (so bulk data does
   * not wait for the writer to wake). Taken after {@link #writeLock} and before {@link #lock};
   * the holder does socket I/O, so it is never taken while {@link #lock} is held, and an
   * application thread only ever {@code tryLock}s it.
   */
  private final ReentrantLock sendLock = new ReentrantLock();
  /** Signalled, through {@link #wakeSender}, when the writer thread may have frames to send. */
  private final Condition sendable = lock.newCondition();
  /** Signalled on every state change; the supervisor waits on it. */
  final Condition stateChanged = lock.newCondition();
  /**
   * Signalled when the reader thread should look again at a connection it lent to the application
   * ({@link Connection#inputTaken}): the generation changed, the application let go of the input
   * while the reader waited long, or the application stopped reading ({@link #reclaimInput}).
   */
  private final Condition readerTurn = lock.newCondition();

  // All fields below are guarded by lock.
  /** The rock's byte streams and frames: the protocol core this class drives under {@link #lock}. */
  private final RockSession session;
  private RockState state;
  /** The key, once computed; see {@link #key()}. */
  private ResumeKey key;
  /**
   * Without a pre-shared secret: the inputs of the key, computed at the first resume ({@link
   * #key()}); null once it is, and with a secret, whose key is computed at setup.
   */
  private PendingKey pendingKey;
  private InetSocketAddress peer;
  private InetSocketAddress localAddress;
  private Connection connection;
  private long generation;
  private IOException failure;

  /** Application threads waiting in {@link #read} for bytes while another thread reads frames. */
  private int readersWaiting;
  /** {@link System#nanoTime()} when an application thread last read frames or began to wait. */
  private long lastAppInputNanos;
  /**
   * True while the reader thread waits longer than {@link #LEND_MIN_NANOS} because an application
   * thread holds the input: that thread wakes it when it lets go.
   */
  private boolean readerWaitsLong;
  /**
   * True while an application thread applies a frame it read itself: a frame that makes sending
   * due then leaves the writer asleep, and that thread sends once it released the lock.
   */
  private boolean sendingInline;

  /**
   * Set by {@link #wakeSender} whenever something may be due, cleared by whoever encodes frames:
   * the writer waits only while it is false, so a wake-up between its look and its wait is not
   * lost.
   */
  private boolean sendPending;
  /** Application threads waiting in {@link #write} for space while another thread reads frames. */
  private int writersWaiting;
  /**
   * The running writer thread's token and its generation; null if none runs ({@link
   * #signalWriterLocked}). A writer clears the token only if it is still its own.
   */
  private Object writer;
  private long writerGeneration;

  /** The rock's next look on the shared timer ({@link #watch}); null while none is scheduled. */
  private RockTimer.Entry watchEntry;
  /** The connection {@link #watchEntry} looks at. */
  private Connection watchedConnection;
  /** Numbers the watch's looks: a look that is no longer the latest does nothing. */
  private long watchLooks;

  /** Recovers this rock when it suspends; set once, right after the rock is made. */
  private Supervisor supervisor;

  /** Where the connecting side reconnects, tried in turn. */
  private List<InetSocketAddress> reconnectAddresses;
  private int nextAddress;
  /** Set by {@link #reconnectNow}; the supervisor skips its backoff pause and clears it. */
  private boolean reconnectRequested;

  private int suspensions;
  private long suspendedSinceNanos;
  private long suspendedTotalNanos;
  /**
   * Accepting side: how many CHALLENGEs were sent for this rock ({@link #nextChallenge}), and the
   * number of the one whose resume attached last. A resume is answered in order (RESUME, then
   * CHALLENGE, then PROOF, and the connector starts a new resume only after its previous one
   * ended), so a PROOF that answers an older CHALLENGE than the attached one is stale: a handshake
   * thread delayed it past a newer resume ({@link #attach}).
   */
  private long challengesSent;
  private long attachedChallenge = -1;

  /**
   * The connecting side's key agreement, until WELCOME arrives; then null. Set before the first
   * connection is attached, then read and cleared by the thread that owns its input ({@link
   * Connection#inputTaken}).
   */
  volatile Handshake.ClientSetup clientSetup;
  /**
   * Connecting side: what WELCOME gave, until the server's CONFIRM is checked; then null. Used
   * only by the thread that owns the first connection's input (handed over under {@link #lock}).
   */
  private Handshake.Established welcomeRead;
  /**
   * Connecting side, guarded by {@link #lock}: until when a new rock may say HELLO again after its
   * connection broke before WELCOME ({@link #connectionFailed}); set when its first connection is
   * attached, {@link #establishWindowNanos} from then. 0 before.
   */
  private long establishDeadlineNanos;

  /**
   * How long a new rock keeps saying HELLO again: 30 s, or the connect timeout plus the handshake
   * timeout if that is longer, but never longer than the reconnect timeout. A server that answers
   * a burst of thousands of new rocks may take tens of seconds to reach the last (as a full listen
   * queue makes TCP retry a SYN for about two minutes), and the application already holds the
   * rock and has written to it.
   */
  static long establishWindowNanos(RockOptions options) {
    long window = Math.max(
        options.connectTimeout().plus(options.handshakeTimeout()).toNanos(), ESTABLISH_WINDOW_FLOOR_NANOS);
    return Math.min(window, options.reconnectTimeout().toNanos());
  }

  /** Connecting side: when the first connection was attached; its handshake timeout counts from it. */
  private volatile long handshakeStartNanos;
  /** {@link LocalStalls#total} at {@link #handshakeStartNanos}: stalls do not count against it. */
  private volatile long handshakeStartStalled;

  /** Read timeout for the application, in milliseconds; 0 waits forever. */
  private volatile int soTimeoutMillis;

  RealRock(
      RockId id,
      Role role,
      RockOptions options,
      InetSocketAddress peer,
      RockState initialState,
      RockHooks hooks) {
    this.id = id;
    this.role = role;
    this.options = options;
    this.peer = peer;
    this.state = initialState;
    this.hooks = hooks;
    this.events = new EventDispatcher(id.toString());
    LocalStalls.start();
    this.session =
        new RockSession(
            role,
            options.inFlightCapacity(),
            options.receiveWindow(),
            new Liveness(options, System.nanoTime()));
    this.reconnectAddresses = role == Role.CONNECTOR ? List.of(peer) : List.of();
    listeners.addAll(options.listeners());
  }

  // ---------------------------------------------------------------- Rock

  @Override
  public RockId id() {
    return id;
  }

  @Override
  public RockState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public InetSocketAddress peer() {
    lock.lock();
    try {
      return peer;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public RockStats stats() {
    lock.lock();
    try {
      long suspendedNanos = suspendedTotalNanos;
      if (state == RockState.SUSPENDED) {
        suspendedNanos += System.nanoTime() - suspendedSinceNanos;
      }
      return new RockStats(
          session.written(), session.acked(), session.received(), session.retransmitted(),
          suspensions, Duration.ofNanos(suspendedNanos));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public RockOptions options() {
    return options;
  }

  @Override
  public void setOptions(RockOptions next) {
    RockOptions current = options;
    if (next.inFlightCapacity() != current.inFlightCapacity()
        || next.receiveWindow() != current.receiveWindow()) {
      throw new IllegalArgumentException(
          "rock " + id + ": buffer sizes are fixed when a rock is made; only timing options change");
    }
    lock.lock();
    try {
      options = next;
      session.liveness.configure(next);
      // Wake every waiter so new timeouts and intervals apply to waits already in progress.
      stateChanged.signalAll();
      wakeSender();
      if (connection != null) {
        watchLocked(connection, generation, System.nanoTime());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void suspend() {
    long gen;
    lock.lock();
    try {
      if (state != RockState.CONNECTED) {
        return;
      }
      gen = generation;
    } finally {
      lock.unlock();
    }
    connectionFailed(gen, new RockException("rock " + id + " suspended by the application"));
  }

  @Override
  public void reconnectNow() {
    long gen = -1;
    Supervisor waiting = null;
    lock.lock();
    try {
      if (role == Role.CONNECTOR && state == RockState.CONNECTING) {
        reconnectRequested = true; // a new rock saying HELLO again skips its pause
        stateChanged.signalAll();
      }
      if (role == Role.CONNECTOR && state == RockState.SUSPENDED) {
        waiting = supervisor;
      }
      if (state == RockState.CONNECTED) {
        gen = generation;
      }
    } finally {
      lock.unlock();
    }
    if (waiting != null) {
      waiting.reconnectNow();
    }
    if (gen >= 0) {
      connectionFailed(gen, new RockException("rock " + id + ": reconnect requested by the application"));
    }
  }

  @Override
  public List<InetSocketAddress> reconnectAddresses() {
    lock.lock();
    try {
      return reconnectAddresses;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void reconnectAddresses(List<InetSocketAddress> addresses) {
    if (role != Role.CONNECTOR) {
      throw new UnsupportedOperationException(
          "rock " + id + " was accepted: only its connecting peer reconnects");
    }
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no reconnection address given");
    }
    for (InetSocketAddress address : addresses) {
      if (address.isUnresolved()) {
        throw new IllegalArgumentException("unresolved reconnection address " + address);
      }
    }
    lock.lock();
    try {
      reconnectAddresses = List.copyOf(addresses);
      nextAddress = 0;
      stateChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Returns the address for the next reconnection attempt, taking the addresses in turn. */
  InetSocketAddress nextReconnectAddress() {
    lock.lock();
    try {
      return reconnectAddresses.get(nextAddress++ % reconnectAddresses.size());
    } finally {
      lock.unlock();
    }
  }

  /** Sets the rock's supervisor, which recovers the rock whenever it suspends. */
  void supervise(Supervisor recovery) {
    boolean start;
    lock.lock();
    try {
      supervisor = recovery;
      start = state == RockState.SUSPENDED;
    } finally {
      lock.unlock();
    }
    if (start) {
      recovery.suspended();
    }
  }

  /** Fails the rock if its peer has not proved the key by now (the acceptor's confirm deadline). */
  void failIfUnconfirmed() {
    lock.lock();
    try {
      if (session.confirmed() || state.isTerminal()) {
        return;
      }
    } finally {
      lock.unlock();
    }
    fail(
        new RockProtocolException(
            "rock " + id + " from " + peer() + ": the client did not prove the rock's key within "
                + options.handshakeTimeout().toMillis() + " ms"));
  }

  /** Returns true, once, if the application asked to reconnect now. Called under {@link #lock}. */
  boolean takeReconnectRequestLocked() {
    boolean requested = reconnectRequested;
    reconnectRequested = false;
    return requested;
  }

  @Override
  public void addListener(RockListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(RockListener listener) {
    listeners.remove(listener);
  }

  @Override
  public String toString() {
    return "rock " + id + " (" + role.name().toLowerCase() + ", peer " + peer() + ", " + state() + ")";
  }

  /** True while the rock is in idle mode ({@link Liveness}). */
  boolean idle() {
    lock.lock();
    try {
      return session.liveness.idle();
    } finally {
      lock.unlock();
    }
  }

  /** Returns whether the current connection has the kernel's TCP keepalive on; false if none. */
  boolean keepAliveOn() {
    Connection conn;
    lock.lock();
    try {
      conn = connection;
    } finally {
      lock.unlock();
    }
    return conn != null && conn.keepAliveOn();
  }

  /** Returns the lock every sender of frames holds, for tests that play a sender. */
  ReentrantLock sendLockForTests() {
    return sendLock;
  }

  /** Returns every counter of both directions, for diagnosing a stalled rock. */
  String describe() {
    lock.lock();
    try {
      return String.format("%s %s gen=%d %s", role, state, generation, session.describe());
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- application side

  /**
   * Reads into {@code dst}; blocks until a byte arrives, input ends, or the read timeout passes.
   *
   * <p>While bytes stream in, the calling thread reads the frames from the connection itself
   * instead of waiting for the reader thread to hand them over: a hand-over costs a wake-up of the
   * reader's virtual thread (through the poller and a carrier thread) and then of this thread. The
   * connection's input belongs to one thread at a time ({@link Connection#inputTaken}, under
   * {@link #lock}): the reader thread lends it when it delivers bytes to a waiting application
   * thread, and takes it back once the application has not read for a while (see {@link
   * #awaitInputTurn}), so heartbeats and acknowledgements are read whether or not the application
   * reads. A virtual thread interrupted while it reads frames closes the connection (the JDK closes
   * a socket whose reader is interrupted): the rock then recovers as from any broken connection.
   */
  int read(byte[] dst, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, dst.length);
    if (len == 0) {
      return 0;
    }
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(soTimeoutMillis);
    long now = System.nanoTime();
    long deadline = now + timeoutNanos;
    int n;
    boolean windowUpdate;
    lock.lock();
    try {
      session.activity(now); // a read ends idle mode: the application may wait for a reply
      wake();
      n = readLocked(dst, off, len, timeoutNanos, deadline);
      windowUpdate = n > 0 && session.windowUpdateDue();
      if (windowUpdate) {
        sendPending = true;
      }
      if (n < 0) {
        reclaimInput(); // input ended: the application will not read the frames that follow
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading rock " + id);
    } finally {
      lock.unlock();
    }
    if (windowUpdate) {
      sendInline(); // the peer may wait for this window: tell it from this thread
    }
    return n;
  }

  /** The body of {@link #read}, under {@link #lock}, which it releases while it reads frames. */
  private int readLocked(byte[] dst, int off, int len, long timeoutNanos, long deadline)
      throws IOException, InterruptedException {
    // Once a frame-less wait on the input ends, this thread waits to be woken instead: the reader
    // thread, which waits without a timeout, takes the input back, so a rock whose application
    // waits long in read costs no periodic wake-ups.
    boolean inputQuiet = false;
    while (true) {
      if (session.appClosed()) {
        throw new SocketException("Socket closed");
      }
      int n = session.readBuffered(dst, off, len);
      if (n != 0) {
        return n;
      }
      if (state == RockState.FAILED) {
        throw rethrowable(failure);
      }
      if (state == RockState.CLOSED) {
        if (session.peerClosed() && session.peerFinAt() < 0) {
          throw new SocketException("Connection reset: rock " + id + " was aborted by the peer");
        }
        return -1;
      }
      long remaining = timeoutNanos == 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new SocketTimeoutException("Read timed out");
      }
      if (!inputQuiet && inputFree()) {
        int delivered = readInline(remaining, dst, off, len);
        if (delivered > 0) {
          return delivered;
        }
        inputQuiet = delivered < 0;
        continue;
      }
      readersWaiting++;
      lastAppInputNanos = System.nanoTime();
      try {
        if (timeoutNanos == 0) {
          readable.await();
        } else {
          readable.awaitNanos(remaining);
        }
      } finally {
        readersWaiting--;
      }
    }
  }

  /**
   * Under {@link #lock}: tells the reader thread to take back a lent input at once, because the
   * application stopped reading (input ended, or was shut down or closed).
   */
  private void reclaimInput() {
    lastAppInputNanos = System.nanoTime() - LEND_MAX_NANOS;
    readerTurn.signalAll();
  }

  /**
   * Under {@link #lock}: says whether an application thread may read frames from the current
   * connection itself, because its reader thread lent the input and no other thread reads.
   */
  private boolean inputFree() {
    return connection != null
        && !connection.inputTaken
        && (state == RockState.CONNECTED
            || (state == RockState.CONNECTING && role == Role.CONNECTOR));
  }

  /**
   * Under {@link #lock}, on an application thread, when {@link #inputFree}: reads and applies one
   * frame from the connection, releasing the lock meanwhile, then sends whatever the frame made
   * due (an acknowledgement, data the peer's window now lets out) from this thread too. A reader
   * passes {@code dst}: the frame's bytes go there first, and the count is returned; a writer
   * passes null, and sends all that is due ({@link #sendFromApplication}) where a reader sends one
   * round ({@link #sendInline}). Returns -1 if no frame came within {@link #LEND_MAX_NANOS} (or
   * {@code maxWaitNanos}): the caller then waits to be woken, leaving the input to the reader.
   */
  private int readInline(long maxWaitNanos, byte[] dst, int off, int len)
      throws InterruptedIOException {
    Connection conn = connection;
    long gen = generation;
    conn.inputTaken = true;
    if (dst != null) {
      session.beginDirect(dst, off, len);
    }
    boolean writing = dst == null;
    boolean send;
    int delivered;
    boolean applied = false;
    lock.unlock();
    try {
      applied = readFrameDirect(conn, gen, maxWaitNanos);
    } finally {
      lock.lock();
      conn.inputTaken = false;
      if (readerWaitsLong) {
        readerWaitsLong = false;
        readerTurn.signalAll(); // it waits long while the input is held: let it watch again
      }
      delivered = session.endDirect();
      lastAppInputNanos = System.nanoTime();
      send = sendPending && gen == generation;
    }
    if (send) {
      lock.unlock();
      try {
        if (writing) {
          sendFromApplication();
        } else {
          sendInline();
        }
      } finally {
        lock.lock();
      }
    }
    return applied ? delivered : -1;
  }

  /**
   * On an application thread holding the connection's input: reads and applies one frame, waiting
   * at most {@code maxWaitNanos} (and no longer than the failure threshold allows). A broken or
   * silent connection suspends the rock and a protocol violation fails it, as on the reader thread;
   * the caller then finds the new state. Never holds {@link #lock} while it reads. Returns false if
   * the wait ended with no frame.
   */
  private boolean readFrameDirect(Connection conn, long gen, long maxWaitNanos)
      throws InterruptedIOException {
    FrameReader reader = conn.reader;
    try {
      if (role == Role.CONNECTOR && welcomePending()) {
        long leftNanos = options.handshakeTimeout().toNanos() - handshakeElapsedNanos();
        long waitNanos = Math.max(1_000_000, Math.min(maxWaitNanos, leftNanos));
        conn.socket.setSoTimeout((int) Math.min(1000, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
        welcomeStep(conn, true);
        return true; // the caller looks at the rock again: established, or still waiting
      }
      long silentNanos = silentNanos(reader);
      long limitNanos = silenceLimitNanos();
      int waitMillis =
          (int) Math.min(pollMillis(silentNanos, limitNanos), TimeUnit.NANOSECONDS.toMillis(LEND_MAX_NANOS));
      if (maxWaitNanos < TimeUnit.MILLISECONDS.toNanos(waitMillis)) {
        waitMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(maxWaitNanos + 999_999));
      }
      conn.socket.setSoTimeout(waitMillis);
      byte type;
      try {
        type = reader.nextFrame();
      } catch (SocketTimeoutException timeout) {
        silentNanos = silentNanos(reader);
        if (silentNanos >= limitNanos) {
          connectionFailed(gen, silenceException(silentNanos));
        } else if (conn.writeFailure != null) {
          connectionFailed(gen, conn.writeFailure);
        }
        return false; // the caller checks its own deadline
      }
      onFrame(reader, type, gen, true);
      return true;
    } catch (RockProtocolException e) {
      log.warn("rock {}: closing connection {}: {}", id, conn, e.getMessage());
      fail(gen, e);
    } catch (IOException e) {
      connectionFailed(gen, e);
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted while reading rock " + id);
      }
    } catch (RuntimeException e) {
      log.error("rock {}: reading frames on the application's thread failed unexpectedly", id, e);
      fail(gen, new RockException("rock " + id + ": internal error in reader", e));
    }
    return true; // the rock's state changed: the caller looks again
  }

  private static SocketTimeoutException silenceException(long silentNanos) {
    return new SocketTimeoutException(
        "no bytes from the peer for " + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms");
  }

  int available() {
    lock.lock();
    try {
      return session.available();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Copies {@code src} into the in-flight buffer; blocks while it is full (until the peer
   * acknowledges, or the rock fails or is closed). Returns once every byte is buffered: like a
   * plain socket, a return says nothing about delivery.
   */
  void write(byte[] src, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, src.length);
    writeLock.lock(); // one write call's bytes stay together even when it waits for space
    try {
      bufferAndSend(src, off, len);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * The body of {@link #write}, under {@link #writeLock}: buffers the bytes and sends them from
   * this thread when it can ({@link #sendFromApplication}), before waiting for space and before
   * returning.
   */
  private void bufferAndSend(byte[] src, int off, int len) throws IOException {
    boolean unsent = false;
    boolean inputQuiet = false;
    lock.lock();
    try {
      while (len > 0) {
        if (session.appClosed()) {
          throw new SocketException("Socket closed");
        }
        if (session.outputShutdown()) {
          throw new SocketException("Socket output is shutdown");
        }
        if (state == RockState.FAILED) {
          throw rethrowable(failure);
        }
        if (session.peerClosed() || state == RockState.CLOSED) {
          throw new SocketException("Broken pipe: rock " + id + " was closed by the peer " + peer);
        }
        int n = session.buffer(src, off, len, System.nanoTime());
        if (n == 0) {
          if (unsent) {
            lock.unlock();
            try {
              sendFromApplication();
            } finally {
              lock.lock();
            }
            unsent = false;
            continue;
          }
          if (!inputQuiet && inputFree()) {
            // Space frees when this thread reads acknowledgements; after a wait with none, it
            // waits to be woken and leaves the input to the reader thread (see readLocked).
            inputQuiet = readInline(Long.MAX_VALUE, null, 0, 0) < 0;
            continue;
          }
          writersWaiting++;
          try {
            writable.await();
          } finally {
            writersWaiting--;
          }
          continue;
        }
        off += n;
        len -= n;
        unsent = true;
        inputQuiet = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing rock " + id);
    } finally {
      lock.unlock();
    }
    if (unsent) {
      sendFromApplication();
    }
  }

  /**
   * Called by an application thread right after it buffered bytes, holding no lock: sends all that
   * is due (see {@link #sendDueInline}). Blocks in socket I/O like a plain socket's write; a failure
   * of the connection suspends the rock and is not the caller's error (its bytes are buffered).
   */
  private void sendFromApplication() {
    sendDueInline(false);
  }

  /**
   * Called by an application thread after it read, holding no lock: sends what the frame it read
   * made due (an acknowledgement, a window update) with one write (see {@link #sendDueInline}).
   * One round only, so a reading thread never goes on sending what others write: whatever is left
   * is the writer thread's.
   */
  private void sendInline() {
    sendDueInline(true);
  }

  /**
   * Sends what is due from the calling application thread if no other thread is sending, which
   * saves waking the writer thread. If another thread holds {@link #sendLock}, marks the frames
   * pending and leaves them to it: every holder looks at {@link #sendPending} again after it
   * releases the lock, and this thread tries the lock once more after marking, so pending frames
   * are never left behind with no one to send them.
   */
  private void sendDueInline(boolean oneRound) {
    boolean finishAfter = false;
    try {
      while (true) {
        if (!sendLock.tryLock()) {
          lock.lock();
          try {
            sendPending = true;
          } finally {
            lock.unlock();
          }
          if (!sendLock.tryLock()) {
            return; // its holder sends our frames after its own
          }
        }
        try {
          finishAfter |= sendRounds(oneRound);
        } finally {
          sendLock.unlock();
        }
        lock.lock();
        try {
          if (!sendPending || connection == null || state.isTerminal()) {
            return;
          }
          if (oneRound) {
            signalWriterLocked(); // more is due: the writer thread sends it
            return;
          }
        } finally {
          lock.unlock();
        }
      }
    } finally {
      if (finishAfter) {
        finishIfDone();
      }
    }
  }

  /**
   * Holding {@link #sendLock}: encodes and writes what is due on the current connection, one
   * batch if {@code oneRound}, else until nothing is. Returns true if the rock may be finished.
   */
  private boolean sendRounds(boolean oneRound) {
    boolean finishAfter = false;
    while (true) {
      Connection conn;
      long gen;
      lock.lock();
      try {
        conn = connection;
        gen = generation;
        if (conn == null || state.isTerminal() || conn.writeFailure != null) {
          return finishAfter; // a failed connection's reader suspends the rock (writeFailed)
        }
        sendPending = false;
        finishAfter |= session.fill(conn.frames, false);
        if (conn.frames.size() == 0) {
          return finishAfter;
        }
        if (oneRound && session.dataLeft()) {
          sendPending = true; // data is left for the next round
        }
      } finally {
        lock.unlock();
      }
      try {
        conn.frames.flushTo(conn);
        conn.lastSendNanos = System.nanoTime();
      } catch (IOException e) {
        writeFailed(conn, e);
        return finishAfter;
      }
      if (oneRound) {
        return finishAfter;
      }
    }
  }

  /**
   * Tells whoever sends that frames may be due. Called under {@link #lock}. While an application
   * thread applies a frame it read ({@link #sendingInline}), the writer is not woken: that thread
   * sends after it released the lock.
   */
  private void wakeSender() {
    sendPending = true;
    if (!sendingInline) {
      signalWriterLocked();
    }
  }

  /**
   * Under {@link #lock}: wakes the current connection's writer thread, or starts one if none runs.
   * A writer runs only while there is something to send and for {@link #WRITER_LINGER_NANOS}
   * after, so an idle rock has none: its heartbeat, every idle interval, starts one.
   */
  private void signalWriterLocked() {
    if (writer != null && writerGeneration == generation) {
      sendable.signalAll();
      return;
    }
    Connection conn = connection;
    if (conn == null || state.isTerminal()) {
      return;
    }
    long gen = generation;
    Object token = new Object();
    writer = token;
    writerGeneration = gen;
    RockThreads.start("writer", id, () -> writeLoop(conn, gen, token));
  }

  void shutdownOutput() {
    lock.lock();
    try {
      session.shutdownOutput();
      wake();
    } finally {
      lock.unlock();
    }
  }

  void shutdownInput() {
    lock.lock();
    try {
      if (!session.inputShutdown()) {
        session.shutdownInput();
        reclaimInput();
        wake();
      }
    } finally {
      lock.unlock();
    }
  }

  boolean isOutputShutdown() {
    lock.lock();
    try {
      return session.outputShutdown();
    } finally {
      lock.unlock();
    }
  }

  boolean isInputShutdown() {
    lock.lock();
    try {
      return session.inputShutdown();
    } finally {
      lock.unlock();
    }
  }

  boolean isAppClosed() {
    lock.lock();
    try {
      return session.appClosed();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the rock for the application. Never blocks: what was written is still delivered in the
   * background (across recoveries, within the reconnect timeout), followed by the close.
   */
  void close() {
    lock.lock();
    try {
      if (!session.close()) {
        return;
      }
      reclaimInput();
      wake();
    } finally {
      lock.unlock();
    }
    finishIfDone();
  }

  /** Closes at once, dropping undelivered bytes (SO_LINGER 0). Tells the peer if connected. */
  void abort() {
    lock.lock();
    try {
      session.abort();
    } finally {
      lock.unlock();
    }
    terminate(RockState.CLOSED, null);
  }

  void soTimeout(int millis) {
    soTimeoutMillis = millis;
  }

  int soTimeout() {
    return soTimeoutMillis;
  }

  InetSocketAddress localAddress() {
    lock.lock();
    try {
      return localAddress;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- handshake side

  /** Returns what this side has received, for a resume exchange. */
  long receivedCount() {
    lock.lock();
    try {
      return session.received();
    } finally {
      lock.unlock();
    }
  }

  boolean peerFinReceived() {
    lock.lock();
    try {
      return session.peerFinReceived();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the rock's key, or null before the handshake produced one; computes it first if it is
   * still pending ({@link PendingKey}: about 90 microseconds, once, on the thread that resumes).
   * Throws, and fails the rock, if it cannot be computed.
   */
  ResumeKey key() throws RockProtocolException {
    PendingKey pending;
    lock.lock();
    try {
      if (key != null || pendingKey == null) {
        return key;
      }
      pending = pendingKey;
    } finally {
      lock.unlock();
    }
    ResumeKey computed;
    try {
      computed = pending.get(); // outside the lock: arithmetic only, but not under the rock's lock
    } catch (RockProtocolException e) {
      fail(e);
      throw e;
    }
    lock.lock();
    try {
      key = computed;
      pendingKey = null;
      return key;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under {@link #lock}, connecting side, once WELCOME was read: the acceptor learns it from the
   * next ACK, which goes along with the next DATA or is the next heartbeat, whichever comes first.
   * Nothing is woken for it: sending it at once cost measurably on the connect path (an extra
   * write and a wake-up of the writer thread per rock; docs/benchmarks.md).
   */
  private void tellWelcomed() {
    session.welcomed();
  }

  /**
   * Accepting side: true once the connector showed that it read WELCOME, so it can resume: an ACK
   * with {@link Wire#ACK_FLAG_WELCOMED}, a verified CONFIRM or a verified resume. Until then a
   * suspension waits for a resume at most the handshake timeout ({@link Supervisor}), since a
   * connector that never read WELCOME cannot resume. Called under {@link #lock}.
   */
  boolean peerWelcomedLocked() {
    return session.peerWelcomed();
  }

  /** Accepting side, for tests: {@link #peerWelcomedLocked} under the lock. */
  boolean peerWelcomed() {
    lock.lock();
    try {
      return session.peerWelcomed();
    } finally {
      lock.unlock();
    }
  }

  /** Under {@link #lock}: true once the rock has a key, computed or pending. */
  private boolean hasKeyLocked() {
    return session.keyed();
  }

  /**
   * Connecting side without a pre-shared secret, when WELCOME arrived: the rock is connected, and
   * its key waits until a resume needs it. Nothing is sent for it (there is no CONFIRM to send).
   */
  void established(PendingKey pending) {
    lock.lock();
    try {
      pendingKey = pending;
      session.keyed(true, null);
      if (state == RockState.CONNECTING) {
        setState(RockState.CONNECTED);
      }
      tellWelcomed();
      post(l -> l.connected(this));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Accepting side without a pre-shared secret, before the first connection is attached: the key
   * waits until a resume needs it, and the rock is connected from the start (the client has
   * nothing to prove, so no CONFIRM is expected). WELCOME carried the rock's first ACK, which
   * advertised {@code windowLimit}.
   */
  void keyPending(PendingKey pending, long windowLimit) {
    lock.lock();
    try {
      pendingKey = pending;
      session.keyed(true, null);
      session.welcomeAdvertised(windowLimit);
      post(l -> l.connected(this));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Connecting side with a pre-shared secret, when WELCOME arrived and the server's CONFIRM proved
   * it holds the same key: records the key and queues our own CONFIRM tag. {@code inline} says an
   * application thread read the server's CONFIRM itself and sends our CONFIRM after it (see {@link #readInline}), so the
   * writer is not woken for it.
   */
  private void established(ResumeKey resumeKey, byte[] clientConfirm, boolean inline) {
    lock.lock();
    try {
      key = resumeKey;
      session.keyed(true, clientConfirm); // the CONFIRM proves it read WELCOME; later ACKs too
      if (state == RockState.CONNECTING) {
        setState(RockState.CONNECTED);
      }
      if (inline) {
        sendPending = true;
      } else {
        wakeSender();
      }
      post(l -> l.connected(this));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Accepting side, once the key is derived (after WELCOME went out and the rock was attached):
   * records the key and the client's CONFIRM tag to expect, and sends this side's CONFIRM, the
   * first frame it sends, from the calling thread unless another thread is sending. Until then
   * nothing is sent (see {@link #fillFrames}). Blocks in a socket write like any sender.
   */
  void keyDerived(ResumeKey resumeKey, byte[] serverConfirm, byte[] clientConfirm) {
    lock.lock();
    try {
      if (state.isTerminal()) {
        return;
      }
      key = resumeKey;
      session.keyed(false, serverConfirm);
      session.expectConfirm(clientConfirm);
      sendPending = true;
    } finally {
      lock.unlock();
    }
    // The calling handshake thread sends the CONFIRM itself (with the first ACK behind it) instead
    // of waking the writer; the application gets the rock only once the client's CONFIRM came.
    sendDueInline(true);
  }

  boolean isConfirmed() {
    lock.lock();
    try {
      return session.confirmed();
    } finally {
      lock.unlock();
    }
  }

  boolean isConfirmedLocked() {
    return session.confirmed();
  }

  /** True once the rock's key has been computed (not merely pending). */
  boolean keyComputed() {
    lock.lock();
    try {
      return key != null;
    } finally {
      lock.unlock();
    }
  }

  /** True once the handshake gave the rock a key (computed or pending), so it can resume. */
  boolean isEstablished() {
    lock.lock();
    try {
      return hasKeyLocked();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under {@link #lock}, connecting side: true if a new rock whose connection broke before WELCOME
   * may try again, with a new connection and HELLO ({@link Supervisor#helloAgain}): it is still
   * connecting, has a supervisor, and its time to establish has not run out.
   */
  private boolean mayHelloAgainLocked() {
    return role == Role.CONNECTOR
        && state == RockState.CONNECTING
        && supervisor != null
        && clientSetup != null
        && establishDeadlineNanos != 0
        && System.nanoTime() - establishDeadlineNanos < 0;
  }

  /** Connecting side: until when a new rock may say HELLO again ({@link #establishDeadlineNanos}). */
  long establishDeadlineNanos() {
    lock.lock();
    try {
      return establishDeadlineNanos;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Connecting side, when saying HELLO again failed for good (its time ran out): fails the rock
   * with {@code cause}, the last break or refusal, as the first connection's failure would have.
   */
  void failEstablishing(IOException cause) {
    terminate(
        RockState.FAILED,
        new RockException(
            "rock " + id + " to " + peer() + " failed before it was established: " + cause.getMessage(), cause));
  }

  /**
   * Accepting side, as it answers a RESUME: returns the number of the CHALLENGE it is about to
   * send, for {@link #attach} to tell a stale resume from the latest.
   */
  long nextChallenge() {
    lock.lock();
    try {
      return challengesSent++;
    } finally {
      lock.unlock();
    }
  }

  /** Makes {@code next} the rock's first connection, or a resumed connection of the connector. */
  void attach(Connection next, long peerReceived, boolean peerHasFin, boolean resumed)
      throws IOException {
    attach(next, peerReceived, peerHasFin, resumed, -1);
  }

  /**
   * Makes {@code next} the rock's connection. {@code peerReceived} is how much the peer holds of
   * our stream (retransmission starts there); {@code peerFinReceived} says it also has our FIN.
   * {@code challenge} is, on the accepting side of a resume, the number of the CHALLENGE the
   * peer's PROOF answered ({@link #nextChallenge}), else -1. Closes the previous connection, if
   * any. A resume older than the one attached last is refused: {@code next} is closed, the rock
   * carries on, and a {@link RockProtocolException} says why. Throws if the peer's counts are
   * impossible, which fails the rock.
   */
  void attach(Connection next, long peerReceived, boolean peerHasFin, boolean resumed, long challenge)
      throws IOException {
    Connection previous;
    long retransmitting;
    Duration suspendedFor = Duration.ZERO;
    boolean unnoticedFailure = false;
    boolean confirmedNow = false;
    RockProtocolException impossible = null;
    if (!next.handshakeDone()) {
      throw new SocketException("rock " + id + ": the handshake's deadline passed as it ended");
    }
    lock.lock();
    try {
      if (state.isTerminal()) {
        next.close();
        throw new RockException("rock " + id + " is " + state);
      }
      if (challenge >= 0 && challenge < attachedChallenge) {
        next.close();
        throw new RockProtocolException(
            "refused a stale resume of rock " + id + " from " + next.remote() + ": it answered"
                + " challenge " + challenge + ", and the resume of challenge " + attachedChallenge
                + " attached before it");
      }
      String impossibleCounts = session.checkPeerCounts(peerReceived, peerHasFin);
      if (impossibleCounts != null) {
        impossible = new RockProtocolException("rock " + id + ": " + impossibleCounts);
        throw impossible; // the finally below fails the rock, once the lock is released
      }
      previous = connection;
      nextGenerationLocked();
      if (challenge >= 0) {
        attachedChallenge = challenge;
      }
      connection = next;
      watchLocked(next, generation, System.nanoTime() + session.liveness.heartbeatIntervalNanos());
      localAddress = (InetSocketAddress) next.socket.getLocalSocketAddress();
      peer = next.remote(); // on the accepting side too: the peer may have a new address
      retransmitting = session.attach(peerReceived, peerHasFin, resumed);
      confirmedNow = session.confirmedByResume();
      if (resumed) {
        if (state == RockState.SUSPENDED) {
          long suspendedNanos = System.nanoTime() - suspendedSinceNanos;
          suspendedTotalNanos += suspendedNanos;
          suspendedFor = Duration.ofNanos(suspendedNanos);
        } else {
          suspensions++; // the peer saw a failure this side had not noticed yet
          unnoticedFailure = true;
        }
      }
      if (state != RockState.CONNECTING) {
        setState(RockState.CONNECTED); // a new rock stays CONNECTING until its handshake completes
      }
      // The events are queued with the change they report, under the lock, so no thread sees the
      // rock connected again before its resumed event is on its way (EventDispatcher).
      if (confirmedNow) {
        post(l -> l.connected(this));
      }
      if (unnoticedFailure) {
        RockException cause =
            new RockException("rock " + id + ": the peer reconnected before this side noticed the failure");
        post(l -> l.suspended(this, cause));
      }
      if (resumed) {
        Duration finalSuspendedFor = suspendedFor;
        post(l -> l.resumed(this, finalSuspendedFor, retransmitting));
      }
      wake();
      if (role == Role.CONNECTOR && !hasKeyLocked()) {
        // A new rock: the application's first read usually comes before WELCOME, so its thread
        // reads WELCOME itself instead of being woken by the reader (see welcomeStep).
        // The reader takes over after WELCOME_LEND_NANOS rather than LEND_MIN_NANOS: until WELCOME
        // is read, a broken connection fails the rock, so no one reading must not last long.
        handshakeStartNanos = System.nanoTime();
        handshakeStartStalled = LocalStalls.total(handshakeStartNanos);
        if (establishDeadlineNanos == 0) {
          establishDeadlineNanos = handshakeStartNanos + establishWindowNanos(options);
        }
        lastAppInputNanos = handshakeStartNanos - LEND_MIN_NANOS + WELCOME_LEND_NANOS;
        next.inputTaken = false;
        next.startsLent = true;
      }
      startThreads(next, generation);
    } finally {
      lock.unlock();
      if (impossible != null) {
        next.close();
        terminate(RockState.FAILED, impossible);
      }
    }
    if (previous != null) {
      previous.close();
    }
    if (confirmedNow) {
      hooks.confirmed(this);
    }
    if (resumed) {
      hooks.resumed(this);
      log.info(
          "rock {} resumed with {} after {} ms; retransmitting {} bytes",
          id,
          next,
          suspendedFor.toMillis(),
          retransmitting);
    }
    finishIfDone();
  }

  private void startThreads(Connection conn, long gen) {
    if (!conn.readByAttacher) {
      RockThreads.start("reader", id, () -> readLoop(conn, gen));
    }
    // The writer starts when something is to be sent (signalWriterLocked): attach made the first
    // ACK due, unless WELCOME carried it.
  }

  /**
   * Accepting side: the calling thread, which attached {@code conn} (marked {@link
   * Connection#readByAttacher}), becomes its reader thread, instead of handing it to a new one.
   * Returns when the connection is no longer the rock's, like any reader thread; at once if it
   * already is not.
   */
  void serveAsReader(Connection conn) {
    long gen;
    lock.lock();
    try {
      if (connection != conn || state.isTerminal()) {
        return; // it failed already; a resume starts its own reader
      }
      gen = generation;
    } finally {
      lock.unlock();
    }
    RockThreads.run("reader", id, () -> readLoop(conn, gen));
  }

  // ---------------------------------------------------------------- connection threads

  private void readLoop(Connection conn, long gen) {
    FrameReader reader = conn.reader;
    try {
      if (conn.startsLent && !awaitInputTurn(conn, gen)) {
        return; // a new rock's input starts lent: an application thread in read takes WELCOME
      }
      if (role == Role.CONNECTOR && !isEstablished()) {
        conn.socket.setSoTimeout((int) Math.max(1, options.heartbeatInterval().toMillis()));
        while (!welcomeStep(conn, false)) {
          // each read timed out within the handshake timeout
        }
      }
      // No read timeout: the reader waits for bytes and nothing else. The rock's watch on the
      // shared timer (watch) closes the connection when the peer has been silent too long, which
      // ends this read with an error; an idle rock's reader wakes only for its peer's heartbeats.
      conn.socket.setSoTimeout(0);
      long lastDataNanos = System.nanoTime();
      while (true) {
        byte type;
        try {
          type = reader.nextFrame();
        } catch (SocketTimeoutException timeout) {
          // Only while an application thread that held the input had set its own timeout.
          if (!isCurrent(gen)) {
            return;
          }
          conn.socket.setSoTimeout(0);
          continue;
        }
        if (!onFrame(reader, type, gen, false)) {
          return;
        }
        boolean lent = (type == Wire.DATA || type == Wire.ACK) && lendInput(conn, type);
        if (lent && !awaitInputTurn(conn, gen)) {
          return;
        }
        if (type == Wire.DATA) {
          lastDataNanos = reader.lastByteNanos();
        } else if (reader.lastByteNanos() - lastDataNanos > options.heartbeatInterval().toNanos()) {
          reader.trim(); // only heartbeats lately: give back a buffer grown by bulk data
        }
        if (lent) {
          conn.socket.setSoTimeout(0); // the application thread that read set its own timeout
        }
      }
    } catch (RockProtocolException e) {
      log.warn("rock {}: closing connection {}: {}", id, conn, e.getMessage());
      fail(gen, e);
    } catch (IOException e) {
      connectionFailed(gen, e);
    } catch (RuntimeException e) {
      log.error("rock {}: reader failed unexpectedly", id, e);
      fail(gen, new RockException("rock " + id + ": internal error in reader", e));
    }
  }

  /**
   * A write on {@code conn} failed: leaves the failure to whoever reads the connection, which
   * meets it at its next read. What the peer sent before it closed or reset the connection is
   * still buffered and read first: its CLOSE, or the acknowledgement of our FIN, which end the
   * rock in order where acting on the write's "broken pipe" would suspend it. Before WELCOME the
   * peer's last word (a REJECT, a TLS alert refusing our certificate) likewise says why better
   * than a broken pipe. A reader that meets no failure of its own takes this one at its next
   * socket timeout, at most a second later ({@link Connection#writeFailure}).
   */
  private void writeFailed(Connection conn, IOException e) {
    log.debug("rock {}: write on {} failed: {}", id, conn, e.toString());
    long now = System.nanoTime();
    conn.writeFailedNanos = now;
    conn.writeFailure = e;
    lock.lock();
    try {
      if (connection == conn) {
        watchLocked(conn, generation, now + WRITE_FAILURE_GRACE_NANOS);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns how long the peer has been silent on the connection {@code reader} reads: the time
   * since its last byte, not counting up to one failure-detection period during which this JVM
   * was stalled ({@link FrameReader#silentNanos}). A stall forgives at most that much, so on a
   * machine that stays overloaded a dead link is still found within twice the usual time.
   */
  private long silentNanos(FrameReader reader) {
    return reader.silentNanos(System.nanoTime(), options.failureDetectionTime().toNanos());
  }

  /** How long the peer may be silent before the connection is dead ({@link Liveness}). */
  private long silenceLimitNanos() {
    lock.lock();
    try {
      return session.liveness.silenceLimitNanos();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns how long the next read may wait, in milliseconds, when the peer has been silent for
   * {@code silentNanos}: the time left until the failure threshold, at most 1 s, at least 1 ms.
   */
  private int pollMillis(long silentNanos, long limitNanos) {
    long leftNanos = limitNanos - silentNanos;
    return (int) Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(leftNanos)));
  }

  /**
   * On the reader thread, after a frame that woke application threads (bytes for a reader, space
   * for a writer): lends the connection's input to the application, so the woken thread reads the
   * next frames itself. Returns true if it did.
   */
  private boolean lendInput(Connection conn, byte type) {
    lock.lock();
    try {
      boolean woke =
          (type == Wire.DATA && readersWaiting > 0)
              || (type == Wire.ACK && writersWaiting > 0 && session.writable() > 0);
      if (!woke) {
        return false;
      }
      conn.inputTaken = false;
      lastAppInputNanos = System.nanoTime();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * On the reader thread, with the input lent: takes it back once no application thread has read
   * frames for {@link #LEND_MIN_NANOS}, so the connection is never left unread for longer than
   * that (its peer may be waiting for acknowledgements, or blocked writing). While an application
   * thread holds the input, blocked in a read, the reader's wait doubles up to {@link
   * #LEND_MAX_NANOS} ({@link #readerWaitsLong}), and that thread wakes it when it lets go: a rock
   * whose application waits in {@code read} costs the reader a few wake-ups a second. Returns false
   * if the connection is no longer current.
   */
  private boolean awaitInputTurn(Connection conn, long gen) throws InterruptedIOException {
    lock.lock();
    try {
      long heldWait = LEND_MIN_NANOS;
      while (true) {
        if (gen != generation || state.isTerminal()) {
          return false;
        }
        if (conn.inputTaken) {
          readerWaitsLong = heldWait > LEND_MIN_NANOS;
          readerTurn.awaitNanos(heldWait);
          heldWait = Math.min(2 * heldWait, LEND_MAX_NANOS);
          continue;
        }
        long idleNanos = System.nanoTime() - lastAppInputNanos;
        if (idleNanos >= LEND_MIN_NANOS) {
          conn.inputTaken = true;
          readerWaitsLong = false;
          return true;
        }
        readerWaitsLong = false;
        readerTurn.awaitNanos(LEND_MIN_NANOS - idleNanos);
      }
    } catch (InterruptedException e) {
      throw new InterruptedIOException("reader interrupted");
    } finally {
      lock.unlock();
    }
  }

  /**
   * Connecting side, by the thread that owns the first connection's input (the reader thread, or
   * an application thread in {@code read} or {@code write}): reads WELCOME. Without a pre-shared
   * secret the rock is then established, its key pending. With one, it derives the key (while the
   * server derives its own), then reads the server's CONFIRM and checks it; only then does the
   * rock pass on anything the server sent. Returns true once established, false if a read
   * timed out within the handshake timeout (a later call goes on where this one stopped); throws
   * {@link SocketTimeoutException} past it.
   */
  private boolean welcomeStep(Connection conn, boolean inline) throws IOException {
    try {
      if (welcomeRead == null) {
        byte type = conn.reader.nextHandshake();
        Handshake.Welcomed welcomed;
        try {
          welcomed = Handshake.readWelcome(clientSetup, id, conn.reader, type);
        } catch (Handshake.RejectedException e) {
          if (e.reason == Wire.REJECT_BUSY) {
            // The server made no rock: like a break before WELCOME, it may be tried again.
            throw new RefusedForNowException(e);
          }
          throw e;
        }
        clientSetup = null;
        if (welcomed.setup().preShared() == null) {
          established(new PendingKey(welcomed::key));
          return true;
        }
        welcomeRead = welcomed.establish();
      }
      Handshake.checkServerConfirm(id, welcomeRead, conn.reader, conn.reader.nextFrame());
      Handshake.Established done = welcomeRead;
      welcomeRead = null;
      established(done.key(), done.clientConfirm(), inline);
      return true;
    } catch (SocketTimeoutException timeout) {
      if (handshakeElapsedNanos() >= options.handshakeTimeout().toNanos()) {
        throw new SocketTimeoutException(
            "no answer to the rock handshake within " + options.handshakeTimeout().toMillis() + " ms");
      }
      return false;
    }
  }

  /**
   * Connecting side: how long this new rock has waited for WELCOME (with a pre-shared secret, and
   * the server's CONFIRM), not counting up to one handshake timeout during which this JVM was
   * stalled: a starved client must not give up on a server that answered in time.
   */
  private long handshakeElapsedNanos() {
    long now = System.nanoTime();
    long stalled = Math.min(options.handshakeTimeout().toNanos(), LocalStalls.since(handshakeStartStalled, now));
    return now - handshakeStartNanos - stalled;
  }

  /**
   * The server refused a new rock's HELLO for now (REJECT(BUSY): its accept queue was full) and made
   * no rock: an I/O failure of that connection, after which the rock says HELLO again while its
   * time to establish lasts ({@link #connectionFailed}).
   */
  static final class RefusedForNowException extends IOException {
    RefusedForNowException(Handshake.RejectedException refusal) {
      super(refusal.getMessage(), refusal);
    }
  }

  /** True while the connecting side waits for WELCOME or the server's CONFIRM. Never blocks. */
  private boolean welcomePending() {
    return clientSetup != null || welcomeRead != null;
  }

  /**
   * Applies one frame under the lock. {@code inline} says an application thread read it, and sends
   * what it makes due itself. Returns false if this connection is no longer current.
   */
  private boolean onFrame(FrameReader reader, byte type, long gen, boolean inline)
      throws RockProtocolException {
    boolean finished = false;
    boolean justConfirmed = false;
    lock.lock();
    sendingInline = inline;
    try {
      if (gen != generation) {
        return false;
      }
      switch (type) {
        case Wire.DATA ->
            session.onData(
                reader.offset,
                reader.buffer(),
                reader.bodyStart,
                reader.length,
                reader.ackRequested,
                reader.lastByteNanos());
        case Wire.PACE -> session.onPace(reader.paceMillis);
        case Wire.ACK -> finished = session.onAck(reader.received, reader.windowLimit, reader.flags);
        case Wire.FIN -> session.onFin(reader.offset);
        case Wire.CLOSE -> {
          session.onClose();
          finished = true;
        }
        case Wire.CONFIRM -> {
          justConfirmed =
              session.onConfirm(
                  reader.bodyBytes(0, ResumeKey.PROOF_BYTES),
                  options.preSharedSecret() != null,
                  id.toString(),
                  peer);
          if (justConfirmed) {
            post(l -> l.connected(this));
          }
        }
        default -> throw new RockProtocolException("unexpected frame " + Wire.typeName(type));
      }
      wake();
    } finally {
      sendingInline = false;
      lock.unlock();
    }
    if (justConfirmed) {
      hooks.confirmed(this);
    }
    if (finished) {
      finishIfDone();
    }
    return true;
  }

  /** Under {@link #lock}: wakes the threads the session's last calls made due. */
  private void wake() {
    int wakeups = session.takeWakeups();
    if (wakeups == 0) {
      return;
    }
    if ((wakeups & RockSession.WAKE_READERS) != 0) {
      readable.signalAll();
    }
    if ((wakeups & RockSession.WAKE_WRITERS) != 0) {
      writable.signalAll();
    }
    if ((wakeups & RockSession.WAKE_STATE) != 0) {
      stateChanged.signalAll();
    }
    if ((wakeups & RockSession.WAKE_SENDER) != 0
        || ((wakeups & RockSession.WAKE_SENDER_UNLESS_WRITERS) != 0 && writersWaiting == 0)) {
      wakeSender();
    }
    if ((wakeups & RockSession.WAKE_TIMER) != 0 && connection != null) {
      watchLocked(connection, generation, System.nanoTime());
    }
  }

  // ---------------------------------------------------------------- the watch

  /**
   * Under {@link #lock}: makes the rock's watch look at {@code conn} at {@code atNanos}, in place
   * of any look already scheduled. The watch runs on the shared {@link RockTimer}: it is the
   * rock's only clock while connected (see {@link #watch}).
   */
  private void watchLocked(Connection conn, long gen, long atNanos) {
    if (watchEntry != null) {
      if (watchEntry.atNanos <= atNanos && watchedConnection == conn) {
        return; // an earlier look is due anyway, and it schedules the next
      }
      watchEntry.cancel();
    }
    long look = ++watchLooks;
    watchedConnection = conn;
    watchEntry = RockTimer.at(atNanos, () -> watch(conn, gen, look));
  }

  /**
   * Under {@link #lock}: moves the rock to a new generation, so the threads of its previous
   * connection stop: wakes its reader if it waits for its turn and its writer, which waits
   * without a timeout.
   */
  private void nextGenerationLocked() {
    generation++;
    readerTurn.signalAll();
    sendable.signalAll();
  }

  /**
   * On a virtual thread, after the watch found {@code conn} dead: looks once more, and suspends the
   * rock only if the connection is still silent past its limit and no bytes wait unread; else the
   * watch goes on. A failed write is final and needs no second look.
   */
  private void confirmDead(Connection conn, long gen, IOException cause) {
    if (!(cause instanceof SocketTimeoutException)) {
      connectionFailed(gen, cause);
      return;
    }
    long now = System.nanoTime();
    lock.lock();
    try {
      if (gen != generation || connection != conn || state.isTerminal()) {
        return;
      }
      if (!lookLocked(conn, now, true).dead() || conn.bytesWaiting()) {
        watchLocked(conn, gen, now + STARVED_LOOK_NANOS);
        return;
      }
    } finally {
      lock.unlock();
    }
    connectionFailed(gen, cause);
  }

  /**
   * Under {@link #lock}: the session's look at {@code conn} at {@code now}, with the silence its
   * reader measured (up to one detection time of this JVM's stalls forgiven).
   */
  private RockSession.Look lookLocked(Connection conn, long now, boolean writerKeepsTime) {
    return session.look(
        now,
        conn.reader.silentNanos(now, session.liveness.fastLimitNanos()),
        now - conn.lastSendNanos,
        writerKeepsTime);
  }

  /** Under {@link #lock}: the rock has no connection to watch any more. */
  private void cancelWatchLocked() {
    if (watchEntry != null) {
      watchEntry.cancel();
      watchEntry = null;
    }
    watchLooks++;
    watchedConnection = null;
  }

  /**
   * On the timer thread, never blocking: looks at the rock's current connection. Suspends the rock
   * if the peer has been silent past its limit ({@link Liveness#silenceLimitNanos}), or past the
   * usual detection time while written data waits for an acknowledgement, or if a write failed
   * and no reader met the failure itself; enters idle mode when it is time ({@link
   * RockSession#maybeEnterIdle}); wakes the writer when a heartbeat is due; and schedules its next
   * look at the earliest of these deadlines.
   */
  private void watch(Connection conn, long gen, long look) {
    long now = System.nanoTime();
    IOException dead = null;
    boolean keepAlive = false;
    lock.lock();
    try {
      if (look != watchLooks || gen != generation || connection != conn || state.isTerminal()) {
        return;
      }
      watchEntry = null;
      Liveness liveness = session.liveness;
      long next;
      if (role == Role.CONNECTOR && welcomePending()) {
        next = liveness.heartbeatIntervalNanos(); // the handshake timeout is the reader's to watch
      } else {
        boolean writerKeepsTime = writer != null && writerGeneration == gen; // see writeLoop
        RockSession.Look verdict = lookLocked(conn, now, writerKeepsTime);
        if (verdict.dead() && conn.bytesWaiting()) {
          // Bytes came and no thread has read them yet: on a starved machine the reader may run
          // late, and the silence is this side's, not the peer's. Look again soon.
          watchLocked(conn, gen, now + STARVED_LOOK_NANOS);
          return;
        }
        if (verdict.dead()) {
          dead = silenceException(verdict.silenceNanos());
          return;
        }
        IOException writeFailure = conn.writeFailure;
        if (writeFailure != null && now - conn.writeFailedNanos >= WRITE_FAILURE_GRACE_NANOS) {
          dead = writeFailure;
          return;
        }
        if (verdict.enteredIdle()) {
          keepAlive = options.tcpKeepAlive();
          log.debug("rock {}: idle; heartbeats every {} ms", id, liveness.heartbeatIntervalNanos() / 1_000_000);
        }
        wake();
        if (verdict.heartbeatDue()) {
          wakeSender(); // the writer sends the heartbeat
        }
        next = verdict.nextAtNanos() - now;
        if (writeFailure != null) {
          next = Math.min(next, WRITE_FAILURE_GRACE_NANOS);
        }
      }
      watchLocked(conn, gen, now + Math.max(WATCH_MIN_NANOS, next));
    } finally {
      lock.unlock();
      if (dead != null) {
        // Confirmed on a virtual thread, not acted on here: that thread runs only once this JVM's
        // carrier threads get to it, as the connection's reader would, and looks again then (with
        // the stalls of this JVM meanwhile forgiven, LocalStalls), so a machine too busy to run
        // the rocks' threads does not suspend them for silence it caused. Closing the connection
        // also waits for the threads blocked in it, which the timer thread must never do.
        IOException cause = dead;
        RockThreads.start("suspend", id, () -> confirmDead(conn, gen, cause));
      } else if (keepAlive) {
        conn.keepAlive(options.idleHeartbeatInterval(), options.failureSensitivity());
      }
    }
  }

  /**
   * The writer thread of one connection: sends acknowledgements, heartbeats, retransmissions,
   * FIN and CLOSE, and the data no application thread sent itself ({@link #sendFromApplication}).
   * Waits on {@link #sendable} without any lock but {@link #lock}; takes {@link #sendLock} to
   * encode and write.
   */
  private void writeLoop(Connection conn, long gen, Object token) {
    try {
      int batches = 0;
      while (true) {
        long waitNanos = sendDue(conn, gen);
        if (waitNanos < 0) {
          return;
        }
        if (waitNanos == 0) {
          batches++;
          continue; // something was sent: look again before waiting
        }
        lock.lock();
        try {
          if (gen != generation) {
            return;
          }
          // Out of idle mode the writer stays and sends the next heartbeat itself when it is due
          // (waitNanos): the shared timer then only watches for silence. In idle mode a writer
          // that sent one batch (a heartbeat) ends at once, and one that sent more waits a while
          // for the next; the timer starts one for the next heartbeat.
          long linger = !session.liveness.idle() ? waitNanos : batches > 1 ? WRITER_LINGER_NANOS : 0;
          if (!sendPending && (linger == 0 || sendable.awaitNanos(linger) <= 0) && !sendPending) {
            if (!session.liveness.idle() && gen == generation) {
              continue; // a heartbeat is due: the loop sends it
            }
            if (writer == token) {
              writer = null; // under the lock: the next wake-up starts a writer
            }
            return;
          }
        } finally {
          lock.unlock();
        }
      }
    } catch (InterruptedException e) {
      connectionFailed(gen, new InterruptedIOException("writer interrupted"));
    } catch (IOException e) {
      writeFailed(conn, e);
    } catch (RuntimeException e) {
      log.error("rock {}: writer failed unexpectedly", id, e);
      fail(gen, new RockException("rock " + id + ": internal error in writer", e));
    } finally {
      lock.lock();
      try {
        if (writer == token) {
          writer = null;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Writer thread: encodes and writes whatever is due on {@code conn}, a heartbeat included if
   * nothing was sent for an interval. Returns -1 if {@code conn} is no longer the rock's
   * connection, 0 if frames were written, else how long to wait, in nanoseconds, until a
   * heartbeat is due. Blocks in socket I/O, holding {@link #sendLock} but not {@link #lock}.
   */
  private long sendDue(Connection conn, long gen) throws IOException {
    boolean finishAfter;
    sendLock.lock();
    try {
      lock.lock();
      try {
        if (gen != generation) {
          return -1;
        }
        sendPending = false;
        long heartbeatNanos = session.liveness.heartbeatIntervalNanos();
        long sinceSend = System.nanoTime() - conn.lastSendNanos;
        boolean heartbeatDue = sinceSend >= heartbeatNanos;
        if (heartbeatDue) {
          // Nothing was sent for a whole interval: give back memory grown by bulk transfers.
          conn.frames.trim();
          session.trimIdle();
        }
        finishAfter = session.fill(conn.frames, heartbeatDue);
        if (conn.frames.size() == 0) {
          return Math.max(1, heartbeatNanos - sinceSend);
        }
      } finally {
        lock.unlock();
      }
      conn.frames.flushTo(conn);
      conn.lastSendNanos = System.nanoTime();
    } finally {
      sendLock.unlock();
    }
    if (finishAfter) {
      finishIfDone();
    }
    return 0;
  }

  // ---------------------------------------------------------------- failure and recovery

  boolean isCurrent(long gen) {
    lock.lock();
    try {
      return gen == generation && !state.isTerminal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The connection of generation {@code gen} failed: suspend, unless a newer connection already
   * replaced it or the rock was never established (then the rock fails: there is no key to resume
   * with).
   */
  void connectionFailed(long gen, IOException cause) {
    Connection broken = null;
    boolean suspendedNow = false;
    boolean ended = false;
    Supervisor recovery = null;
    Supervisor helloAgain = null;
    lock.lock();
    try {
      if (gen != generation || state.isTerminal()) {
        return;
      }
      if (doneLocked()) {
        // Its last frames are out and the peer's are in: the peer closing the connection as it
        // ends (often with a reset, when our last ACK reached it unread) is no failure.
        ended = true;
      } else if (!hasKeyLocked() && mayHelloAgainLocked() && !(cause instanceof javax.net.ssl.SSLException)) {
        // Also after the handshake timeout: a server answering a burst of thousands may take
        // longer than that to reach this rock's HELLO. Not after a TLS failure, such as a refused
        // certificate, which would only repeat itself.
        // No key yet, so nothing to resume; but the server made no rock of ours that we know of
        // (the break came before WELCOME), so a new HELLO with the same id may still make it.
        broken = connection;
        connection = null;
        cancelWatchLocked();
        nextGenerationLocked();
        helloAgain = supervisor;
        log.info("rock {} to {}: first connection broke before WELCOME ({}); saying HELLO again",
            id, peer, cause.toString());
      } else if (!hasKeyLocked()) {
        failLocked(
            new RockException(
                "rock " + id + " to " + peer + " failed before it was established: " + cause.getMessage(),
                cause));
        broken = connection;
        connection = null;
        cancelWatchLocked();
      } else {
        broken = connection;
        connection = null;
        cancelWatchLocked();
        nextGenerationLocked();
        suspensions++;
        suspendedSinceNanos = System.nanoTime();
        setState(RockState.SUSPENDED);
        suspendedNow = true;
        recovery = supervisor;
        log.info("rock {} to {} suspended: {}", id, peer, cause.toString());
        post(l -> l.suspended(this, cause));
      }
    } finally {
      lock.unlock();
    }
    if (ended) {
      terminate(RockState.CLOSED, null);
      return;
    }
    // Recovery first: closing never blocks (Connection#close), but nothing should wait for it.
    if (recovery != null) {
      recovery.suspended();
    }
    if (helloAgain != null) {
      Supervisor establishing = helloAgain;
      IOException why = cause;
      RockThreads.start("establisher", id, () -> establishing.helloAgain(why));
    }
    if (broken != null) {
      broken.close();
    }
    if (isTerminalNow()) {
      hooks.terminated(this);
    } else if (suspendedNow) {
      hooks.suspended(this);
    }
  }

  /** Fails the rock for good, if {@code gen} is still current. */
  void fail(long gen, IOException cause) {
    lock.lock();
    try {
      if (gen != generation) {
        return;
      }
    } finally {
      lock.unlock();
    }
    terminate(RockState.FAILED, cause);
  }

  /** Fails the rock for good, whatever its connection. */
  void fail(IOException cause) {
    terminate(RockState.FAILED, cause);
  }

  long suspendedSinceNanos() {
    lock.lock();
    try {
      return suspendedSinceNanos;
    } finally {
      lock.unlock();
    }
  }

  /** Returns true if the peer already has everything this side will ever send, FIN included. */
  boolean deliveredEverything() {
    lock.lock();
    try {
      return session.deliveredEverything();
    } finally {
      lock.unlock();
    }
  }

  private void failLocked(IOException cause) {
    failure = cause;
    nextGenerationLocked();
    setState(RockState.FAILED);
    readable.signalAll();
    writable.signalAll();
    log.warn("rock {} to {} failed: {}", id, peer, cause.getMessage());
    post(l -> l.failed(this, cause));
  }

  /**
   * Moves to a terminal state, closes the connection and frees the buffers. Safe to call more than
   * once; the first call wins.
   */
  void terminate(RockState terminal, IOException cause) {
    assert !sendLock.isHeldByCurrentThread() : "a CLOSE written at the end would wait for this thread";
    Connection last;
    boolean sendClose;
    boolean abortedHere;
    boolean keyHeld;
    Supervisor recovery;
    lock.lock();
    try {
      if (state.isTerminal()) {
        return;
      }
      last = connection;
      connection = null;
      cancelWatchLocked();
      sendClose =
          terminal == RockState.CLOSED && last != null && !session.closeSent() && !session.peerClosed();
      abortedHere = session.aborted() && !session.peerClosed();
      keyHeld = hasKeyLocked();
      recovery = supervisor;
      if (terminal == RockState.FAILED) {
        if (role == Role.CONNECTOR && keyHeld && recovery != null
            && !(cause instanceof Handshake.RejectedException)) {
          // Started before the failure shows: an application that exits as soon as it sees it
          // still has its notice waited for (GoneNotices). Starting a thread never blocks.
          recovery.tellGone(Wire.GONE_FAILED);
        }
        failLocked(cause);
      } else {
        nextGenerationLocked();
        setState(RockState.CLOSED);
        readable.signalAll();
        writable.signalAll();
        post(l -> l.closed(this));
      }
      session.discardInFlight();
    } finally {
      lock.unlock();
    }
    boolean closeWritten = false;
    if (last != null) {
      if (terminal == RockState.CLOSED) {
        closeWritten = closeAfterLastWrite(last, sendClose);
      }
      last.close();
    }
    // A connector whose acceptor may still hold the rock, suspended or unaware, tells it on a
    // fresh connection (GONE), so it does not wait for a resume until its reconnect timeout.
    if (role == Role.CONNECTOR && keyHeld && recovery != null
        && terminal == RockState.CLOSED && abortedHere && !closeWritten) {
      recovery.tellGone(Wire.GONE_ABORTED); // before abort() returns to the application
    }
    hooks.terminated(this);
  }

  /**
   * Accepting side: the connector proved with GONE that it ended the rock; ends it here too. An
   * aborted rock ends {@code CLOSED} as on the peer's CLOSE (reads then fail with a reset); a
   * failed one ends {@code FAILED}, saying so.
   */
  void peerGone(byte reason, InetSocketAddress from) {
    if (reason == Wire.GONE_ABORTED) {
      lock.lock();
      try {
        session.peerAborted();
        log.info("rock {} from {}: its client aborted it and said so", id, from);
      } finally {
        lock.unlock();
      }
      terminate(RockState.CLOSED, null);
    } else {
      terminate(
          RockState.FAILED,
          new RockException(
              "rock " + id + ": its client at " + from + " gave up on it (its rock failed) and said so"));
    }
  }

  /**
   * As a rock ends in order, before {@code conn} is closed: waits for the batch another thread may
   * still be writing (it may hold the rock's last ACK or CLOSE, which closing now would lose, so
   * the peer would suspend instead of ending), then, if {@code sendClose}, writes CLOSE to tell the
   * peer the rock ended. Every write holds {@link #sendLock}, as every sender's does: a CLOSE
   * written while another thread is between two write calls of one batch would land inside a
   * frame. Best effort and bounded: a write can block on a stalled link, so the CLOSE is written on
   * a thread of its own and the caller waits at most {@link #CLOSE_GRACE_MILLIS}; if the lock is
   * not free by then, no CLOSE is sent (a connector then tells its peer with GONE, see {@link
   * #terminate}). Returns true if a CLOSE was written. Never called holding {@link #lock} or
   * {@link #sendLock}.
   */
  private boolean closeAfterLastWrite(Connection conn, boolean sendClose) {
    if (sendLock.tryLock()) {
      sendLock.unlock(); // no batch is being written
      if (!sendClose) {
        return false;
      }
    }
    java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();
    Thread sender =
        Thread.ofVirtual()
            .name("rock-close-" + id)
            .start(
                () -> {
                  try {
                    if (!sendLock.tryLock(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                      return; // a batch is still being written: a CLOSE now could split a frame
                    }
                    try {
                      if (sendClose) {
                        FrameWriter frames = new FrameWriter();
                        frames.close();
                        frames.flushTo(conn);
                        written.set(true);
                      }
                    } finally {
                      sendLock.unlock();
                    }
                  } catch (IOException | InterruptedException ignored) {
                    // The peer learns of the end when it tries to resume.
                  }
                });
    try {
      sender.join(Duration.ofMillis(CLOSE_GRACE_MILLIS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return written.get();
  }

  /**
   * Ends the rock in order when both directions are done: our FIN is acknowledged and the peer's
   * FIN received (and its acknowledgement written), or the application closed and the peer was
   * told with CLOSE, or the peer sent CLOSE.
   */
  private void finishIfDone() {
    boolean done;
    lock.lock();
    try {
      done = !state.isTerminal() && doneLocked();
    } finally {
      lock.unlock();
    }
    if (done) {
      terminate(RockState.CLOSED, null);
    }
  }

  /**
   * Under {@link #lock}: true once the rock has nothing left to do. The frames this depends on may
   * have been put in a batch that is still being written; {@link #terminate} closes the connection
   * only after that write.
   */
  private boolean doneLocked() {
    return session.done();
  }

  private boolean isTerminalNow() {
    lock.lock();
    try {
      return state.isTerminal();
    } finally {
      lock.unlock();
    }
  }

  RockState stateLocked() {
    return state;
  }

  private void setState(RockState next) {
    if (state != next) {
      state = next;
      stateChanged.signalAll();
    }
  }

  /**
   * Queues {@code event} for the rock's listeners. Called under {@link #lock} at the change the
   * event reports, so events are queued in the order of the changes, and before any thread can
   * see the new state; never blocks (EventDispatcher).
   */
  void post(Consumer<RockListener> event) {
    if (listeners.isEmpty()) {
      return;
    }
    List<RockListener> snapshot = List.copyOf(listeners);
    events.post(
        () -> {
          for (RockListener listener : snapshot) {
            try {
              event.accept(listener);
            } catch (Throwable t) {
              log.warn("rock {}: listener {} threw; the rock carries on", id, listener, t);
            }
          }
        });
  }

  /** Returns the failure to throw to the application: always of the rocks exception family. */
  private IOException rethrowable(IOException stored) {
    return stored instanceof RockException
        ? stored
        : new RockException("rock " + id + " failed: " + stored.getMessage(), stored);
  }
}
