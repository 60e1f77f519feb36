package io.rocks.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * One underlying TCP connection of a rock, with its decoder. A rock swaps connections when it
 * recovers; each connection is numbered by the rock's generation when it was attached, and its
 * threads stop touching the rock as soon as the rock has moved to a newer generation.
 *
 * <p>Created by a handshake thread, then read by exactly one reader thread and written by exactly
 * one writer thread. {@link #close} may be called from any thread, more than once.
 */
final class Connection {
  final Socket socket;
  final FrameReader reader;
  final OutputStream out;

  Connection(Socket socket) throws IOException {
    this.socket = socket;
    this.reader = new FrameReader(socket.getInputStream());
    this.out = socket.getOutputStream();
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
