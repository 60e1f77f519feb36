package io.rocks.impl;

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
 * reader lent the input to (see {@link RealRock#read}). {@link #close} may be called from any
 * thread, more than once.
 */
final class Connection {
  final Socket socket;
  final FrameReader reader;
  final OutputStream out;
  /**
   * The TCP connection's channel, which frames are written to ({@link FrameWriter#flushTo(
   * Connection)}); null if the socket is not a channel's own (TLS), and frames are written to
   * {@link #out}.
   * Reads always go through the socket's input stream, which honours its read timeout. A channel
   * is interruptible: a thread interrupted while it reads or writes it closes it, and the rock
   * recovers as from any broken connection.
   */
  final SocketChannel channel;
  /** Frames being encoded for this connection; guarded by the rock's send lock. */
  final FrameWriter frames = new FrameWriter();
  /**
   * {@link System#nanoTime()} of the last write of frames; 0 before the first. Written under the
   * rock's send lock (or by the handshake before the connection is attached), read by the writer
   * thread to time heartbeats.
   */
  volatile long lastSendNanos;
  /**
   * True while a thread owns {@link #reader}: from the start, the reader thread; false while the
   * input is lent and no application thread is reading. Guarded by the rock's lock.
   */
  boolean inputTaken = true;
  /**
   * True if the input starts lent to the application (a new rock's first connection on the
   * connecting side): the reader thread then waits for its turn before it reads. Guarded by the
   * rock's lock, set before the reader thread starts.
   */
  boolean startsLent;
  /**
   * True if the thread that attached this connection goes on to read it itself ({@link
   * RealRock#serveAsReader}), so no reader thread is started for it: a new rock's handshake thread
   * on the accepting side. Set before the connection is attached.
   */
  boolean readByAttacher;

  Connection(Socket socket) throws IOException {
    this.socket = socket;
    this.reader = new FrameReader(socket.getInputStream());
    this.out = socket.getOutputStream();
    // Only the channel's own socket: a TLS socket layered over it reports the channel too (the
    // JDK's SSLSocket answers getChannel() for the socket below it), and writing there would
    // bypass TLS.
    SocketChannel ch = socket.getChannel();
    this.channel = ch != null && ch.socket() == socket ? ch : null;
  }

  InetSocketAddress remote() {
    return (InetSocketAddress) socket.getRemoteSocketAddress();
  }

  /** Closes the socket, waking its reader and writer with an exception. Never throws. */
  void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing more can be done with a socket that fails to close.
    }
  }

  @Override
  public String toString() {
    return socket.getLocalSocketAddress() + "->" + socket.getRemoteSocketAddress();
  }
}
