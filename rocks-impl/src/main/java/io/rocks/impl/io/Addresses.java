package io.rocks.impl.io;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Socket addresses as people write them, for log lines and error messages: {@code host:port}, an
 * IPv6 address in brackets ({@code [::1]:7000}). {@link InetSocketAddress#toString()} writes {@code
 * /10.0.0.1:7000}, or {@code name/10.0.0.1:7000}, which reads as a path and cannot be pasted back
 * into a command line. Stateless; any thread.
 */
public final class Addresses {
  private Addresses() {}

  /**
   * Returns {@code host:port}: the numeric address if it is resolved, else the host name as given;
   * {@code [v6]:port} for IPv6; "?" for null; {@code toString()} for an address that is not an
   * {@link InetSocketAddress}. Never looks a name up.
   */
  public static String format(SocketAddress address) {
    if (address == null) {
      return "?";
    }
    if (!(address instanceof InetSocketAddress inet)) {
      return address.toString();
    }
    String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
  }
}
