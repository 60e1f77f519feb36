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
 * runs the callbacks of an address that is gone, once each, on that thread. Loopback and wildcard
 * addresses are not watched. Thread-safe: {@link #watch} and {@link Watch#cancel} from any thread,
 * never blocking.
 */
public final class LocalAddressWatch {
  /** How often the watched addresses are checked. */
  public static final long PERIOD_MILLIS = 100;

  private static final Logger log = LogManager.getLogger(LocalAddressWatch.class);
  private static final Map<InetAddress, Set<Watch>> watched = new ConcurrentHashMap<>();
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
        onGone.accept(new SocketException(
            "the local address " + address.getHostAddress() + " went away (the host no longer has it)"));
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
    watched.computeIfAbsent(address, a -> ConcurrentHashMap.newKeySet()).add(watch);
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
      for (Map.Entry<InetAddress, Set<Watch>> entry : watched.entrySet()) {
        InetAddress address = entry.getKey();
        boolean present;
        try {
          present = NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
          continue; // the host's interfaces could not be read: nothing is concluded from that
        }
        if (!present) {
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
