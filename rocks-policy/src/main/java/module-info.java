/** HOCON settings for rocks: {@code reference.conf} defaults, application overrides. */
module io.rocks.policy {
  requires io.rocks.api;
  requires typesafe.config;

  exports io.rocks.policy;
}
