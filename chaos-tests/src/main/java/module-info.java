/**
 * Chaos testing support for rocks: launches a real Toxiproxy server, bounds every call made to it
 * (so a stuck server fails a test instead of hanging the build), records rock events with their
 * times, and runs connection storms: thousands of rocks between JVMs of their own, through relays
 * that reset and black-hole every link at once.
 */
@SuppressWarnings("requires-transitive-automatic") // toxiproxy-java 2.1.11 has no module descriptor
module io.rocks.chaos {
  requires transitive io.rocks.api;
  requires transitive toxiproxy.java;
  requires org.apache.logging.log4j;
  requires io.rocks.testkit;
  requires java.management;
  requires jdk.management;

  exports io.rocks.chaos;
}
