/** Test support for rocks: an in-process TCP relay that injects link faults. */
module io.rocks.testkit {
  requires org.apache.logging.log4j;

  exports io.rocks.testkit;
}
