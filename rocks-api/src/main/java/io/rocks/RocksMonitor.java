package io.rocks;

import java.util.Map;

/**
 * What the rocks of this process are doing, for metrics and monitoring: how many are in each state,
 * totals since the process started, the handshakes and resumes it refused, and every rock's events.
 * Obtained from {@link Rocks#monitor()}; {@code io.rocks:rocks-micrometer} publishes it as meters.
 *
 * <p>Thread-safe. The methods take no rock's lock for long: {@link #rocksByState} reads each rock's
 * state without it, and {@link #totals} takes each live rock's lock briefly to read its counters,
 * so a scrape of a process with 10,000 rocks costs milliseconds and never waits on a rock's I/O.
 */
public interface RocksMonitor {
  /**
   * Counts the rocks of this process that have not ended, by state. Every state is a key, with 0
   * where no rock is in it; {@link RockState#CLOSED} and {@link RockState#FAILED} are always 0
   * (an ended rock is no longer counted here, but in {@link #totals}).
   *
   * @return a new, unmodifiable map from each state, in declaration order, to its number of rocks
   */
  Map<RockState, Integer> rocksByState();

  /**
   * Returns totals over every rock this process made or accepted since it started, ended or not.
   * Each total only grows.
   *
   * @return the totals at this moment
   */
  RocksTotals totals();

  /**
   * Counts the handshakes and resumes this process refused as the accepting side, by reason, since
   * it started. Every reason is a key, with 0 where there was none.
   *
   * @return a new, unmodifiable map from each reason, in declaration order, to its count
   */
  Map<RockRefusal, Long> refusals();

  /**
   * Adds a listener that receives the events of every rock of this process, made or accepted,
   * from now on. Its callbacks run as a rock's own listeners' do: on that rock's event thread, in
   * the order of the rock's changes, never on its I/O threads; one that blocks delays only that
   * rock's later events.
   *
   * @param listener the listener to add
   */
  void addListener(RockListener listener);

  /**
   * Removes a listener added with {@link #addListener}; events already queued may still reach it.
   *
   * @param listener the listener to remove
   */
  void removeListener(RockListener listener);
}
