/** The rocks command line: tunnels that make any TCP program survive link failures. */
module io.rocks.cli {
  requires io.rocks.api;
  requires io.rocks.policy;
  requires io.rocks.micrometer;
  requires info.picocli;
  requires jdk.httpserver;
  requires micrometer.registry.prometheus;
  requires org.apache.logging.log4j;
  requires org.apache.logging.log4j.core;
  requires typesafe.config;

  opens io.rocks.cli to info.picocli;
}
