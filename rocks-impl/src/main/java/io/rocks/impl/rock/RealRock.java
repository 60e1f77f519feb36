package io.rocks.impl.rock;

import io.rocks.Rock;
import io.rocks.RockException;
import io.rocks.RockId;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockProtocolException;
import io.rocks.RockState;
import io.rocks.RockStats;
import io.rocks.impl.core.Liveness;
import io.rocks.impl.core.Resumption;
import io.rocks.impl.core.RockLifecycle;
import io.rocks.impl.core.RockSession;
import io.rocks.impl.core.Role;
import io.rocks.impl.core.WindowTuning;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.EventDispatcher;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.io.LocalAddressWatch;
import io.rocks.impl.io.LocalStalls;
import io.rocks.impl.io.RockThreads;
import io.rocks.impl.io.RockTimer;
import io.rocks.impl.jfr.RockFlightEvents;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One rock: the {@link Rock} the application holds, and the shell that drives its protocol core
 * ({@link RockSession} for the byte streams, {@link RockLifecycle} for the state machine) under one
 * lock, with the I/O done outside it by the parts below.
 *
 * <table>
 *   <caption>The parts of a rock and the threads that run them</caption>
 *   <tr><th>part</th><th>owns</th><th>runs on</th></tr>
 *   <tr><td>{@link RockSession}, {@link Liveness}, {@link RockLifecycle}</td>
 *       <td>byte streams, frames, heartbeats and idle mode; state, generation, counts</td>
 *       <td>whichever thread holds {@link #lock}; no I/O, no clock</td></tr>
 *   <tr><td>{@link RockStreams}</td>
 *       <td>the application's blocking reads and writes; the connection's input and its lending</td>
 *       <td>application threads; the connection's reader virtual thread</td></tr>
 *   <tr><td>{@link RockSender}</td>
 *       <td>encoding and writing frames; the writer started on demand</td>
 *       <td>application threads; a writer virtual thread</td></tr>
 *   <tr><td>{@link RockWatch}</td>
 *       <td>the rock's clock while connected: silence, heartbeats, idle mode</td>
 *       <td>the shared {@link RockTimer} thread; a virtual thread to suspend</td></tr>
 *   <tr><td>{@link ClientEstablishment}</td>
 *       <td>a new connecting rock's handshake until WELCOME</td>
 *       <td>whichever thread owns the first connection's input</td></tr>
 *   <tr><td>{@link Supervisor}</td>
 *       <td>recovery after a suspension: dialing, backoff, the reconnect timeout ({@code Recovery})</td>
 *       <td>the timer; a virtual thread per attempt</td></tr>
 *   <tr><td>{@link RockKeys}</td>
 *       <td>the key, establishment's results, what a resume or a HELLO said again needs</td>
 *       <td>handshake threads, the reader, the thread that resumes</td></tr>
 *   <tr><td>{@link RockEnding}</td>
 *       <td>what a broken connection means (suspend, HELLO again, fail, end), and the end</td>
 *       <td>whichever thread noticed</td></tr>
 * </table>
 *
 * <p>This class is the {@link Rock} the application holds, and keeps what joins the parts: the
 * rock's identity, options, peer and current {@link Connection}; attaching a connection ({@link
 * #attach}); applying a decoded frame ({@link #onFrame}); mapping the core's wake-ups to the parts
 * ({@link #wakeLocked}); and the listeners' events ({@link #post}).
 *
 * <p>Everything mutable is guarded by {@link #lock}, a {@link ReentrantLock} (never a monitor, so
 * virtual threads blocked on it do not pin their carrier), except the fields documented otherwise.
 * No socket I/O happens while it is held: threads copy bytes under the lock and do I/O after
 * releasing it. Lock order: {@code Supervisor.lock}, then the write lock of {@link RockStreams},
 * then the send lock of {@link RockSender}, then {@link #lock}.
 */
public final class RealRock implements Rock {
  private static final Logger log = LogManager.getLogger(RealRock.class);

  public final RockId id;
  final Role role;
  /** Replaced whole by {@link #setOptions}; read without the lock by the connection threads. */
  private volatile RockOptions options;
  private final EventDispatcher events;
  private final List<RockListener> listeners = new CopyOnWriteArrayList<>();
  /** Tells the rock's owner of suspensions, resumptions, confirmation and the end. */
  final RockHooks hooks;

  final ReentrantLock lock = new ReentrantLock();
  /** Signalled on every state change; the supervisor waits on it. */
  final Condition stateChanged = lock.newCondition();

  // The protocol core, guarded by lock.
  /** The rock's byte streams and frames. */
  final RockSession session;
  /** The rock's state machine. */
  final RockLifecycle life;

  // The shell's parts; each documents its own threads and fields.
  final RockStreams streams;
  final RockSender sender;
  final RockWatch watch;
  /** The connecting side's handshake until WELCOME; null on the accepting side. */
  public final ClientEstablishment establishment;

  /** The rock's key and what its handshakes need of it. */
  public final RockKeys keys;
  /** How its connections break and how it ends. */
  final RockEnding ending;

  // All fields below are guarded by lock.
  private InetSocketAddress peer;
  private InetSocketAddress localAddress;
  /** The current connection; null while there is none. Written only by attach and detachLocked. */
  private Connection connection;

  /** Recovers this rock when it suspends; set once, right after the rock is made. */
  Supervisor supervisor;

  /** Where the connecting side reconnects, tried in turn. */
  private List<InetSocketAddress> reconnectAddresses;
  private int nextAddress;
  /** Set by {@link #reconnectNow}; the supervisor skips its backoff pause and clears it. */
  private boolean reconnectRequested;
  /**
   * The application closed or aborted the rock ({@link RockSession#appClosed}, kept here too):
   * written under {@link #lock}, volatile so that {@link #state} and {@link #isAppClosed} read it
   * without the lock.
   */
  private volatile boolean closedByApplication;

  public RealRock(
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
    this.hooks = hooks;
    this.events = new EventDispatcher(id.toString());
    LocalStalls.start();
    Liveness liveness = new Liveness(options, System.nanoTime());
    this.session =
        options.windowTuning()
            ? new RockSession(
                role,
                new WindowTuning(options.receiveWindow(), options.inFlightCapacity(), options.maxWindow(), ProcessWindowBudget.INSTANCE),
                liveness)
            : new RockSession(role, options.inFlightCapacity(), options.receiveWindow(), liveness);
    // In idle mode one end of each rock leads and the other answers its heartbeats (Liveness): the
    // rock id's lowest bit chooses, so a server's rocks lead about half each way.
    session.liveness.follower((role == Role.ACCEPTOR) == ((id.low() & 1) == 0));
    this.life = new RockLifecycle(initialState);
    this.streams = new RockStreams(this);
    this.sender = new RockSender(this);
    this.watch = new RockWatch(this);
    this.establishment = role == Role.CONNECTOR ? new ClientEstablishment(this) : null;
    this.keys = new RockKeys(this);
    this.ending = new RockEnding(this);
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
    // Without the lock: a monitor asking thousands of rocks must not queue behind each one's
    // frames, and the state is one volatile field.
    RockState state = life.state();
    return closedByApplication && !state.isTerminal() ? RockState.CLOSING : state;
  }

  /**
   * The state machine's own state, which the rock's parts and its owners act on: a rock the
   * application closed is still CONNECTED or SUSPENDED here while it delivers what was written
   * ({@link #state} says CLOSING then).
   */
  public RockState lifeState() {
    return life.state();
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
      return life.stats(session, System.nanoTime());
    } finally {
      lock.unlock();
    }
  }

  /**
   * The receive window and the in-flight bound now, in bytes ({@link WindowTuning}; the fixed sizes
   * when the windows are not tuned): for benchmarks and diagnostics.
   */
  public int[] windowsNow() {
    lock.lock();
    try {
      return new int[] {session.receiveWindow(), session.sendBound()};
    } finally {
      lock.unlock();
    }
  }

  /**
   * Bytes the in-flight buffer and the receive buffer hold allocated now: for benchmarks and
   * diagnostics (an idle rock gives them back, however large its windows had grown).
   */
  public long bufferBytesNow() {
    lock.lock();
    try {
      return session.allocatedBytes();
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
      sender.wakeLocked();
      if (connection != null) {
        watch.lookLocked(connection, life.generation(), System.nanoTime());
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
      refuseIfClosedLocked("suspend");
      if (life.state() != RockState.CONNECTED) {
        return;
      }
      gen = life.generation();
    } finally {
      lock.unlock();
    }
    ending.connectionFailed(gen, new RockException("rock " + id + " suspended by the application"));
  }

  /**
   * A rock the application closed, or one that ended, is not suspended or reconnected on demand:
   * a closed rock only finishes delivering what was written, which its own recovery sees to.
   */
  private void refuseIfClosedLocked(String what) {
    if (life.isTerminal()) {
      throw new IllegalStateException("rock " + id + " is " + life.state() + ": it cannot " + what);
    }
    if (session.appClosed()) {
      throw new IllegalStateException("rock " + id + " was closed by the application: it cannot " + what);
    }
  }

  @Override
  public void reconnectNow() {
    long gen = -1;
    Supervisor waiting = null;
    lock.lock();
    try {
      refuseIfClosedLocked("reconnect");
      if (role == Role.CONNECTOR && life.state() == RockState.CONNECTING) {
        reconnectRequested = true; // a new rock saying HELLO again skips its pause
        stateChanged.signalAll();
      }
      if (role == Role.CONNECTOR && life.state() == RockState.SUSPENDED) {
        waiting = supervisor;
      }
      if (life.state() == RockState.CONNECTED) {
        gen = life.generation();
      }
    } finally {
      lock.unlock();
    }
    if (waiting != null) {
      waiting.reconnectNow();
    }
    if (gen >= 0) {
      ending.connectionFailed(gen, new RockException("rock " + id + ": reconnect requested by the application"));
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
    // Unresolved addresses are kept as names: Supervisor looks each up at the attempt that uses it.
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
      start = life.state() == RockState.SUSPENDED;
    } finally {
      lock.unlock();
    }
    if (start) {
      recovery.suspended();
    }
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
    return "rock " + id + " (" + role.name().toLowerCase() + ", peer " + Addresses.format(peer()) + ", " + state() + ")";
  }

  /** True while the rock is in idle mode ({@link Liveness}). */
  public boolean idle() {
    lock.lock();
    try {
      return session.liveness.idle();
    } finally {
      lock.unlock();
    }
  }

  /** Returns whether the current connection has the kernel's TCP keepalive on; false if none. */
  public boolean keepAliveOn() {
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
  public ReentrantLock sendLockForTests() {
    return sender.sendLock();
  }

  /** Returns every counter of both directions, for diagnosing a stalled rock. */
  public String describe() {
    lock.lock();
    try {
      return String.format("%s %s %s", role, life, session.describe());
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- application side

  int read(byte[] dst, int off, int len) throws IOException {
    return streams.read(dst, off, len);
  }

  void write(byte[] src, int off, int len) throws IOException {
    streams.write(src, off, len);
  }

  int available() {
    lock.lock();
    try {
      return session.available();
    } finally {
      lock.unlock();
    }
  }

  void shutdownOutput() {
    lock.lock();
    try {
      session.shutdownOutput();
      wakeLocked();
    } finally {
      lock.unlock();
    }
  }

  void shutdownInput() {
    lock.lock();
    try {
      if (!session.inputShutdown()) {
        session.shutdownInput();
        streams.reclaimLocked();
        wakeLocked();
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
    return closedByApplication;
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
      closedByApplication = true;
      streams.reclaimLocked();
      wakeLocked();
    } finally {
      lock.unlock();
    }
    ending.finishIfDone();
  }

  /** Closes at once, dropping undelivered bytes (SO_LINGER 0). Tells the peer if connected. */
  public void abort() {
    lock.lock();
    try {
      session.abort();
      closedByApplication = true;
    } finally {
      lock.unlock();
    }
    ending.terminate(RockState.CLOSED, null);
  }

  void soTimeout(int millis) {
    streams.soTimeout(millis);
  }

  int soTimeout() {
    return streams.soTimeout();
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
  public long receivedCount() {
    lock.lock();
    try {
      return session.received();
    } finally {
      lock.unlock();
    }
  }

  /** Connecting side: until when a new rock may say HELLO again ({@link ClientEstablishment}). */
  long establishDeadlineNanos() {
    lock.lock();
    try {
      return establishment.deadlineNanosLocked();
    } finally {
      lock.unlock();
    }
  }

  /** Makes {@code next} the rock's first connection, or a resumed connection of the connector. */
  public void attach(Connection next, long peerReceived, boolean peerHasFin, boolean resumed)
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
  public void attach(Connection next, long peerReceived, boolean peerHasFin, boolean resumed, long challenge)
      throws IOException {
    if (!next.handshakeDone()) {
      throw new SocketException("rock " + id + ": the handshake's deadline passed as it ended");
    }
    attachLive(next, peerReceived, peerHasFin, resumed, challenge);
  }

  /**
   * Accepting side, without a pre-shared secret: makes {@code next}, the connection whose HELLO
   * made this rock and that carried its WELCOME, the rock's first connection, even if that
   * handshake's deadline closed it as WELCOME went out. WELCOME may still have reached the client,
   * which then holds the key and resumes (or, if it did not, says the same HELLO again): the closed
   * connection fails at its first read and the rock suspends and waits for either, as any other.
   * Refusing it would fail the rock, and that client's resume would find no rock.
   */
  public void attachFirstAccepted(Connection next) throws IOException {
    next.handshakeDone(); // cancels the deadline if it has not fired; if it has, the reader finds out
    attachLive(next, 0, false, false, -1);
  }

  private void attachLive(Connection next, long peerReceived, boolean peerHasFin, boolean resumed, long challenge)
      throws IOException {
    Connection previous;
    long attachedGen;
    long retransmitting;
    Duration suspendedFor;
    boolean confirmedNow;
    RockProtocolException impossible = null;
    lock.lock();
    try {
      if (life.isTerminal()) {
        next.close();
        throw new RockException("rock " + id + " is " + life.state());
      }
      Resumption.Decision decision =
          Resumption.admit(life, session, challenge, new Resumption.Counts(peerReceived, peerHasFin));
      switch (decision.admission()) {
        case STALE -> {
          next.close();
          throw new RockProtocolException(
              "refused a stale resume of rock " + id + " from " + Addresses.format(next.remote()) + ": " + decision.reason());
        }
        case IMPOSSIBLE -> {
          impossible = new RockProtocolException("rock " + id + ": " + decision.reason());
          throw impossible; // the finally below fails the rock, once the lock is released
        }
        case ATTACH -> {}
      }
      long now = System.nanoTime();
      RockState before = life.state();
      previous = connection;
      suspendedFor = life.attached(now, resumed, challenge);
      generationChangedLocked();
      attachedGen = life.generation();
      connection = next;
      watch.lookLocked(next, life.generation(), now + session.liveness.heartbeatIntervalNanos());
      localAddress = (InetSocketAddress) next.socket.getLocalSocketAddress();
      peer = next.remote(); // on the accepting side too: the peer may have a new address
      retransmitting = session.attach(peerReceived, peerHasFin, resumed);
      confirmedNow = session.confirmedByResume();
      if (life.state() != before) {
        stateChanged.signalAll();
      }
      // The events are queued with the change they report, under the lock, so no thread sees the
      // rock connected again before its resumed event is on its way (EventDispatcher).
      if (confirmedNow) {
        post(l -> l.connected(this));
      }
      if (resumed && before != RockState.SUSPENDED) {
        RockException cause =
            new RockException("rock " + id + ": the peer reconnected before this side noticed the failure");
        post(l -> l.suspended(this, cause));
      }
      if (resumed) {
        Duration finalSuspendedFor = suspendedFor;
        post(l -> l.resumed(this, finalSuspendedFor, retransmitting));
      }
      wakeLocked();
      boolean newConnector = establishment != null && !keys.hasKeyLocked();
      if (newConnector) {
        establishment.attachedLocked(now); // a new rock: its handshake starts now
      }
      if (newConnector || (role == Role.ACCEPTOR && !resumed && next.readByAttacher)) {
        // A new rock's first connection: the application's first read (WELCOME on the connecting
        // side, the client's first frames right after accept on the other) reads it itself.
        streams.startLentLocked(next, now);
      }
      startThreads(next, life.generation());
    } finally {
      lock.unlock();
      if (impossible != null) {
        next.close();
        ending.terminate(RockState.FAILED, impossible);
      }
    }
    if (previous != null) {
      previous.close();
    }
    if (role == Role.CONNECTOR) {
      // The connecting side ends a connection whose local address the host lost at once, and
      // reconnects from the address it has now (LocalAddressWatch), instead of waiting for the
      // heartbeats to fall silent. The accepting side cannot reconnect, so it waits as before.
      InetAddress local = next.socket.getLocalAddress();
      next.keepAddressWatch(LocalAddressWatch.watch(local, cause -> ending.connectionFailed(attachedGen, cause)));
    }
    if (confirmedNow) {
      hooks.confirmed(this);
    }
    if (resumed) {
      hooks.resumed(this);
      log.debug(
          "rock {} resumed with {} after {} ms; retransmitting {} bytes",
          id,
          next,
          suspendedFor.toMillis(),
          retransmitting);
    }
    ending.finishIfDone();
  }

  private void startThreads(Connection conn, long gen) {
    if (!conn.readByAttacher) {
      RockThreads.start("reader", id, () -> streams.readLoop(conn, gen));
    }
    // The writer starts when something is to be sent (RockSender): attach made the first
    // ACK due, unless WELCOME carried it.
  }

  /**
   * Accepting side: the calling thread, which attached {@code conn} (marked {@link
   * Connection#readByAttacher}), becomes its reader thread, instead of handing it to a new one.
   * Returns when the connection is no longer the rock's, like any reader thread; at once if it
   * already is not.
   */
  public void serveAsReader(Connection conn) {
    long gen;
    lock.lock();
    try {
      if (connection != conn || life.isTerminal()) {
        return; // it failed already; a resume starts its own reader
      }
      gen = life.generation();
    } finally {
      lock.unlock();
    }
    RockThreads.run("reader", id, () -> streams.readLoop(conn, gen));
  }

  /**
   * Applies one frame under the lock. {@code inline} says an application thread read it, and sends
   * what it makes due itself. Returns false if this connection is no longer current.
   */
  boolean onFrame(FrameReader reader, byte type, long gen, boolean inline)
      throws RockProtocolException {
    boolean finished = false;
    boolean justConfirmed = false;
    Connection answerOn = null;
    lock.lock();
    sender.inlineLocked(inline);
    try {
      if (gen != life.generation()) {
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
        case Wire.ACK -> {
          finished = session.onAck(reader.received, reader.windowLimit, reader.flags, System.nanoTime());
          keys.forgetHelloLocked();
          Connection conn = connection;
          if (!inline
              && conn != null
              && session.liveness.answerDue(reader.lastByteNanos() - conn.lastSendNanos)
              && !sender.writerRunsLocked(gen)) {
            answerOn = conn; // the leader's idle heartbeat: answered from this thread, below
          }
        }
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
                  Addresses.format(peer));
          if (justConfirmed) {
            post(l -> l.connected(this));
          }
        }
        default -> throw new RockProtocolException("unexpected frame " + Wire.typeName(type));
      }
      wakeLocked();
    } finally {
      sender.inlineLocked(false);
      lock.unlock();
    }
    if (justConfirmed) {
      hooks.confirmed(this);
    }
    if (answerOn != null) {
      sender.answerHeartbeat(answerOn, gen);
    }
    if (finished) {
      ending.finishIfDone();
    }
    return true;
  }

  /** Under {@link #lock}: wakes the parts the session's last calls made due. */
  void wakeLocked() {
    int wakeups = session.takeWakeups();
    if (wakeups == 0) {
      return;
    }
    streams.wakeLocked(wakeups);
    if ((wakeups & RockSession.WAKE_STATE) != 0) {
      stateChanged.signalAll();
    }
    if ((wakeups & RockSession.WAKE_SENDER) != 0
        || ((wakeups & RockSession.WAKE_SENDER_UNLESS_WRITERS) != 0 && !streams.writersWaitingLocked())) {
      sender.wakeLocked();
    }
    if ((wakeups & RockSession.WAKE_TIMER) != 0 && connection != null) {
      watch.lookLocked(connection, life.generation(), System.nanoTime());
    }
  }

  /**
   * Under {@link #lock}, after the lifecycle moved to a new generation: the threads of the previous
   * connection stop (its reader if it waits for its turn, and its writer, which waits without a
   * timeout), and whoever waits on the state looks again.
   */
  void generationChangedLocked() {
    streams.nextGenerationLocked();
    sender.stopLocked();
  }

  /** Under {@link #lock}: the current connection, or null while there is none. */
  Connection connectionLocked() {
    return connection;
  }

  /** Under {@link #lock}: the peer's last known address. */
  InetSocketAddress peerLocked() {
    return peer;
  }

  /** How long the peer may be silent before the connection is dead ({@link Liveness}). */
  public long silenceLimitNanos() {
    lock.lock();
    try {
      return session.liveness.silenceLimitNanos();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- failure and recovery

  boolean isCurrent(long gen) {
    lock.lock();
    try {
      return life.isCurrent(gen);
    } finally {
      lock.unlock();
    }
  }

  /** Fails the rock for good, if {@code gen} is still current. */
  public void fail(long gen, IOException cause) {
    lock.lock();
    try {
      if (gen != life.generation()) {
        return;
      }
    } finally {
      lock.unlock();
    }
    ending.terminate(RockState.FAILED, cause);
  }

  /** Fails the rock for good, whatever its connection. */
  public void fail(IOException cause) {
    ending.terminate(RockState.FAILED, cause);
  }

  public long suspendedSinceNanos() {
    lock.lock();
    try {
      return life.suspendedSinceNanos();
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

  /**
   * Under {@link #lock}: the current connection is no longer the rock's; returns it (or null) for
   * the caller to close once it released the lock.
   */
  Connection detachLocked() {
    Connection detached = connection;
    connection = null;
    watch.cancelLocked();
    generationChangedLocked();
    return detached;
  }

  RockState stateLocked() {
    return life.state();
  }

  /**
   * Queues {@code event} for the rock's listeners. Called under {@link #lock} at the change the
   * event reports, so events are queued in the order of the changes, and before any thread can
   * see the new state; never blocks (EventDispatcher).
   */
  void post(Consumer<RockListener> event) {
    if (RockFlightEvents.active()) {
      // Committed here, at the change, by the thread that made it: a flight event is written to
      // this thread's buffer and never blocks (RockFlightEvents).
      event.accept(RockFlightEvents.of(role == Role.CONNECTOR));
    }
    ProcessRocks process = ProcessRocks.INSTANCE;
    event.accept(process.counts); // adds to counters only
    List<RockListener> everyRock = process.listeners();
    if (listeners.isEmpty() && everyRock.isEmpty()) {
      return;
    }
    List<RockListener> snapshot;
    if (everyRock.isEmpty()) {
      snapshot = List.copyOf(listeners);
    } else {
      List<RockListener> both = new ArrayList<>(listeners);
      both.addAll(everyRock);
      snapshot = List.copyOf(both);
    }
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
  IOException rethrowable(IOException stored) {
    return stored instanceof RockException
        ? stored
        : new RockException("rock " + id + " failed: " + stored.getMessage(), stored);
  }
}
