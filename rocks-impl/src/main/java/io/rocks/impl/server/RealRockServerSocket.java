package io.rocks.impl.server;

import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.impl.core.Role;
import io.rocks.impl.crypto.KeyAgreement25519;
import io.rocks.impl.crypto.KeyPairPool;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.Deadlines;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.io.Tls;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.rock.RealRockSocket;
import io.rocks.impl.rock.RockHooks;
import io.rocks.impl.rock.Supervisor;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Accepts rocks, and resumes the ones it accepted.
 *
 * <p>One platform thread runs the accept loop. It takes a handshake permit before each {@code
 * accept()}, so at most {@link #MAX_PENDING_HANDSHAKES} connections are in their handshake at once
 * however fast they arrive, and hands each accepted connection to a virtual thread of its own. A
 * HELLO makes a new rock, which waits in the accept queue (at most {@code backlog}) for {@link
 * #accept}; without a pre-shared secret that virtual thread then returns its permit and goes on as
 * the new rock's reader. A RESUME finds its rock in {@link #rocks} and, once the peer proved it
 * holds the key, gives it the new connection.
 */
public final class RealRockServerSocket extends RockServerSocket {
  private static final Logger log = LogManager.getLogger(RealRockServerSocket.class);
  /**
   * How many connections may be in their handshake at once. Each costs a virtual thread and about
   * a kilobyte until it completes or its handshake timeout closes it, so a flood of connections that
   * never finish holds at most a few megabytes and leaves room for real rocks.
   */
  static final int MAX_PENDING_HANDSHAKES = 4096;

  private final ServerSocket listener;
  /** Options for the handshake itself, before the peer's rule is known. */
  private final RockOptions options;
  /** Chooses the options of each accepted rock from the local port and the peer's address. */
  private final BiFunction<Integer, InetSocketAddress, RockOptions> optionsFor;
  private final int backlog;
  /** Every live rock this server accepted, by id. Entries leave when the rock ends. */
  private final ConcurrentHashMap<RockId, RealRock> rocks = new ConcurrentHashMap<>();
  /** The rocks in {@link #rocks} that are suspended now; bounded by maxSuspendedRocks. */
  private final Set<RealRock> suspended = ConcurrentHashMap.newKeySet();
  /**
   * The suspended rocks whose client had not shown that it read WELCOME when they suspended,
   * oldest suspension first: the first to go when the suspended-rock cap is reached ({@link
   * #dropOne}). An entry may outlive its rock's suspension (it was welcomed since); such entries
   * are skipped.
   */
  private final ConcurrentSkipListMap<Suspension, RealRock> unwelcomed = new ConcurrentSkipListMap<>();

  /** When a rock suspended, and which: orders {@link #unwelcomed}. */
  private record Suspension(long sinceNanos, RockId id) implements Comparable<Suspension> {
    @Override
    public int compareTo(Suspension other) {
      int bySince = Long.compare(sinceNanos, other.sinceNanos);
      return bySince != 0 ? bySince : id.toString().compareTo(other.id.toString());
    }
  }
  /**
   * Ids of rocks dropped because the suspended cap was reached, so their peers are told why when
   * they come back. Bounded: the oldest are forgotten first. Guarded by its own monitor.
   */
  private final LinkedHashSet<RockId> droppedForCapacity = new LinkedHashSet<>();
  private static final int REMEMBERED_DROPS = 4096;
  private final Semaphore handshakePermits = new Semaphore(MAX_PENDING_HANDSHAKES);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition acceptable = lock.newCondition();
  /** New rocks (as {@link RealRockSocket}) and plain sockets not yet accepted. Guarded by lock. */
  private final ArrayDeque<Socket> acceptQueue = new ArrayDeque<>();
  /** True if plain clients are served too (detection), false if only rocks are. */
  private final boolean servesPlain;
  /** Guarded by lock. */
  private boolean closed;

  private volatile int soTimeoutMillis;

  public RealRockServerSocket(
      InetSocketAddress local,
      int backlog,
      RockOptions options,
      BiFunction<Integer, InetSocketAddress, RockOptions> optionsFor,
      boolean servesPlain)
      throws IOException {
    KeyPairPool.warmUp(); // a burst of HELLOs must not wait for one-time work
    this.options = options;
    this.servesPlain = servesPlain;
    this.optionsFor = optionsFor;
    this.backlog = backlog > 0 ? backlog : 50;
    // A channel's server socket: it accepts channels' sockets, which frames are written to from
    // direct buffers (Connection#channel).
    this.listener = ServerSocketChannel.open().socket();
    try {
      listener.setReuseAddress(true);
      listener.bind(local, Math.max(this.backlog, MAX_PENDING_HANDSHAKES));
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    // A platform thread blocked in accept() is woken by the kernel when a connection arrives; a
    // virtual one would be woken through the poller and a carrier thread, which measurably
    // delays every new rock (docs/benchmarks.md, figure 2). One per server socket, ending with it.
    Thread.ofPlatform()
        .daemon()
        .name("rocks-accept-" + listener.getLocalPort())
        .start(this::acceptLoop);
  }

  /**
   * Returns the next rock. On a server socket that serves plain clients too, use {@link
   * #acceptAny()}; this method then fails if the next connection is plain.
   */
  @Override
  public RockSocket accept() throws IOException {
    Socket next = acceptAny();
    if (next instanceof RockSocket rock) {
      return rock;
    }
    next.close();
    throw new io.rocks.RockProtocolException(
        "a plain client connected from " + next.getRemoteSocketAddress() + "; accept it with a"
            + " server socket from Rocks.serverSocket(port) or RocksServerSocketFactory");
  }

  /**
   * Waits for the next connection and returns it: a {@link RockSocket}, or a plain socket for a
   * plain client when this server socket serves them. Blocks until one arrives, the timeout passes
   * or the server socket is closed.
   */
  Socket acceptAny() throws IOException {
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(soTimeoutMillis);
    long deadline = System.nanoTime() + timeoutNanos;
    Socket next;
    lock.lock();
    try {
      while (acceptQueue.isEmpty()) {
        if (closed) {
          throw new SocketException("Socket is closed");
        }
        if (timeoutNanos == 0) {
          acceptable.await();
        } else {
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0) {
            throw new SocketTimeoutException("Accept timed out");
          }
          acceptable.awaitNanos(remaining);
        }
      }
      next = acceptQueue.poll();
      acceptable.signalAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted in accept");
    } finally {
      lock.unlock();
    }
    return next;
  }

  /** Returns how many rocks this server holds, connected or suspended. */
  public int liveRocks() {
    return rocks.size();
  }

  private void acceptLoop() {
    int failures = 0;
    try {
      while (true) {
        handshakePermits.acquire();
        Socket socket;
        try {
          socket = listener.accept();
          failures = 0;
        } catch (IOException e) {
          handshakePermits.release();
          if (isClosed()) {
            return;
          }
          log.warn("rocks server {}: accept failed: {}", listener.getLocalSocketAddress(), e.toString());
          // A failure that lasts (out of file descriptors) must not spin: pause 10 ms, doubling
          // up to 1 s while it goes on, or until the server socket is closed.
          pauseUnlessClosed(TimeUnit.MILLISECONDS.toNanos(Math.min(1000, 10L << Math.min(failures++, 7))));
          continue;
        }
        Thread.ofVirtual()
            .name("rocks-handshake-" + socket.getRemoteSocketAddress())
            .start(
                () -> {
                  Runnable then;
                  try {
                    then = handshake(socket);
                  } finally {
                    handshakePermits.release();
                  }
                  if (then != null) {
                    then.run();
                  }
                });
      }
    } catch (InterruptedException e) {
      log.warn("rocks server {}: accept loop interrupted", listener.getLocalSocketAddress());
    }
  }

  /** Waits {@code nanos}, or less if this server socket is closed meanwhile ({@link #close} signals). */
  private void pauseUnlessClosed(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    lock.lock();
    try {
      long remaining = nanos;
      while (!closed && remaining > 0) {
        acceptable.awaitNanos(remaining);
        remaining = deadline - System.nanoTime();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Runs the handshake of one accepted connection; returns what to do next, or null. */
  private Runnable handshake(Socket tcp) {
    Connection conn = null;
    Socket socket = tcp;
    long limitMillis =
        options.handshakeTimeout().toMillis() + (servesPlain ? options.detectTimeout().toMillis() : 0);
    // Socket timeouts bound each read; this bounds the whole handshake, so a peer trickling bytes
    // cannot hold a handshake permit for long.
    Deadlines.Deadline deadline = Deadlines.schedule(() -> Connection.closeQuietly(tcp), limitMillis);
    try {
      tcp.setTcpNoDelay(true);
      tcp.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
      if (options.tls() != null) {
        socket = Tls.server(tcp, options);
        socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
      }
      conn = new Connection(socket);
      conn.handshakeDeadline = deadline;
      if (servesPlain && !startsLikeARock(conn)) {
        if (queued() >= backlog) {
          throw new java.net.SocketException(
              "plain connection dropped: " + backlog + " connections wait to be accepted (backlog full)");
        }
        socket.setSoTimeout(0);
        if (!deadline.cancel()) {
          throw new java.net.SocketException("the handshake's deadline passed as it ended");
        }
        enqueue(new PrefixedSocket(socket, conn.reader.unparsed()));
        return null;
      }
      byte type;
      try {
        type = conn.reader.nextHandshake();
      } catch (FrameReader.UnsupportedVersionException e) {
        Handshake.reject(conn, Wire.REJECT_UNSUPPORTED_VERSION, "this server speaks rocks version " + Wire.VERSION);
        throw e;
      }
      switch (type) {
        case Wire.HELLO -> {
          return establish(conn);
        }
        case Wire.RESUME -> resume(conn);
        default ->
            throw new io.rocks.RockProtocolException(
                "expected HELLO or RESUME, got " + Wire.typeName(type));
      }
    } catch (Handshake.BadProofException e) {
      log.warn("rocks server {}: {}", listener.getLocalSocketAddress(), e.getMessage());
      closeQuietly(conn, socket);
    } catch (IOException | RuntimeException e) {
      log.info(
          "rocks server {}: handshake with {} failed: {}",
          listener.getLocalSocketAddress(),
          socket.getRemoteSocketAddress(),
          e.toString());
      closeQuietly(conn, socket);
    } finally {
      deadline.cancel();
    }
    return null;
  }

  /**
   * Reads the connection's first bytes, waiting at most the detect timeout: true if they are a
   * rock handshake's magic, false for other bytes or silence (a plain client; the bytes read stay
   * in the reader for the plain socket). Restores the handshake timeout before returning true.
   */
  private boolean startsLikeARock(Connection conn) throws IOException {
    conn.socket.setSoTimeout((int) Math.max(1, options.detectTimeout().toMillis()));
    int magic = 0;
    try {
      while (magic == 0) {
        magic = conn.reader.readAndClassify();
      }
    } catch (SocketTimeoutException silent) {
      return false;
    }
    conn.socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
    return magic > 0;
  }

  /**
   * Makes a new rock from HELLO, answers it, and queues the rock for {@link #accept}. Returns what
   * this thread does next, after its handshake permit is returned: read the rock's connection (a
   * new rock without a pre-shared secret; its reader thread is not started), or nothing.
   */
  private Runnable establish(Connection conn) throws IOException {
    Handshake.Hello hello = Handshake.readHello(conn.reader);
    if (rocks.containsKey(hello.id())) {
      Handshake.reject(conn, Wire.REJECT_DUPLICATE_ID, "rock id in use");
      throw new io.rocks.RockProtocolException("HELLO reuses the id of live rock " + hello.id());
    }
    if (queued() >= backlog) {
      Handshake.reject(conn, Wire.REJECT_BUSY, "server backlog full");
      throw new io.rocks.RockProtocolException(
          "HELLO refused: " + backlog + " rocks wait to be accepted (backlog full)");
    }
    try {
      KeyAgreement25519.checkPublicKey(hello.clientPublic());
    } catch (java.security.GeneralSecurityException e) {
      Handshake.reject(conn, Wire.REJECT_BAD_KEY, "bad public key");
      throw new io.rocks.RockProtocolException("HELLO refused: " + e.getMessage());
    }
    RockOptions rockOptions = optionsFor.apply(listener.getLocalPort(), conn.remote());
    io.rocks.RockSecret secret = rockOptions.preSharedSecret();
    // Without a secret the rock's first ACK rides along with WELCOME; with one, its CONFIRM comes
    // first, once the key is derived.
    long window = secret == null ? rockOptions.receiveWindow() : -1;
    Handshake.ServerSetup setup = Handshake.sendWelcome(conn, hello, window);
    // With a pre-shared secret the application gets the rock only once the client proved it.
    RealRock rock =
        new RealRock(
            hello.id(),
            Role.ACCEPTOR,
            rockOptions,
            conn.remote(),
            RockState.CONNECTED,
            new Hooks(secret == null));
    if (rocks.putIfAbsent(hello.id(), rock) != null) {
      throw new io.rocks.RockProtocolException("HELLO reuses the id of live rock " + hello.id());
    }
    if (secret == null) {
      // Nothing to prove: the key waits until a resume needs it.
      rock.keyPending(new PendingKey(() -> Handshake.serverKey(setup, null)), window);
      conn.readByAttacher = true; // this thread reads it, once the handshake's permit is returned
    }
    rock.attach(conn, 0, false, false);
    Supervisor.startAcceptor(rock, () -> !isClosed());
    if (secret == null) {
      enqueue(rock);
      return () -> rock.serveAsReader(conn);
    }
    Deadlines.schedule(rock::failIfUnconfirmed, rockOptions.handshakeTimeout().toMillis());
    // The key agreement runs now, while the client computes its own; the rock sends nothing
    // before its CONFIRM, and is accepted once the client's CONFIRM proved the secret.
    Handshake.Welcome welcome;
    try {
      welcome = Handshake.deriveServerKey(setup, secret);
    } catch (io.rocks.RockProtocolException e) {
      rock.fail(e); // not accepted yet, so never handed to the application
      throw e;
    }
    rock.keyDerived(welcome.key(), welcome.serverConfirm(), welcome.expectedClientConfirm());
    return null;
  }

  /** Keeps the registry, the suspended set and the accept queue in step with each rock. */
  private final class Hooks implements RockHooks {
    private final boolean enqueued;

    Hooks(boolean enqueued) {
      this.enqueued = enqueued;
    }

    @Override
    public void confirmed(RealRock rock) {
      if (!enqueued) {
        enqueue(rock); // never waits: a full backlog refused the HELLO already
      }
    }

    @Override
    public void suspended(RealRock rock) {
      suspended.add(rock);
      if (!rock.peerWelcomed()) {
        unwelcomed.put(new Suspension(rock.suspendedSinceNanos(), rock.id), rock);
      }
      int cap = rock.options().maxSuspendedRocks();
      if (suspended.size() > cap) {
        dropOne(rock, cap);
      }
    }

    @Override
    public void resumed(RealRock rock) {
      suspended.remove(rock);
      unwelcomed.remove(new Suspension(rock.suspendedSinceNanos(), rock.id));
    }

    @Override
    public void terminated(RealRock rock) {
      suspended.remove(rock);
      unwelcomed.remove(new Suspension(rock.suspendedSinceNanos(), rock.id));
      rocks.remove(rock.id, rock);
    }
  }

  /**
   * Makes room when more than {@code cap} rocks are suspended, {@code suspendedNow} the latest: fails
   * the suspended rock whose client has not shown that it read WELCOME ({@link
   * RealRock#peerWelcomed}) and that suspended first, if there is one, else {@code suspendedNow}.
   * Anyone can open rocks and vanish before reading WELCOME, so such rocks make room for the rest.
   * The dropped rock's id is remembered so that its client, if it comes back, hears why.
   */
  private void dropOne(RealRock suspendedNow, int cap) {
    RealRock victim = suspendedNow;
    Map.Entry<Suspension, RealRock> oldest;
    while ((oldest = unwelcomed.pollFirstEntry()) != null) {
      RealRock candidate = oldest.getValue();
      if (candidate.state() == RockState.SUSPENDED && !candidate.peerWelcomed()) {
        victim = candidate;
        break;
      }
    }
    synchronized (droppedForCapacity) { // a bounded set update, no I/O
      droppedForCapacity.add(victim.id);
      if (droppedForCapacity.size() > REMEMBERED_DROPS) {
        droppedForCapacity.remove(droppedForCapacity.iterator().next());
      }
    }
    victim.fail(
        new io.rocks.RockException(
            "rock " + victim.id + " from " + victim.peer() + " dropped: the server at "
                + listener.getLocalSocketAddress() + " already holds its limit of " + cap
                + " suspended rocks (max-suspended-rocks)"));
  }

  /** Returns how many rocks this server holds suspended now. */
  public int suspendedRocks() {
    return suspended.size();
  }

  private void enqueue(RealRock rock) {
    try {
      enqueue(new RealRockSocket(rock));
    } catch (IOException e) {
      rock.abort();
    }
  }

  /** Returns how many connections wait to be accepted. */
  private int queued() {
    lock.lock();
    try {
      return acceptQueue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues {@code socket} for {@link #acceptAny}, or closes it if this server socket is closed. New
   * rocks are refused before they are made when the backlog is full, so this never waits (a few
   * handshakes finishing at once may exceed the backlog briefly).
   */
  private void enqueue(Socket socket) throws IOException {
    lock.lock();
    try {
      if (!closed) {
        acceptQueue.add(socket);
        acceptable.signalAll();
        return;
      }
    } finally {
      lock.unlock();
    }
    abortQuietly(socket);
  }

  private static void abortQuietly(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException ignored) {
      // Already gone.
    }
  }

  private void resume(Connection conn) throws IOException {
    byte[] idBytes = conn.reader.bodyBytes(0, Wire.ID_BYTES);
    RockId id = new RockId(Handshake.longAt(idBytes, 0), Handshake.longAt(idBytes, 8));
    byte[] clientNonce = conn.reader.bodyBytes(Wire.ID_BYTES, Wire.NONCE_BYTES);
    RealRock rock = rocks.get(id);
    boolean dropped;
    synchronized (droppedForCapacity) {
      dropped = droppedForCapacity.contains(id);
    }
    if (dropped) {
      Handshake.reject(conn, Wire.REJECT_BUSY, "rock dropped: the server held its limit of suspended rocks");
      throw new io.rocks.RockProtocolException("RESUME of rock " + id + ", dropped for capacity");
    }
    if (rock == null || rock.state().isTerminal() || !rock.isEstablished()) {
      // Not established: the rock's own handshake is still deriving the key with a pre-shared
      // secret, so no peer can prove it.
      Handshake.reject(conn, Wire.REJECT_UNKNOWN_ROCK, "no such rock");
      throw new io.rocks.RockProtocolException("RESUME of unknown rock " + id);
    }
    Handshake.serverResume(rock, conn, clientNonce);
  }

  private static void closeQuietly(Connection conn, Socket socket) {
    if (conn != null) {
      conn.close();
    } else {
      Connection.closeQuietly(socket);
    }
  }

  /**
   * Stops listening. Rocks not yet accepted are closed; suspended rocks fail, since their peers can
   * no longer come back. Connected rocks carry on until their next failure.
   */
  @Override
  public void close() throws IOException {
    List<Socket> unaccepted;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      unaccepted = List.copyOf(acceptQueue);
      acceptQueue.clear();
      acceptable.signalAll();
    } finally {
      lock.unlock();
    }
    listener.close();
    for (Socket socket : unaccepted) {
      abortQuietly(socket);
    }
    for (RealRock rock : rocks.values()) {
      if (rock.state() == RockState.SUSPENDED) {
        rock.fail(
            new io.rocks.RockException(
                "rock " + rock.id + ": the server socket that accepted it was closed"));
      }
    }
  }

  @Override
  public boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void bind(SocketAddress endpoint) throws IOException {
    throw new SocketException("Already bound");
  }

  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    throw new SocketException("Already bound");
  }

  @Override
  public boolean isBound() {
    return true;
  }

  @Override
  public InetAddress getInetAddress() {
    return listener.getInetAddress();
  }

  @Override
  public int getLocalPort() {
    return listener.getLocalPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return listener.getLocalSocketAddress();
  }

  @Override
  public ServerSocketChannel getChannel() {
    return null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    soTimeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() {
    return soTimeoutMillis;
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    listener.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return listener.getReuseAddress();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    listener.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return listener.getReceiveBufferSize();
  }

  @Override
  public String toString() {
    return "RockServerSocket[" + listener.getLocalSocketAddress() + "]";
  }
}
