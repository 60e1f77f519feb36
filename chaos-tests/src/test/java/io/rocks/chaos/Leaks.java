package io.rocks.chaos;

import io.rocks.RockId;
import io.rocks.RockServerSocket;
import java.lang.reflect.Method;

/**
 * Reads the implementation's own leak counters: the threads still serving a rock (virtual, so
 * invisible to thread dumps) and the rocks a server socket still holds. They are package-private in
 * rocks-impl; the tests run on the class path, where reflection may reach them.
 */
final class Leaks {
  private Leaks() {}

  /** Returns how many threads (reader, writer, supervisor) serve rock {@code id} in this JVM. */
  static int liveRockThreads(RockId id) {
    try {
      Method live = Class.forName("io.rocks.impl.io.RockThreads").getDeclaredMethod("live", RockId.class);
      live.setAccessible(true);
      return (int) live.invoke(null, id);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("rocks-impl no longer counts its threads (RockThreads.live(RockId))", e);
    }
  }

  /** Returns how many rocks {@code server} holds, connected or suspended. */
  static int liveRocks(RockServerSocket server) {
    try {
      Method live = server.getClass().getDeclaredMethod("liveRocks");
      live.setAccessible(true);
      return (int) live.invoke(server);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(server.getClass() + " no longer counts its rocks (liveRocks())", e);
    }
  }
}
