/**
 * Test support for rocks: an in-process TCP relay that injects link faults ({@link
 * io.rocks.testkit.FaultRelay}), SHA-256 checks of transferred bytes ({@link
 * io.rocks.testkit.Transfer}) and waiting for a condition with a deadline ({@link
 * io.rocks.testkit.Await}).
 */
module io.rocks.testkit {
  requires org.apache.logging.log4j;

  exports io.rocks.testkit;
}
