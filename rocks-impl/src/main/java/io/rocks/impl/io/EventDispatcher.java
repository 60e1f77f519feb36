package io.rocks.impl.io;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one rock's listener callbacks in the order they were posted, on a virtual thread started only
 * while there is work, never on the rock's I/O threads.
 *
 * <p>{@link #post} is called from any thread, including under the rock's lock: it never blocks. A
 * callback that throws is logged and the next one still runs; one that blocks delays only this
 * rock's later callbacks.
 */
public final class EventDispatcher {
  private static final Logger log = LogManager.getLogger(EventDispatcher.class);

  private final String rockName;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  /** True while a drain thread owns the queue; the CAS hands ownership over without a lock. */
  private final AtomicBoolean draining = new AtomicBoolean();

  public EventDispatcher(String rockName) {
    this.rockName = rockName;
  }

  public void post(Runnable event) {
    queue.add(event);
    if (draining.compareAndSet(false, true)) {
      Thread.ofVirtual().name("rock-events-" + rockName).start(this::drain);
    }
  }

  private void drain() {
    while (true) {
      Runnable event;
      while ((event = queue.poll()) != null) {
        try {
          event.run();
        } catch (Throwable t) {
          log.warn("rock {}: a listener threw; the rock carries on", rockName, t);
        }
      }
      draining.set(false);
      // An event posted after the last poll but before the reset would otherwise wait forever.
      if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
        return;
      }
    }
  }
}
