/** The implementation of rocks; applications reach it only through {@code io.rocks.Rocks}. */
module io.rocks.impl {
  requires io.rocks.api;
  requires io.rocks.policy;
  requires jdk.jfr;
  requires jdk.net;
  requires org.apache.logging.log4j;
  requires org.bouncycastle.provider;

  provides io.rocks.spi.RocksProvider with
      io.rocks.impl.RealRocksProvider;
}
