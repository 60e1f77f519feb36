package io.rocks.impl.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.rocks.testkit.Await;
import java.net.InetAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LocalAddressWatch} against a stand-in for the host's addresses (NetnsChaosTest removes a
 * real address from a network namespace): an address seen and then gone is reported once, one
 * never seen is left alone, a cancelled watch never fires, a callback that throws stops nothing,
 * and loopback and wildcard addresses are not watched. No packet is sent.
 */
@Timeout(30)
class LocalAddressWatchTest {
  /** The stand-in host's addresses. */
  private final Set<InetAddress> hostHas = ConcurrentHashMap.newKeySet();
  /** How often each address was looked up. */
  private final Map<InetAddress, AtomicInteger> lookups = new ConcurrentHashMap<>();
  private LocalAddressWatch.Lookup previous;

  @BeforeEach
  void standIn() {
    previous = LocalAddressWatch.lookup(address -> {
      lookups.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
      return hostHas.contains(address);
    });
  }

  @AfterEach
  void restore() {
    LocalAddressWatch.lookup(previous);
  }

  /** TEST-NET-1 (RFC 5737) addresses, never this host's. */
  private static InetAddress address(int last) throws Exception {
    return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) last});
  }

  private void awaitLookups(InetAddress address, int atLeast) throws Exception {
    int from = lookups.computeIfAbsent(address, a -> new AtomicInteger()).get();
    Await.until(Duration.ofSeconds(10), "the watch looked " + address + " up " + atLeast + " more times",
        () -> lookups.get(address).get() >= from + atLeast);
  }

  @Test
  void anAddressSeenAndThenGoneIsReportedOnce() throws Exception {
    InetAddress address = address(11);
    hostHas.add(address);
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<SocketException> gone = new CompletableFuture<>();
    LocalAddressWatch.Watch watch = LocalAddressWatch.watch(address, e -> {
      calls.incrementAndGet();
      gone.complete(e);
    });
    awaitLookups(address, 2);
    assertFalse(gone.isDone(), "reported while the host has the address");
    hostHas.remove(address);
    SocketException cause = gone.get(10, TimeUnit.SECONDS);
    assertEquals("the local address 192.0.2.11 went away (the host no longer has it)", cause.getMessage());
    watch.cancel(); // after it fired: nothing happens
    assertEquals(1, calls.get());
  }

  @Test
  void anAddressNeverSeenOnAnInterfaceIsLeftToTheHeartbeats() throws Exception {
    InetAddress hidden = address(12);
    CompletableFuture<SocketException> gone = new CompletableFuture<>();
    LocalAddressWatch.Watch watch = LocalAddressWatch.watch(hidden, gone::complete);
    awaitLookups(hidden, 3);
    assertFalse(gone.isDone(), "a connection from an address the interface list never showed was ended");
    watch.cancel();
  }

  @Test
  void aCancelledWatchNeverFiresAndAThrowingCallbackStopsNothing() throws Exception {
    InetAddress address = address(13);
    hostHas.add(address);
    CompletableFuture<SocketException> cancelled = new CompletableFuture<>();
    LocalAddressWatch.watch(address, cancelled::complete).cancel();
    CompletableFuture<SocketException> throwing = new CompletableFuture<>();
    LocalAddressWatch.watch(address, e -> {
      throwing.complete(e);
      throw new IllegalStateException("a callback that throws");
    });
    awaitLookups(address, 2);
    hostHas.remove(address);
    throwing.get(10, TimeUnit.SECONDS);
    assertFalse(cancelled.isDone(), "the cancelled watch fired");

    // The checking thread survived the throw: another address is still watched and reported.
    InetAddress other = address(14);
    hostHas.add(other);
    CompletableFuture<SocketException> next = new CompletableFuture<>();
    LocalAddressWatch.watch(other, next::complete);
    awaitLookups(other, 2);
    hostHas.remove(other);
    next.get(10, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(10), "nothing left watched", () -> LocalAddressWatch.watchedConnections() == 0);
  }

  @Test
  void loopbackAndWildcardAreNotWatched() throws Exception {
    assertNull(LocalAddressWatch.watch(InetAddress.getLoopbackAddress(), e -> {}));
    assertNull(LocalAddressWatch.watch(InetAddress.getByAddress(new byte[4]), e -> {}));
    assertNull(LocalAddressWatch.watch(null, e -> {}));
  }
}
