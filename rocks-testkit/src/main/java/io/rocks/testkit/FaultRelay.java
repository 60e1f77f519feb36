package io.rocks.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A TCP relay on loopback that stands between a client and a server and breaks the link on demand,
 * the way real networks do:
 *
 * <ul>
 *   <li>{@link #cutSilently()}: packets vanish. Nothing more is forwarded on current links and new
 *       connections are accepted but never forwarded; neither end sees a FIN or RST.
 *   <li>{@link #blackHole()}: the relay stops reading. Nothing is read from either end of current
 *       links, so each sender's kernel buffers fill and its writes block, as on a path that died
 *       without a word; new connections are accepted and never read. Neither end sees a FIN or RST.
 *       {@link #blackHoleCurrentLinks()} does the same to current links only: new connections are
 *       forwarded, as when one route died and another works.
 *   <li>{@link #dropFromServer()}: what the server sends vanishes, on current and future links,
 *       while what the client sends still reaches the server: an answer lost on the way back.
 *   <li>{@link #reset()}: every current link is closed with a TCP reset on both ends.
 *   <li>{@link #delay(Duration)}: each chunk arrives this long after it was sent (one-way latency).
 *   <li>{@link #restore()}: new connections are forwarded again. Links that were cut or black-holed
 *       stay dead and are closed, as their lost bytes cannot be recovered by TCP any more.
 * </ul>
 *
 * <p>Each link is served by four virtual threads, a reader and a deliverer per direction; once both
 * directions have forwarded their end of stream the link closes its two sockets. Control methods
 * may be called from any thread and never block on I/O. {@link #close()} stops everything and is
 * safe to call more than once.
 */
public final class FaultRelay implements AutoCloseable {
  private static final Logger log = LogManager.getLogger(FaultRelay.class);

  /**
   * The receive buffer of each relayed socket. A path holds a bounded amount of data in flight;
   * without a bound, loopback's buffers grow to tens of megabytes and a black hole would swallow
   * whatever a sender writes instead of making its writes block.
   */
  static final int LINK_BUFFER_BYTES = 256 * 1024;

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final int bufferBytes;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicLong forwardedBytes = new AtomicLong();
  private volatile boolean cut;
  private volatile boolean blackHole;
  private volatile boolean dropFromServer;
  private volatile long delayNanos;
  private volatile boolean closed;
  private final List<byte[]> recordings = new CopyOnWriteArrayList<>();
  private final List<byte[]> downstreamRecordings = new CopyOnWriteArrayList<>();
  private volatile int recordBytes;
  private volatile int recordDownstreamBytes;

  /**
   * Starts a relay on an ephemeral loopback port that forwards to {@code target}, with a backlog of
   * 200 connections and a 32 KiB buffer for each direction of a link.
   *
   * @param target where each accepted connection is forwarded; the relay connects to it for each
   *     link, waiting up to 5 s, and closes the link if that fails
   * @throws IOException if the listening socket cannot be opened or bound
   */
  public FaultRelay(InetSocketAddress target) throws IOException {
    this(target, 200, 32 * 1024);
  }

  /**
   * Starts a relay for thousands of links at once. Its listening socket queues up to {@code
   * backlog} connections not yet accepted (the kernel caps this at {@code net.core.somaxconn}):
   * many clients connecting at once overflow a short queue, and the kernel then drops their SYNs or
   * final ACKs, so their connects or first bytes wait for TCP's retransmission, a second or more,
   * which is the relay's doing and not the network's being modelled. Each direction of a link
   * reads into a buffer of {@code bufferBytes}: links that each carry a few KiB need little, and
   * thousands of large buffers make the relay's own garbage collections long enough to stall every
   * link. The relay listens on an ephemeral loopback port, as {@link
   * #FaultRelay(InetSocketAddress)} does.
   *
   * @param target where each accepted connection is forwarded; the relay connects to it for each
   *     link, waiting up to 5 s, and closes the link if that fails
   * @param backlog how many connections the listening socket queues before they are accepted
   * @param bufferBytes the length of the buffer each direction of a link reads into; positive
   * @throws IOException if the listening socket cannot be opened or bound
   */
  public FaultRelay(InetSocketAddress target, int backlog, int bufferBytes) throws IOException {
    this.target = target;
    this.bufferBytes = bufferBytes;
    this.listener = new ServerSocket();
    listener.setReceiveBufferSize(LINK_BUFFER_BYTES); // accepted sockets inherit it
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
    Thread.ofVirtual().name("fault-relay-accept").start(this::acceptLoop);
  }

  /**
   * Returns the address clients connect to.
   *
   * @return the loopback address and the port the relay listens on
   */
  public InetSocketAddress address() {
    return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
  }

  /** Makes packets vanish on every current and future link until {@link #restore()}. */
  public void cutSilently() {
    cut = true;
    cuts.incrementAndGet();
    for (Link link : links) {
      link.cut = true;
    }
  }

  /**
   * Stops reading every current and future link until {@link #restore()}: both ends' writes fill
   * their kernel buffers and then block, and neither sees a FIN or RST. Unlike {@link
   * #cutSilently()}, which drains and drops, this is a path that stopped draining.
   */
  public void blackHole() {
    blackHole = true;
    cuts.incrementAndGet();
    for (Link link : links) {
      link.blackHole();
    }
  }

  /**
   * Stops reading every current link, as {@link #blackHole()} does, but forwards new connections:
   * the old path died without a word and a new one works. The dead links stay open until {@link
   * #restore()} or {@link #close()}, whatever their ends do.
   */
  public void blackHoleCurrentLinks() {
    cuts.incrementAndGet();
    for (Link link : links) {
      link.blackHole();
    }
  }

  /**
   * Drops what the server sends on every current and future link until {@link #restore()}, which
   * closes those links; what the client sends is still forwarded.
   */
  public void dropFromServer() {
    dropFromServer = true;
    cuts.incrementAndGet();
    for (Link link : links) {
      link.dropFromServer = true;
    }
  }

  /** Closes every current link with a TCP reset on both ends. New connections still work. */
  public void reset() {
    cuts.incrementAndGet();
    for (Link link : links) {
      link.close(true);
    }
  }

  /**
   * Delays every forwarded chunk by {@code delay}; {@link Duration#ZERO} removes the delay.
   *
   * @param delay how long the relay holds each chunk, from when it reads the chunk to when it may
   *     write it on, in both directions of current and future links; it applies to chunks read
   *     after this call, and chunks already on their way keep the delay they were given
   */
  public void delay(Duration delay) {
    delayNanos = delay.toNanos();
  }

  /**
   * Ends {@link #cutSilently()}, {@link #blackHole()} and {@link #dropFromServer()}: new
   * connections are forwarded again, and every current link that was cut, black-holed (by {@link
   * #blackHoleCurrentLinks()} too) or dropping what the server sends is closed. A {@link
   * #delay(Duration)} stays as it is.
   */
  public void restore() {
    cut = false;
    blackHole = false;
    dropFromServer = false;
    for (Link link : links) {
      if (link.cut || link.blackHoled || link.dropFromServer) {
        link.close(false);
      }
    }
  }

  /**
   * Records the first {@code byteCount} bytes each later link carries from client to server, as an
   * on-path observer would see them.
   *
   * @param byteCount how many bytes to record of each link the relay connects to the server after
   *     this call; 0 records nothing
   */
  public void recordUpstream(int byteCount) {
    recordBytes = byteCount;
  }

  /**
   * Returns the recorded client-to-server prefixes, one per link, in the order links ended.
   *
   * @return a snapshot of the recordings, each the first bytes read from the client for forwarding
   *     (fewer than asked for if the link carried fewer), added when the relay stopped reading from
   *     that link's client
   */
  public List<byte[]> upstreamRecordings() {
    return List.copyOf(recordings);
  }

  /**
   * Records the first {@code byteCount} bytes each later link carries from server to client.
   *
   * @param byteCount how many bytes to record of each link the relay connects to the server after
   *     this call; 0 records nothing
   */
  public void recordDownstream(int byteCount) {
    recordDownstreamBytes = byteCount;
  }

  /**
   * Returns the recorded server-to-client prefixes, one per link, in the order links ended.
   *
   * @return a snapshot of the recordings, each the first bytes read from the server for forwarding
   *     (fewer than asked for if the link carried fewer), added when the relay stopped reading from
   *     that link's server
   */
  public List<byte[]> downstreamRecordings() {
    return List.copyOf(downstreamRecordings);
  }

  /**
   * Returns how many links are open now.
   *
   * @return the links accepted and not closed yet, including cut and black-holed ones the relay
   *     still holds open
   */
  public int openLinks() {
    return links.size();
  }

  /**
   * Returns how many connections the relay has accepted.
   *
   * @return the connections accepted since the relay started, closed ones included
   */
  public int acceptedConnections() {
    return accepted.get();
  }

  /**
   * Returns how many faults were injected.
   *
   * @return how many times {@link #cutSilently()}, {@link #blackHole()}, {@link
   *     #blackHoleCurrentLinks()}, {@link #dropFromServer()} and {@link #reset()} were called,
   *     whether or not a link was open
   */
  public int faultsInjected() {
    return cuts.get();
  }

  /**
   * Returns the bytes forwarded in both directions so far.
   *
   * @return the bytes the relay has written to clients and servers, over all links
   */
  public long forwardedBytes() {
    return forwardedBytes.get();
  }

  /**
   * Stops accepting connections and closes every open link, without a reset. Safe to call more
   * than once.
   */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // Closing is best effort.
    }
    for (Link link : links) {
      link.close(false);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        // Out of file descriptors, say: the relay keeps serving once some are freed, instead of
        // refusing every later connection while its port still accepts into the backlog.
        try {
          log.warn("fault relay: accept failed, trying again in 100 ms: {}", e.toString());
        } catch (RuntimeException | LinkageError logFailed) {
          // Out of descriptors, the logger may fail to initialise (it opens files): the loop goes on.
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      // The link's fate is the relay's mode at its accept, decided before it counts as accepted:
      // a test that waits for the count and then restores finds the link already dead.
      Link link = new Link(client);
      link.cut = cut; // accepted into the void: the connect succeeds, nothing gets through
      link.blackHoled = !cut && blackHole; // accepted, and never read
      link.dropFromServer = dropFromServer;
      links.add(link);
      accepted.incrementAndGet();
      Thread.ofVirtual().name("fault-relay-link").start(() -> open(link));
    }
  }

  private void open(Link link) {
    Socket client = link.client;
    if (link.cut || link.blackHoled) {
      return;
    }
    try {
      Socket server = new Socket();
      server.setTcpNoDelay(true);
      server.setReceiveBufferSize(LINK_BUFFER_BYTES);
      server.connect(target, 5_000);
      client.setTcpNoDelay(true);
      link.server = server;
      int up = recordBytes;
      int down = recordDownstreamBytes;
      Thread.ofVirtual().name("fault-relay-up").start(() -> pump(link, client, server, up, recordings));
      Thread.ofVirtual().name("fault-relay-down").start(() -> pump(link, server, client, down, downstreamRecordings));
    } catch (IOException e) {
      log.debug("fault relay: cannot reach {}: {}", target, e.toString());
      link.close(false);
    }
  }

  /**
   * Forwards one direction of a link. A reader thread stamps each chunk with the time it may leave
   * (arrival plus the delay) and a writer thread sends it then, so chunks in flight overlap as on a
   * real link with latency instead of queueing behind each other's delays. The queue between them
   * is bounded, so back-pressure still reaches the sender.
   */
  private void pump(Link link, Socket from, Socket to, int recordLimit, List<byte[]> recorded) {
    BlockingQueue<Chunk> inFlight = new ArrayBlockingQueue<>(64);
    Thread.ofVirtual().name("fault-relay-deliver").start(() -> deliver(link, inFlight, to));
    byte[] buf = new byte[bufferBytes];
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    try {
      InputStream in = from.getInputStream();
      while (true) {
        link.awaitDraining(); // a black hole reads nothing more, so the sender's buffers fill
        int n = in.read(buf);
        if (n < 0) {
          inFlight.put(Chunk.END);
          return;
        }
        if (link.cut || (link.dropFromServer && from == link.server)) {
          continue; // the bytes vanish
        }
        if (link.blackHoled) {
          link.awaitDraining(); // read just as the hole opened: held, never delivered
          continue;
        }
        if (record.size() < recordLimit) {
          record.write(buf, 0, Math.min(n, recordLimit - record.size()));
        }
        inFlight.put(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
      }
    } catch (IOException | InterruptedException e) {
      link.close(false);
    } finally {
      if (recordLimit > 0) {
        recorded.add(record.toByteArray());
      }
    }
  }

  private void deliver(Link link, BlockingQueue<Chunk> inFlight, Socket to) {
    try {
      OutputStream out = to.getOutputStream();
      while (true) {
        Chunk chunk = inFlight.take();
        if (chunk == Chunk.END) {
          if (!link.cut) {
            to.shutdownOutput();
          }
          link.directionEnded(); // both ended: the link closes, freeing its two sockets
          return;
        }
        long wait = chunk.dueNanos() - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(Duration.ofNanos(wait)); // the injected latency itself
        }
        if (link.cut || link.blackHoled) {
          continue;
        }
        out.write(chunk.bytes());
        forwardedBytes.addAndGet(chunk.bytes().length);
      }
    } catch (IOException | InterruptedException e) {
      link.close(false);
    }
  }

  /** Bytes on their way through the relay, and when they may leave it. */
  private record Chunk(long dueNanos, byte[] bytes) {
    static final Chunk END = new Chunk(0, new byte[0]);
  }

  /** One relayed connection. Fields are written by control threads and read by pump threads. */
  private final class Link {
    final Socket client;
    volatile Socket server;
    volatile boolean cut;
    /** What the server sends on this link vanishes. */
    volatile boolean dropFromServer;
    /** Set once by {@link #blackHole()}; a black-holed link is never read again, only closed. */
    volatile boolean blackHoled;
    /** Released when the link closes, which ends a black-holed pump's wait. */
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Directions whose end of stream was forwarded; at two the link is done. */
    private final AtomicInteger endedDirections = new AtomicInteger();

    Link(Socket client) {
      this.client = client;
    }

    void blackHole() {
      blackHoled = true;
    }

    /** One direction forwarded its end of stream; once both have, the link closes. */
    void directionEnded() {
      if (endedDirections.incrementAndGet() == 2) {
        close(false);
      }
    }

    /** Blocks the calling pump thread while the link is black-holed, until it is closed. */
    void awaitDraining() throws InterruptedException {
      if (blackHoled) {
        closed.await();
      }
    }

    void close(boolean withReset) {
      closed.countDown();
      links.remove(this);
      closeSocket(client, withReset);
      Socket s = server;
      if (s != null) {
        closeSocket(s, withReset);
      }
    }

    private void closeSocket(Socket socket, boolean withReset) {
      try {
        if (withReset) {
          socket.setSoLinger(true, 0); // close() then sends RST instead of FIN
        }
        socket.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
  }
}
