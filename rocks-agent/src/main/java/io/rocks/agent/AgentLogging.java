package io.rocks.agent;

/**
 * Where the agent's and the library's log lines go. They are written through log4j-api, so a
 * program with a logging implementation for it (log4j-core, or a bridge to SLF4J) receives them
 * under its own configuration. A program without one would get log4j-api's complaint that it found
 * none and then only errors; the agent names log4j-api's simple logger instead, writing INFO and
 * above to stderr, unless the program chose a provider or a level itself.
 */
final class AgentLogging {
  static final String PROVIDER = "log4j.provider";
  static final String SIMPLE_LEVEL = "org.apache.logging.log4j.simplelog.level";

  private AgentLogging() {}

  /** Runs before the first logger is made. */
  static void configure() {
    if (System.getProperty(PROVIDER) != null || System.getProperty("log4j2.provider") != null) {
      return;
    }
    ClassLoader loader = ClassLoader.getSystemClassLoader();
    if (loader.getResource("META-INF/services/org.apache.logging.log4j.spi.Provider") != null
        || loader.getResource("META-INF/log4j-provider.properties") != null) {
      return; // the program brings a logging implementation
    }
    System.setProperty(PROVIDER, "org.apache.logging.log4j.simple.internal.SimpleProvider");
    if (System.getProperty(SIMPLE_LEVEL) == null) {
      System.setProperty(SIMPLE_LEVEL, "INFO");
    }
  }
}
