/**
 * The Rocks API: reliable sockets that survive link failures.
 *
 * <p>Applications call {@link io.rocks.Rocks}; an implementation is found through
 * {@link java.util.ServiceLoader} as a {@link io.rocks.spi.RocksProvider}.
 */
module io.rocks.api {
  exports io.rocks;
  exports io.rocks.spi;

  uses io.rocks.spi.RocksProvider;
}
