/** The demo: an echo over a rock while a relay cuts and resets the link. */
module io.rocks.demo {
  requires io.rocks.api;
  requires io.rocks.testkit;
  requires org.apache.logging.log4j;
}
