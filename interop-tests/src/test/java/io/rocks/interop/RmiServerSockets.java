package io.rocks.interop;

import io.rocks.RocksServerSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.rmi.server.RMIServerSocketFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listening sockets for Java RMI on a loopback address: rocks server sockets (from {@link
 * RocksServerSocketFactory}, which serve plain clients too) or plain ones, recording what they
 * accept. Each instance is its own RMI endpoint (RMI shares a listening socket only between objects
 * exported with equal factories).
 */
final class RmiServerSockets implements RMIServerSocketFactory {
  private final boolean rocks;
  private final InetAddress address;
  private final List<RecordingServerSocket> made = new CopyOnWriteArrayList<>();

  RmiServerSockets(boolean rocks, InetAddress address) {
    this.rocks = rocks;
    this.address = address;
  }

  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    ServerSocket inner =
        rocks
            ? RocksServerSocketFactory.getDefault().createServerSocket(port, 50, address)
            : new ServerSocket(port, 50, address);
    RecordingServerSocket socket = new RecordingServerSocket(inner);
    made.add(socket);
    return socket;
  }

  /** The port of the one listening socket RMI opened. */
  int port() {
    if (made.size() != 1) {
      throw new IllegalStateException("expected one listening socket, RMI opened " + made.size());
    }
    return made.get(0).getLocalPort();
  }

  /** Every connection accepted so far. */
  List<Socket> accepted() {
    return made.stream().flatMap(s -> s.accepted().stream()).toList();
  }

  /** Closes the listening sockets (RMI closes them too when their last object is unexported). */
  void close() {
    for (ServerSocket socket : made) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Already closed by RMI.
      }
    }
  }
}
