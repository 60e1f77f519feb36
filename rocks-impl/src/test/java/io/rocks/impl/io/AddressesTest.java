package io.rocks.impl.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockId;
import io.rocks.RockTimeoutException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Addresses in log lines and messages read host:port, never InetSocketAddress's /host:port. */
class AddressesTest {
  @Test
  void writesHostAndPortWithoutALeadingSlash() throws Exception {
    assertEquals("10.213.0.1:7000", Addresses.format(new InetSocketAddress(InetAddress.getByName("10.213.0.1"), 7000)));
    assertEquals("[fe80:0:0:0:0:0:0:1]:22", Addresses.format(new InetSocketAddress(InetAddress.getByName("fe80::1"), 22)));
    assertEquals("127.0.0.1:80",
        Addresses.format(new InetSocketAddress(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), 80)));
    assertEquals("gateway.example:7000", Addresses.format(InetSocketAddress.createUnresolved("gateway.example", 7000)));
    assertEquals("?", Addresses.format(null));
  }

  @Test
  void aReconnectTimeoutNamesItsPeerAsHostAndPort() throws Exception {
    RockId id = new RockId(0x0123456789abcdefL, 0x0123456789abcdefL);
    RockTimeoutException timeout = new RockTimeoutException(
        id, new InetSocketAddress(InetAddress.getByName("10.213.0.1"), 7000), Duration.ofMillis(1500), 3, null);
    assertEquals("rock " + id + " to 10.213.0.1:7000 gave up after 1500 ms suspended and 3 reconnection attempt(s);"
        + " raise the reconnect timeout if outages last longer", timeout.getMessage());
  }
}
