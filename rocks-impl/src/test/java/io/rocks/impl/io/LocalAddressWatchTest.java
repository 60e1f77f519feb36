package io.rocks.impl.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.rocks.testkit.Await;
import java.net.InetAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LocalAddressWatch} on this host's own interfaces: an address the host does not have is
 * reported gone once, a cancelled watch never fires, and loopback and wildcard addresses are not
 * watched. (NetnsChaosTest removes a real address from a namespace.) No packet is sent.
 */
class LocalAddressWatchTest {
  /** TEST-NET-1 (RFC 5737): never an address of this host. */
  private static InetAddress absent() throws Exception {
    return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 77});
  }

  @Test
  @Timeout(30)
  void anAddressTheHostDoesNotHaveIsReportedGoneOnce() throws Exception {
    CompletableFuture<SocketException> gone = new CompletableFuture<>();
    int[] calls = new int[1];
    LocalAddressWatch.Watch watch = LocalAddressWatch.watch(absent(), e -> {
      synchronized (calls) {
        calls[0]++;
      }
      gone.complete(e);
    });
    SocketException cause = gone.get(10, TimeUnit.SECONDS);
    assertEquals("the local address 192.0.2.77 went away (the host no longer has it)", cause.getMessage());
    Await.until(Duration.ofSeconds(10), "the watch let go of it", () -> LocalAddressWatch.watchedConnections() == 0);
    watch.cancel(); // after it fired: nothing happens
    synchronized (calls) {
      assertEquals(1, calls[0]);
    }
  }

  @Test
  @Timeout(30)
  void aCancelledWatchNeverFires() throws Exception {
    CompletableFuture<SocketException> cancelled = new CompletableFuture<>();
    LocalAddressWatch.Watch watch = LocalAddressWatch.watch(absent(), cancelled::complete);
    watch.cancel();
    // A second watch of the same address fires; by then the first would have too.
    CompletableFuture<SocketException> second = new CompletableFuture<>();
    LocalAddressWatch.watch(absent(), second::complete);
    second.get(10, TimeUnit.SECONDS);
    assertEquals(false, cancelled.isDone(), "the cancelled watch fired");
  }

  @Test
  void loopbackAndWildcardAreNotWatched() throws Exception {
    assertNull(LocalAddressWatch.watch(InetAddress.getLoopbackAddress(), e -> {}));
    assertNull(LocalAddressWatch.watch(InetAddress.getByAddress(new byte[4]), e -> {}));
    assertNull(LocalAddressWatch.watch(null, e -> {}));
  }
}
