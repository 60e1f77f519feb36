package io.rocks.impl.server;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.impl.crypto.KeyPairPool;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Connection;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.rock.RealRockSocket;
import io.rocks.impl.rock.RockHooks;
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
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Accepts rocks, and resumes the ones it accepted: the accept loop, the accept queue and the
 * {@code ServerSocket} face. Each accepted connection's handshake is a {@link ServerHandshake}'s;
 * the rocks accepted are kept in a {@link RockRegistry}.
 *
 * <p>One platform thread runs the accept loop. It takes a handshake permit before each {@code
 * accept()}, so at most {@link #MAX_PENDING_HANDSHAKES} connections are in their handshake at once
 * however fast they arrive, and hands each accepted connection to a virtual thread of its own. A
 * HELLO makes a new rock, which waits in the accept queue (at most {@code backlog}) for {@link
 * #accept}; without a pre-shared secret that virtual thread then returns its permit and goes on as
 * the new rock's reader. A RESUME finds its rock in the registry and, once the peer proved it
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
  /** The rocks this server accepted, by id, and which of them are suspended. */
  private final RockRegistry registry;
  /** Runs each accepted connection's handshake. */
  private final ServerHandshake handshakes;
  private final Semaphore handshakePermits = new Semaphore(MAX_PENDING_HANDSHAKES);

  /** Guards the accept queue and {@link #closed}; never held during I/O. */
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition acceptable = lock.newCondition();
  /** New rocks (as {@link RealRockSocket}) and plain sockets not yet accepted. Guarded by lock. */
  private final ArrayDeque<Socket> acceptQueue = new ArrayDeque<>();
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
    int queueLimit = backlog > 0 ? backlog : 50;
    // A channel's server socket: it accepts channels' sockets, which frames are written to from
    // direct buffers (Connection#channel).
    this.listener = io.rocks.impl.io.Channels.openServerSocket();
    try {
      listener.setReuseAddress(true);
      listener.bind(local, Math.max(queueLimit, MAX_PENDING_HANDSHAKES));
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    log.info("rocks server listening on {} ({})", Addresses.format(listener.getLocalSocketAddress()),
        servesPlain ? "rocks and plain clients" : "rocks only");
    this.registry = new RockRegistry(Addresses.format(listener.getLocalSocketAddress()));
    this.handshakes = new ServerHandshake(this, registry, options, optionsFor, servesPlain, queueLimit);
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
        "a plain client connected from " + Addresses.format(next.getRemoteSocketAddress()) + "; accept it with a"
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
    return registry.size();
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
          log.warn("rocks server {}: accept failed: {}", Addresses.format(listener.getLocalSocketAddress()), e.toString());
          // A failure that lasts (out of file descriptors) must not spin: pause 10 ms, doubling
          // up to 1 s while it goes on, or until the server socket is closed.
          pauseUnlessClosed(TimeUnit.MILLISECONDS.toNanos(Math.min(1000, 10L << Math.min(failures++, 7))));
          continue;
        }
        Thread.ofVirtual()
            .name("rocks-handshake-" + Addresses.format(socket.getRemoteSocketAddress()))
            .start(
                () -> {
                  Runnable then;
                  try {
                    then = handshakes.run(socket);
                  } finally {
                    handshakePermits.release();
                  }
                  if (then != null) {
                    then.run();
                  }
                });
      }
    } catch (InterruptedException e) {
      log.warn("rocks server {}: accept loop interrupted", Addresses.format(listener.getLocalSocketAddress()));
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

  /**
   * The hooks of a new rock: they keep the registry and the accept queue in step with it. {@code
   * enqueued} says the rock was queued for {@code accept()} as it was made; else it is queued once
   * its client proved the key.
   */
  RockHooks hooks(boolean enqueued) {
    return new Hooks(enqueued);
  }

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
      registry.suspended(rock);
    }

    @Override
    public void resumed(RealRock rock) {
      registry.resumed(rock);
    }

    @Override
    public void terminated(RealRock rock) {
      registry.terminated(rock);
    }
  }

  /** Returns how many rocks this server holds suspended now. */
  public int suspendedRocks() {
    return registry.suspendedCount();
  }

  /** Queues a new rock for {@link #accept}; aborts it if it cannot be. */
  void enqueue(RealRock rock) {
    try {
      enqueue(new RealRockSocket(rock));
    } catch (IOException e) {
      rock.abort();
    }
  }

  /** Returns how many connections wait to be accepted. */
  int queued() {
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
  void enqueue(Socket socket) throws IOException {
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
    for (RealRock rock : registry.all()) {
      if (rock.lifeState() == RockState.SUSPENDED) {
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
    return "RockServerSocket[" + Addresses.format(listener.getLocalSocketAddress()) + "]";
  }
}
