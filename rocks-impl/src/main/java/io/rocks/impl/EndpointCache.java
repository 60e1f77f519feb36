package io.rocks.impl;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per endpoint, whether detection found a rock or a plain server, so the cost of
 * finding out is paid once per expiry period. One per provider (the application's is shared by the
 * whole JVM); thread-safe and lock-free (concurrent maps of immutable entries).

 */
public final class EndpointCache {
  enum Kind {
    ROCK,
    PLAIN
  }

  private record Entry(Kind kind, long expiresAtNanos) {}

  /** Bounded: past this many endpoints the map is cleared rather than grown. */
  private static final int MAX_ENTRIES = 10_000;

  private final ConcurrentHashMap<InetSocketAddress, Entry> entries = new ConcurrentHashMap<>();


  /** Returns what {@code endpoint} turned out to be, or null if unknown or expired. */
  Kind get(InetSocketAddress endpoint) {
    Entry entry = entries.get(endpoint);
    if (entry == null) {
      return null;
    }
    if (System.nanoTime() - entry.expiresAtNanos() >= 0) {
      entries.remove(endpoint, entry);
      return null;
    }
    return entry.kind();
  }

  void put(InetSocketAddress endpoint, Kind kind, long ttlNanos) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(endpoint, new Entry(kind, System.nanoTime() + ttlNanos));
  }

  void forget(InetSocketAddress endpoint) {
    entries.remove(endpoint);
  }
}
