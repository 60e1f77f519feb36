package io.rocks.impl.io;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Notices at once when a local address that connections use goes away (Wi-Fi left, a DHCP lease
 * replaced, a VPN down), instead of waiting for the heartbeats to fall silent: a connection bound to
 * an address the host no longer has can never deliver again, and the kernel keeps it open.
 *
 * <p>Every {@link #PERIOD_MILLIS} one virtual thread, running only while some connection is
 * watched, asks for each distinct watched address whether an interface still has it ({@link
 * NetworkInterface#getByInetAddress}: one query per address, however many connections use it), and
 * runs the callbacks of an address that is gone, once each, on that thread. Only an address the
 * watch has seen on an interface can go away: one the host's interface list never shows (a sandbox
 * that hides it, say) is left to the heartbeats, rather than ending every connection made from it.
 * Loopback and wildcard addresses are not watched. Thread-safe: {@link #watch} and {@link
 * Watch#cancel} from any thread, never blocking; the sets of watches change only inside the map's
 * atomic {@code compute} calls, so a watch is never added to a set the map no longer holds.
 */
public final class LocalAddressWatch {
  /** How often the watched addresses are checked. */
  public static final long PERIOD_MILLIS = 100;

  private static final Logger log = LogManager.getLogger(LocalAddressWatch.class);
  private static final Map<InetAddress, Set<Watch>> watched = new ConcurrentHashMap<>();
  /** Watched addresses seen on an interface; read and written by the checking thread only. */
  private static final Set<InetAddress> seen = new java.util.HashSet<>();
  /** Whether the host has an address: the JDK's interface list, or a test's stand-in. */
  private static volatile Lookup lookup = address -> NetworkInterface.getByInetAddress(address) != null;

  /** Tells whether this host has an address. */
  @FunctionalInterface
  interface Lookup {
    boolean hostHas(InetAddress address) throws SocketException;
  }

  /** Replaces how addresses are looked up, for tests; returns the previous lookup. */
  static Lookup lookup(Lookup replacement) {
    Lookup previous = lookup;
    lookup = replacement;
    return previous;
  }
  /** True while the checking thread runs; it stops when nothing is watched. */
  private static final AtomicBoolean running = new AtomicBoolean();

  private LocalAddressWatch() {}

  /** One watched connection's interest in its local address; cancelled when the connection ends. */
  public static final class Watch {
    private final InetAddress address;
    private final Consumer<SocketException> onGone;
    private final AtomicBoolean done = new AtomicBoolean();

    private Watch(InetAddress address, Consumer<SocketException> onGone) {
      this.address = address;
      this.onGone = onGone;
    }

    /** Stops watching; the callback will not run after this returns (unless it already started). */
    public void cancel() {
      if (done.compareAndSet(false, true)) {
        watched.computeIfPresent(address, (a, set) -> {
          set.remove(this);
          return set.isEmpty() ? null : set;
        });
      }
    }

    private void fire() {
      if (done.compareAndSet(false, true)) {
        try {
          onGone.accept(new SocketException(
              "the local address " + address.getHostAddress() + " went away (the host no longer has it)"));
        } catch (RuntimeException | Error e) {
          // The checking thread goes on for the other connections; this one's heartbeats remain.
          log.warn("ending a connection whose local address {} went away failed", address.getHostAddress(), e);
        }
      }
    }
  }

  /**
   * Calls {@code onGone} once, on the watch's thread, when {@code address} is no longer an address
   * of this host; returns the watch to cancel. Returns null for an address that is not watched
   * (null, loopback, wildcard).
   */
  public static Watch watch(InetAddress address, Consumer<SocketException> onGone) {
    if (address == null || address.isLoopbackAddress() || address.isAnyLocalAddress()) {
      return null;
    }
    Watch watch = new Watch(address, onGone);
    watched.compute(address, (a, set) -> {
      Set<Watch> watches = set != null ? set : ConcurrentHashMap.newKeySet();
      watches.add(watch);
      return watches;
    });
    if (running.compareAndSet(false, true)) {
      Thread.ofVirtual().name("rocks-local-addresses").start(LocalAddressWatch::run);
    }
    return watch;
  }

  /** Returns how many connections are watched: for tests. */
  public static int watchedConnections() {
    return watched.values().stream().mapToInt(Set::size).sum();
  }

  private static void run() {
    while (true) {
      try {
        TimeUnit.MILLISECONDS.sleep(PERIOD_MILLIS);
      } catch (InterruptedException e) {
        running.set(false);
        return;
      }
      seen.retainAll(watched.keySet());
      for (InetAddress address : watched.keySet()) {
        boolean present;
        try {
          present = lookup.hostHas(address);
        } catch (SocketException e) {
          continue; // the host's interfaces could not be read: nothing is concluded from that
        }
        if (present) {
          seen.add(address);
        } else if (seen.remove(address)) {
          Set<Watch> gone = watched.remove(address);
          if (gone != null) {
            log.debug("local address {} went away: {} connection(s) end", address.getHostAddress(), gone.size());
            for (Watch watch : gone) {
              watch.fire();
            }
          }
        }
      }
      if (watched.isEmpty()) {
        running.set(false);
        // A watch added after the emptiness check but before the flag cleared starts no thread.
        if (watched.isEmpty() || !running.compareAndSet(false, true)) {
          return;
        }
      }
    }
  }
}
