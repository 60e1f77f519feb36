/**
 * Micrometer meters for the rocks of a process: {@link io.rocks.micrometer.RocksMetrics}.
 */
module io.rocks.micrometer {
  requires transitive io.rocks.api;
  requires transitive micrometer.core;

  exports io.rocks.micrometer;
}
