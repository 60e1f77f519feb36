/** Benchmarks of rocks against plain sockets, measured in the same run. */
module io.rocks.bench {
  requires io.rocks.api;
}
