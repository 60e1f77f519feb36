package io.rocks.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.SocketFactory;

/**
 * A socket factory that hands out what another one makes and remembers every socket, so a test can
 * ask afterwards which of them became rocks, and how they fared.
 */
final class RecordingSocketFactory extends SocketFactory {
  private final SocketFactory delegate;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  RecordingSocketFactory(SocketFactory delegate) {
    this.delegate = delegate;
  }

  /** The sockets made so far, in order. */
  List<Socket> sockets() {
    return List.copyOf(sockets);
  }

  private Socket record(Socket socket) {
    sockets.add(socket);
    return socket;
  }

  @Override
  public Socket createSocket() throws IOException {
    return record(delegate.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return record(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return record(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return record(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return record(delegate.createSocket(address, port, localAddress, localPort));
  }
}
