package io.rocks.interop;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Loopback addresses for test servers. The rocks client remembers per endpoint (address and port)
 * whether it found a rock or a plain server, for ten minutes; servers of different kinds that
 * happen to get the same port one after the other in this JVM must not share an endpoint, so each
 * use has an address of its own in 127.0.0.0/8.
 */
final class Loopback {
  private Loopback() {}

  /** 127.0.0.1: servers that live for one test. */
  static final InetAddress MAIN = InetAddress.getLoopbackAddress();

  /** Returns 127.0.0.{@code last}. */
  static InetAddress alias(int last) {
    if (last < 1 || last > 254) {
      throw new IllegalArgumentException("127.0.0." + last);
    }
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
