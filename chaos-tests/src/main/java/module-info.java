/**
 * Chaos testing support for rocks: launches a real Toxiproxy server and bounds every call made to
 * it, so a stuck server fails a test instead of hanging the build.
 */
module io.rocks.chaos {
  requires toxiproxy.java;

  exports io.rocks.chaos;
}
