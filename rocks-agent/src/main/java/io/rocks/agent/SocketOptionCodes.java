package io.rocks.agent;

import java.net.Socket;
import java.net.SocketException;
import java.net.SocketOptions;

/**
 * Maps the numbered options that {@link Socket}'s setters pass to its implementation ({@link
 * SocketOptions}) to the same setters on the socket the implementation stands for.
 */
final class SocketOptionCodes {
  private SocketOptionCodes() {}

  static void set(Socket socket, int optID, Object value) throws SocketException {
    switch (optID) {
      case SocketOptions.SO_TIMEOUT -> socket.setSoTimeout((Integer) value);
      case SocketOptions.TCP_NODELAY -> socket.setTcpNoDelay((Boolean) value);
      case SocketOptions.SO_KEEPALIVE -> socket.setKeepAlive((Boolean) value);
      case SocketOptions.SO_LINGER -> {
        // Socket.setSoLinger passes the seconds when on and Boolean.FALSE when off.
        if (value instanceof Integer seconds) {
          socket.setSoLinger(true, seconds);
        } else {
          socket.setSoLinger(false, 0);
        }
      }
      case SocketOptions.SO_SNDBUF -> socket.setSendBufferSize((Integer) value);
      case SocketOptions.SO_RCVBUF -> socket.setReceiveBufferSize((Integer) value);
      case SocketOptions.SO_REUSEADDR -> socket.setReuseAddress((Boolean) value);
      case SocketOptions.IP_TOS -> socket.setTrafficClass((Integer) value);
      case SocketOptions.SO_OOBINLINE -> socket.setOOBInline((Boolean) value);
      default -> throw new SocketException("rocks-agent: socket option " + optID + " is not supported");
    }
  }

  static Object get(Socket socket, int optID) throws SocketException {
    return switch (optID) {
      case SocketOptions.SO_TIMEOUT -> socket.getSoTimeout();
      case SocketOptions.TCP_NODELAY -> socket.getTcpNoDelay();
      case SocketOptions.SO_KEEPALIVE -> socket.getKeepAlive();
      case SocketOptions.SO_LINGER -> {
        int seconds = socket.getSoLinger();
        yield seconds >= 0 ? (Object) seconds : Boolean.FALSE;
      }
      case SocketOptions.SO_SNDBUF -> socket.getSendBufferSize();
      case SocketOptions.SO_RCVBUF -> socket.getReceiveBufferSize();
      case SocketOptions.SO_REUSEADDR -> socket.getReuseAddress();
      case SocketOptions.IP_TOS -> socket.getTrafficClass();
      case SocketOptions.SO_OOBINLINE -> socket.getOOBInline();
      case SocketOptions.SO_BINDADDR -> socket.getLocalAddress();
      default -> throw new SocketException("rocks-agent: socket option " + optID + " is not supported");
    };
  }
}
