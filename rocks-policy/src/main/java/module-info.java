/** HOCON settings for rocks: {@code reference.conf} defaults, application overrides. */
module io.rocks.policy {
  requires io.rocks.api;
  requires transitive typesafe.config; // its API takes a Config and throws ConfigException

  exports io.rocks.policy;
}
