package io.rocks.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import io.rocks.policy.RocksPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every rocks command takes: the policy file and the log detail. */
final class CommonOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = {
        "HOCON policy file (the rocks { } section: heartbeat-interval, failure-sensitivity,"
            + " reconnect-timeout, rules...), over the built-in defaults.",
        "Without it: application.conf on the class path, or -Dconfig.file."
      })
  Path config;

  @Option(
      names = {"-v", "--verbose"},
      description = "Also log the rock implementation's own messages, per rock (each suspension, resumption and"
          + " reconnect attempt) as well as per process (each server socket listening), and a gateway's"
          + " announcement of each carried rock's suspension and resumption.")
  boolean verbose;

  /**
   * Applies --verbose to the logger levels: the implementation's per-rock events, and a gateway's
   * per-link ones ({@link Display#detail}), are at DEBUG.
   */
  void applyLogLevel() {
    if (verbose) {
      Configurator.setLevel("io.rocks.impl", Level.DEBUG);
      Configurator.setLevel(Display.LOG.getName(), Level.DEBUG);
    }
  }

  /**
   * Returns the options the policy gives a server socket on {@code port}; {@code what} (such as
   * "a gateway") names the command in the error if the policy makes the port plain.
   *
   * @throws CliException with {@link ExitCode#CONFIG} if the port is excluded
   */
  static io.rocks.RockOptions listenOptions(RocksPolicy policy, int port, String what) throws CliException {
    return policy.forListen(port).orElseThrow(() -> new CliException(ExitCode.CONFIG,
        "the policy makes port " + port + " a plain socket (excluded); " + what + " needs rocks"));
  }

  /**
   * Loads the policy: the --config file over reference.conf, else application.conf.
   *
   * @throws CliException with {@link ExitCode#CONFIG} if the file is missing or unreadable; a bad
   *     value throws {@link ConfigException}, which names the file:line and key
   */
  RocksPolicy policy() throws CliException {
    ClassLoader loader = CommonOptions.class.getClassLoader();
    if (config == null) {
      return RocksPolicy.load();
    }
    if (!Files.isRegularFile(config)) {
      throw new CliException(ExitCode.CONFIG, "--config " + config + ": no such file");
    }
    if (!Files.isReadable(config)) {
      throw new CliException(ExitCode.CONFIG, "--config " + config + ": cannot read it");
    }
    Config parsed =
        ConfigFactory.parseFile(config.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
            .withFallback(ConfigFactory.defaultReference(loader))
            .resolve();
    return RocksPolicy.load(parsed, loader);
  }

  /** Converts "5s", "500 ms", "2 minutes" (HOCON durations), or a bare number of seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String text = value.strip();
      try {
        if (text.matches("\\d+")) {
          return Duration.ofSeconds(Long.parseLong(text));
        }
        Duration d =
            ConfigFactory.empty().withValue("d", ConfigValueFactory.fromAnyRef(text)).getDuration("d");
        if (d.isNegative()) {
          throw new CommandLine.TypeConversionException("'" + value + "' is negative");
        }
        return d;
      } catch (ConfigException | NumberFormatException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration such as 5s, 500ms or 2m");
      }
    }
  }
}
