package io.rocks.impl.io;

import io.rocks.impl.wire.FrameWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * One underlying TCP connection of a rock, with its decoder. A rock swaps connections when it
 * recovers; each connection is numbered by the rock's generation when it was attached, and its
 * threads stop touching the rock as soon as the rock has moved to a newer generation.
 *
 * <p>Created by a handshake thread, then used by one writing and one reading thread at a time. It
 * is written by whichever thread holds the rock's send lock (its writer thread, or an application
 * thread sending what it just wrote), and read by its reader thread or an application thread the
 * reader lent the input to (see {@code RockStreams.read}). {@link #close} may be called from any
 * thread, more than once.
 */
public final class Connection {
  public final Socket socket;
  public final FrameReader reader;
  public final OutputStream out;
  /**
   * The TCP connection's channel, which frames are written to ({@link #send}); null if the socket is not a channel's own (TLS), and frames are written to
   * {@link #out}.
   * Reads always go through the socket's input stream, which honours its read timeout. A channel
   * is interruptible: a thread interrupted while it reads or writes it closes it, and the rock
   * recovers as from any broken connection.
   */
  final SocketChannel channel;
  /**
   * The TCP connection's channel, under TLS too (the JDK's TLS socket over a channel's socket
   * reports that channel): {@link #close} closes it first, so closing never waits for the TLS
   * socket's locks, which a writer blocked on a path that stopped draining holds. Null only for a
   * socket that is not a channel's.
   */
  private final SocketChannel tcp;
  /** Frames being encoded for this connection; guarded by the rock's send lock. */
  public final FrameWriter frames = new FrameWriter();
  /**
   * {@link System#nanoTime()} of the last write of frames; 0 before the first. Written under the
   * rock's send lock (or by the handshake before the connection is attached), read by the writer
   * thread to time heartbeats.
   */
  public volatile long lastSendNanos;
  /**
   * The error of a failed write, left to whoever reads this connection next (see {@link
   * io.rocks.impl.rock.RealRock}'s {@code writeFailed}); null while writes succeed. Set by the
   * writing thread, read by the reading one.
   */
  public volatile IOException writeFailure;
  /** {@link System#nanoTime()} when {@link #writeFailure} was set; written before it. */
  public volatile long writeFailedNanos;
  /**
   * True while a thread owns {@link #reader}: from the start, the reader thread; false while the
   * input is lent and no application thread is reading. Guarded by the rock's lock.
   */
  public boolean inputTaken = true;
  /**
   * On the accepting side, the deadline of the handshake that made this connection, which closes
   * it if the handshake takes too long; null elsewhere. The rock cancels it as it attaches the
   * connection ({@link #handshakeDone}), so a deadline that fires late cannot close a connection
   * already in use. Set before the connection is handed to a rock.
   */
  public volatile Deadlines.Deadline handshakeDeadline;

  /**
   * True if the input starts lent to the application (a new rock's first connection on the
   * connecting side): the reader thread then waits for its turn before it reads. Guarded by the
   * rock's lock, set before the reader thread starts.
   */
  public boolean startsLent;
  /**
   * True if the thread that attached this connection goes on to read it itself ({@link
   * io.rocks.impl.rock.RealRock#serveAsReader}), so no reader thread is started for it: a new
   * rock's handshake thread on the accepting side. Set before the connection is attached.
   */
  public boolean readByAttacher;

  /**
   * True once the accepting side refused this connection's handshake or resume with a REJECT (and
   * counted the refusal); read by the handshake thread that set it.
   */
  public boolean refused;

  /** Set once {@link #close} began: a watch of the local address set after it is cancelled at once. */
  private volatile boolean closed;
  /** The watch of this connection's local address ({@link LocalAddressWatch}), or null. */
  private volatile LocalAddressWatch.Watch addressWatch;

  public Connection(Socket socket) throws IOException {
    this.socket = socket;
    this.reader = new FrameReader(socket.getInputStream());
    this.out = socket.getOutputStream();
    // Only the channel's own socket: a TLS socket layered over it reports the channel too (the
    // JDK's SSLSocket answers getChannel() for the socket below it), and writing there would
    // bypass TLS.
    SocketChannel ch = socket.getChannel();
    this.channel = ch != null && ch.socket() == socket ? ch : null;
    this.tcp = ch;
  }

  /**
   * Writes {@code batch} and empties it. Blocks until all of it is written. A TCP connection's
   * socket channel takes the in-flight buffer's ranges straight from their direct arrays; a
   * connection without a channel (TLS) is written as a stream.
   */
  public void send(FrameWriter batch) throws IOException {
    if (channel == null) {
      batch.flushTo(out);
    } else {
      batch.flushTo(channel);
    }
  }

  public InetSocketAddress remote() {
    return (InetSocketAddress) socket.getRemoteSocketAddress();
  }

  /**
   * Closes the connection, waking its reader and writer with an exception. Never throws; safe to
   * call from any thread, more than once. It waits only for the threads blocked in the socket to
   * leave it once woken (the JDK's channel close does so), never for the network; the shared
   * timer thread never calls it ({@link RockTimer}).
   *
   * <p>It closes the TCP channel itself, not the TLS socket over it: closing a TLS socket first
   * writes close_notify, which waits for the TLS record lock, and a writer blocked in a socket
   * write on a path that stopped draining holds that lock until the write fails. Closing the
   * channel fails that write at once, and the TLS socket, which holds nothing but the channel, is
   * left to the garbage collector. No close_notify is sent: the rock's own CLOSE frame says that a
   * rock ended, and a broken connection has no one to tell. A socket that is not a channel's (none
   * is, today) is closed on a thread of its own, so the caller still never waits.
   */
  public void close() {
    closed = true;
    LocalAddressWatch.Watch watch = addressWatch;
    if (watch != null) {
      watch.cancel();
    }
    if (tcp != null) {
      try {
        tcp.close();
      } catch (IOException ignored) {
        // Nothing more can be done with a channel that fails to close.
      }
      return;
    }
    Thread.ofVirtual().name("rock-close").start(() -> {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing more can be done with a socket that fails to close.
      }
    });
  }

  /**
   * Keeps {@code watch} (of this connection's local address) until the connection closes, and
   * cancels it then; cancels it at once if the connection closed already. Null is ignored.
   */
  public void keepAddressWatch(LocalAddressWatch.Watch watch) {
    if (watch == null) {
      return;
    }
    addressWatch = watch;
    if (closed) { // close() may have read addressWatch before it was set
      watch.cancel();
    }
  }

  /**
   * Turns on the kernel's TCP keepalive for idle mode: the first probe after half the idle
   * heartbeat interval without traffic, then one each such half interval, and the connection is
   * reset after {@code count} unanswered probes. Middleboxes then see traffic between the rock's
   * own idle heartbeats at no cost to the JVM, and a dead path ends the reader's wait even
   * sooner than the rock's silence limit. Never blocks; a platform without these options keeps
   * the rock's heartbeats alone (logged at debug).
   */
  public void keepAlive(java.time.Duration idleHeartbeat, int count) {
    if (tcp == null) {
      return;
    }
    int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, idleHeartbeat.toSeconds() / 2));
    try {
      tcp.setOption(java.net.StandardSocketOptions.SO_KEEPALIVE, true);
      tcp.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, seconds);
      tcp.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, seconds);
      tcp.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, Math.max(1, count));
    } catch (IOException | UnsupportedOperationException e) {
      org.apache.logging.log4j.LogManager.getLogger(Connection.class)
          .debug("TCP keepalive not set on {}: {}", this, e.toString());
    }
  }

  /**
   * Returns true if bytes from the peer wait in the kernel, not yet read: the peer is alive, and
   * the thread that reads this connection has not run since they came. Never blocks (one system
   * call); false if it cannot tell.
   */
  public boolean bytesWaiting() {
    try {
      return tcp != null && tcp.socket().getInputStream().available() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Returns whether the kernel's TCP keepalive is on, for tests; false if it cannot be read. */
  public boolean keepAliveOn() {
    try {
      return tcp != null && tcp.getOption(java.net.StandardSocketOptions.SO_KEEPALIVE);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Ends the handshake's deadline as the connection starts carrying a rock: returns false if the
   * deadline already fired (the connection is closed, or being closed, under the handshake).
   */
  public boolean handshakeDone() {
    Deadlines.Deadline deadline = handshakeDeadline;
    return deadline == null || deadline.cancel();
  }

  @Override
  public String toString() {
    return Addresses.format(socket.getLocalSocketAddress()) + "->" + Addresses.format(socket.getRemoteSocketAddress());
  }

  /** Closes {@code socket}, ignoring a failure to close: there is nothing to do about one. */
  public static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do about a socket that fails to close.
    }
  }
}
