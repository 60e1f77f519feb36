package io.rocks.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import io.rocks.RockOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Turns the {@code rocks} section of a HOCON configuration into {@link RockOptions}. Every value is
 * checked once, when loaded: a bad one fails with {@link ConfigException.BadValue} naming the key,
 * the value and its file:line; an unknown key under {@code rocks} fails the same way. Nothing falls
 * back silently to a default.
 *
 * <p>Stateless; safe from any thread.
 */
public final class RocksSettings {
  private static final Set<String> KNOWN_KEYS =
      Set.of(
          "heartbeat-interval",
          "failure-sensitivity",
          "reconnect-timeout",
          "backoff.initial",
          "backoff.cap",
          "connect-timeout",
          "handshake-timeout",
          "in-flight-capacity",
          "receive-window");

  private RocksSettings() {}

  /** Loads {@code application.conf} (or {@code -Dconfig.file}) over {@code reference.conf}. */
  public static RockOptions load() {
    return load(ConfigFactory.load(RocksSettings.class.getClassLoader()));
  }

  /** Reads options from {@code config}, which must already include the reference defaults. */
  public static RockOptions load(Config config) {
    Config rocks = config.getConfig("rocks");
    for (Map.Entry<String, ConfigValue> entry : rocks.entrySet()) {
      if (!KNOWN_KEYS.contains(entry.getKey())) {
        throw new ConfigException.BadPath(
            entry.getValue().origin(),
            "rocks." + entry.getKey(),
            "unknown key; known keys under rocks are " + KNOWN_KEYS);
      }
    }
    return RockOptions.builder()
        .heartbeatInterval(positive(rocks, "heartbeat-interval"))
        .failureSensitivity(atLeast(rocks, "failure-sensitivity", 1))
        .reconnectTimeout(positive(rocks, "reconnect-timeout"))
        .backoff(positive(rocks, "backoff.initial"), backoffCap(rocks))
        .connectTimeout(positive(rocks, "connect-timeout"))
        .handshakeTimeout(positive(rocks, "handshake-timeout"))
        .inFlightCapacity(size(rocks, "in-flight-capacity"))
        .receiveWindow(size(rocks, "receive-window"))
        .build();
  }

  /** Parses a HOCON string over the reference defaults; for tests and embedded settings. */
  public static RockOptions parse(String hocon, String originDescription) {
    Config config =
        ConfigFactory.parseString(
                hocon,
                ConfigParseOptions.defaults().setOriginDescription(originDescription))
            .withFallback(ConfigFactory.defaultReference(RocksSettings.class.getClassLoader()))
            .resolve();
    return load(config);
  }

  private static Duration positive(Config rocks, String key) {
    Duration value = rocks.getDuration(key);
    if (value.isNegative() || value.isZero()) {
      throw bad(rocks, key, "must be a positive duration, was " + rocks.getValue(key).render());
    }
    return value;
  }

  private static Duration backoffCap(Config rocks) {
    Duration cap = positive(rocks, "backoff.cap");
    if (cap.compareTo(rocks.getDuration("backoff.initial")) < 0) {
      throw bad(rocks, "backoff.cap", "must not be shorter than rocks.backoff.initial");
    }
    return cap;
  }

  private static int atLeast(Config rocks, String key, int minimum) {
    int value = rocks.getInt(key);
    if (value < minimum) {
      throw bad(rocks, key, "must be at least " + minimum + ", was " + value);
    }
    return value;
  }

  private static int size(Config rocks, String key) {
    long bytes = rocks.getBytes(key);
    if (bytes < RockOptions.MIN_BUFFER_BYTES || bytes > Integer.MAX_VALUE) {
      throw bad(
          rocks,
          key,
          "must be between " + RockOptions.MIN_BUFFER_BYTES + " bytes and 2 GiB, was "
              + rocks.getValue(key).render());
    }
    return (int) bytes;
  }

  private static ConfigException bad(Config rocks, String key, String message) {
    return new ConfigException.BadValue(rocks.getValue(key).origin(), "rocks." + key, message);
  }
}
